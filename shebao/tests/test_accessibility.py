"""axe-core (WCAG 2.1 A/AA) on every page kind, as each role that sees it, with Debian's chromium.

axe-core is vendored for the tests only (`shebao/tests/vendor/axe-core/`, see its README for the version).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from shebao.conftest import make_user
from shebao.core.batch import batch_run, batch_start
from shebao.core.choices import Role
from shebao.core.tests.batchkit import ECHO, make_sources
from shebao.tests.conftest import login, needs_chromium

AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
# Latin words allowed in the Chinese UI: file types, the spreadsheet's name, standard numbers, user names of the test.
USERS = ("clerk_a", "reviewer_a", "auditor_a", "unit_a", "insured_a")
LATIN_OK = {"Excel", "xlsx", "pdf", "jpg", "png", "MB", "GB", *USERS}

# Public pages (no login): 社保费试算, its answer with the trace, and a form sent with a bad amount.
PUBLIC = {
    "社保费试算": "/calculate/",
    "补缴试算（结果和计算过程）": "/calculate/back-payment/?calculate=1&from_month=2019-03&to_month=2019-06&base=5000"
    "&insurance_types=110&insurance_types=310&paid_date=2019-07-15&with_late_fee=on&region=330102",
    "滞纳金试算（提交出错）": "/calculate/late-fee/?calculate=1&principal=-1&days=3",
}

pytestmark = [pytest.mark.browser, pytest.mark.catalog("01010101", "01010201"), needs_chromium]


@pytest.fixture
def site(agencies, clerk, reviewer, make_employer, make_person):
    """Users of every role and the records their pages show, built before the browser starts."""
    from shebao.conftest import employer_data
    from shebao.core.models import Case
    from shebao.registration.services import employer_enrol

    employer = make_employer(name="杭州无障碍测试科技有限公司")
    person = make_person(employer, name="王长辈")
    open_case = employer_enrol(actor=clerk, data=employer_data(name="杭州待复核科技有限公司"))
    make_user(Role.AUDITOR, agencies["a"], username="auditor_a")
    make_user(Role.EMPLOYER, None, username="unit_a", employer=employer)
    make_user(Role.INSURED, None, username="insured_a", person=person)
    completed = Case.objects.filter(item_id="01010101", status="completed").order_by("pk").first()
    make_sources(6)
    run = batch_run(batch_start(actor=clerk, kind=ECHO, region="330102", period="2026-11", params={"chunk_size": 4}))
    return {
        "employer": employer.pk,
        "person": person.pk,
        "open": open_case.pk,
        "completed": completed.pk,
        "batch": run.pk,
    }


def _axe(page) -> list[dict]:
    """Run axe-core on the page as it is now; the WCAG 2.1 A/AA violations, one dict per rule."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
    return page.evaluate(
        """async (tags) => {
            const r = await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']});
            return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                          nodes: v.nodes.slice(0, 5).map(n => n.target.join(' '))}));
        }""",
        WCAG_TAGS,
    )


def _english(page) -> set[str]:
    """Latin words in the page's visible text (none but file types and user names; codes like USCCs aside)."""
    text = page.evaluate("document.body.innerText")
    return {w for w in re.findall(r"(?<![0-9A-Za-z])[A-Za-z_]{2,}(?![0-9A-Za-z])", text) if w not in LATIN_OK}


def test_every_page_kind_passes_axe_wcag21_aa(live_server, site, browser):
    base = live_server.url
    e, p = site["employer"], site["person"]
    pages = {
        "clerk_a": {
            "工作台首页（经办员）": "/",
            "业务经办单列表": "/cases/",
            "业务经办单（办理中）": f"/cases/{site['open']}/",
            "业务经办单（已办结）": f"/cases/{site['completed']}/",
            "单位查询": "/registration/employers/",
            "单位详情": f"/registration/employers/{e}/",
            "人员查询": "/registration/persons/",
            "人员详情": f"/registration/persons/{p}/",
            "单位参保登记": "/registration/employers/new/",
            "单位变更登记": f"/registration/employers/{e}/change/",
            "单位分立合并": f"/registration/employers/{e}/restructure/",
            "单位成建制转移": f"/registration/employers/{e}/transfer/",
            "单位注销登记": f"/registration/employers/{e}/deregister/",
            "个人参保登记": "/registration/persons/new/",
            "个人变更登记": f"/registration/persons/{p}/change/",
            "个人终止登记": f"/registration/persons/{p}/terminate/",
            "批量增员": "/registration/persons/bulk/",
            "批处理批次列表": "/batch/",
            "批处理批次详情": f"/batch/{site['batch']}/",
            "页面不存在（404）": "/cases/987654321/",
        },
        "reviewer_a": {
            "工作台首页（复核员）": "/",
            "业务经办单（待复核）": f"/cases/{site['open']}/",
        },
        "auditor_a": {"工作台首页（稽核员）": "/", "业务经办单列表（稽核员）": "/cases/"},
        "unit_a": {
            "我的单位": "/registration/portal/",
            "职工名单": "/registration/portal/employees/",
            "网上增员": "/registration/portal/enrol/",
            "网上批量增员": "/registration/portal/enrol/bulk/",
            "网上减员": f"/registration/portal/employees/{p}/leave/",
            "申报记录": "/cases/",
        },
        "insured_a": {"我的社保": "/registration/me/", "我的业务": "/cases/"},
    }
    found: dict[str, list[dict]] = {}
    english: dict[str, set[str]] = {}
    visited = 0
    anonymous = login(browser, base, None, bypass_csp=True)
    found["登录"] = _axe(anonymous)
    visited += 1
    for title, url in PUBLIC.items():
        anonymous.goto(base + url)
        found[title] = _axe(anonymous)
        english[title] = _english(anonymous)
        visited += 1
    anonymous.context.close()
    for username, urls in pages.items():
        page = login(browser, base, username, bypass_csp=True)
        for title, url in urls.items():
            page.goto(base + url)
            found[title] = _axe(page)
            english[title] = _english(page)
            visited += 1
        if username == "clerk_a":
            # A form sent empty: the errors, the red fields and the summary must be accessible too.
            page.goto(base + "/registration/employers/new/")
            page.get_by_role("button", name="提交登记").click()
            page.wait_for_selector("[data-testid=form-errors]")
            found["单位参保登记（提交出错）"] = _axe(page)
            visited += 1
        if username == "insured_a":
            # 长辈模式 (larger text, stronger contrast) must pass as well.
            page.get_by_role("button", name="长辈模式").click()
            # Measure the colours once the button's CSS transition has ended, not half-way (a flaky contrast hit).
            page.wait_for_function("document.getAnimations().every(a => a.playState !== 'running')")
            found["我的业务（长辈模式）"] = _axe(page)
            visited += 1
        page.context.close()
    failures = {title: v for title, v in found.items() if v}
    report = "\n".join(
        f"{title}: {v['id']} ({v['impact']}) {v['help']} → {', '.join(v['nodes'])}"
        for title, violations in failures.items()
        for v in violations
    )
    assert visited == 3 + len(PUBLIC) + sum(len(urls) for urls in pages.values())
    assert {t: w for t, w in english.items() if w} == {}
    assert not failures, f"axe-core 在 {len(failures)}/{visited} 个页面发现问题：\n{report}"

"""Browser test (Playwright + Debian's chromium): a resident chooses a pension tier in 我的社保 in 长辈模式, a clerk
accepts and a reviewer approves in their own sessions, and the resident sees the tier in force; a clerk reads a
unit's rate table and opens the rate change form."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone

from shebao.conftest import make_user
from shebao.core.choices import Role
from shebao.tests.conftest import browser, login, needs_chromium  # noqa: F401  (the browser fixture)
from shebao.tests.test_accessibility import _axe, _english
from shebao.tests.test_browser import ARTIFACTS

from ..conftest import rated_employer, resident

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.catalog("02020101", "02020201", "02020102", "02020202"),
    needs_chromium,
]


@pytest.fixture
def people(agencies, clerk, reviewer):
    """A resident with a portal login and a unit with its work-injury rate (made before the browser starts)."""
    person = resident(agencies["a"], name="李长辈")
    make_user(Role.INSURED, None, username="lizb", person=person)
    unit = rated_employer(agencies["a"], risk_class=2, grade="0.8", rate="0.0032", name="杭州浮动费率测试有限公司")
    return {"unit": unit.pk}


def test_resident_chooses_a_tier_in_elder_mode(live_server, people, browser):  # noqa: F811
    base = live_server.url
    ARTIFACTS.mkdir(exist_ok=True)
    year = timezone.localdate().year

    me = login(browser, base, "lizb", viewport=(1280, 900), bypass_csp=True)  # axe is injected
    me.get_by_role("link", name="缴费档次·基数").first.click()
    me.wait_for_url(f"{base}/contributions/rates/my/")
    assert _axe(me) == [] and not _english(me) - {"lizb"}
    me.get_by_role("button", name="长辈模式").click()
    assert me.evaluate("document.documentElement.classList.contains('sb-elder')")
    # Measure the colours once the button's CSS transition has ended, not half-way.
    me.wait_for_function("document.getAnimations().every(a => a.playState !== 'running')")
    assert _axe(me) == []  # WCAG 2.1 A/AA in 长辈模式 too
    assert "补贴 60 元" in me.get_by_test_id("tier-options").inner_text()
    me.get_by_role("link", name="选择缴费档次").click()
    me.wait_for_url(f"{base}/contributions/rates/my/determine/")
    me.screenshot(path=str(ARTIFACTS / "rates-my-tier-form-elder.png"), full_page=True)

    # A tier not offered cannot be picked; an empty choice is reported next to the field.
    me.get_by_role("button", name="提交申请").click()
    assert "缴费档次" in me.locator("#id_amount_errors").inner_text()
    assert _axe(me) == [] and not _english(me) - {"lizb"}  # the re-shown form with its errors
    me.select_option("#id_amount", "1500")
    me.select_option("#id_valid_from", f"{year}-01")
    me.get_by_role("button", name="提交申请").click()
    me.wait_for_selector("text=请等待经办机构受理")
    case_url = me.url
    number = re.search(r"业务流水号 (\d+)", me.locator(".alert-success").inner_text()).group(1)

    clerk = login(browser, base, "clerk_a")
    clerk.goto(case_url)
    assert "1500 元/年" in clerk.content()
    clerk.get_by_role("button", name="受理").click()
    clerk.wait_for_selector("text=已受理：业务流水号")
    reviewer = login(browser, base, "reviewer_a")
    reviewer.goto(case_url)
    reviewer.get_by_role("button", name="复核通过").click()
    reviewer.get_by_role("dialog").get_by_role("button", name="确认复核通过").click()  # the confirmation
    reviewer.wait_for_selector("text=复核通过：业务流水号")
    assert reviewer.get_by_test_id("case-status").inner_text() == "已办结"

    me.goto(f"{base}/contributions/rates/my/")
    summary = me.get_by_test_id("choice-summary").inner_text()
    assert "1500 元/年" in summary and f"{year}年度" in summary
    assert number in me.get_by_test_id("my-choice-cases").inner_text()
    assert me.get_by_role("link", name="调整缴费档次").is_visible()
    me.screenshot(path=str(ARTIFACTS / "rates-my-tier-elder.png"), full_page=True)
    for page in (me, clerk, reviewer):
        page.context.close()


def test_clerk_reads_a_rate_table_and_opens_the_change(live_server, people, browser):  # noqa: F811
    base = live_server.url
    ARTIFACTS.mkdir(exist_ok=True)
    clerk = login(browser, base, "clerk_a", bypass_csp=True)  # axe is injected
    clerk.get_by_role("link", name="单位费率").first.click()
    clerk.get_by_role("link", name="杭州浮动费率测试有限公司").click()
    table = clerk.get_by_test_id("rate-table").inner_text()
    assert "0.32%" in table and "单位核定费率" in table and "统筹地区费率" in table
    assert _axe(clerk) == []
    clerk.screenshot(path=str(ARTIFACTS / "rates-employer-table.png"), full_page=True)
    clerk.get_by_role("link", name="费率调整").click()
    clerk.wait_for_url(re.compile(r".*/rates/employers/\d+/change/$"))
    assert clerk.input_value("#id_float_grade") == "0.8"
    assert _axe(clerk) == []
    clerk.screenshot(path=str(ARTIFACTS / "rates-employer-change-form.png"), full_page=True)
    clerk.context.close()

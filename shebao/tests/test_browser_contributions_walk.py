"""Browser test (Playwright + Debian's chromium), acceptance 5 of issue 6 in ONE walk through cluster 02:
an employer user declares last year's wages in the portal (020101), a clerk accepts and a reviewer approves them,
the clerk determines the year's bases from the declaration (020102) and assesses the month (020301), the employer
sees its bill and pays part of it online (020402), and the arrears page shows the rest (020501).

Every step goes through the pages a user clicks; the figures asserted are computed here from the declared wages,
the rates of 杭州市 and the bounds of the year, not read back from the system.
"""

from __future__ import annotations

import io
import re
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from shebao.conftest import make_user
from shebao.contributions.services.wages_rules import bound_base, contribution_year_of
from shebao.core.choices import Role
from shebao.registration.tests.factories import EmployerFactory, PersonFactory
from shebao.tests.conftest import login
from shebao.tests.test_browser import ARTIFACTS
from shebao.tests.test_browser import pytestmark as _browser_marks

pytestmark = [
    *(m for m in _browser_marks if m.name != "catalog"),
    pytest.mark.catalog("020101", "020102", "020301", "020402", "020501"),
]

FEN = Decimal("0.01")
# Employee types of the persons (the factory enrols 110 and 310 from this month): employer + individual rates of
# 杭州市 (330100) this year — 110 16% + 8%, 310 9.5% + 2%.
RATES = {"110": (Decimal("0.16"), Decimal("0.08")), "310": (Decimal("0.095"), Decimal("0.02"))}


def _fen(value: Decimal) -> Decimal:
    return value.quantize(FEN, rounding=ROUND_HALF_UP)


@pytest.fixture
def unit(agencies, clerk, reviewer):
    """A unit of 上城区 with two employees enrolled this month and a portal login (made before the browser starts)."""
    employer = EmployerFactory(agency=agencies["a"], name="杭州全流程征缴有限公司")
    people = [PersonFactory(employer=employer, agency=agencies["a"], name=name) for name in ("周明", "吴芳")]
    make_user(Role.EMPLOYER, None, username="unit_walk", employer=employer)
    return employer, people


def test_wages_to_bill_to_payment_to_arrears(live_server, unit, browser, tmp_path):
    base_url = live_server.url
    ARTIFACTS.mkdir(exist_ok=True)
    _employer, people = unit
    month = timezone.localdate().replace(day=1)
    # Expected figures, from the yearly wages declared below and the year's bounds (60 % / 300 % of the average).
    yearly = {"周明": Decimal("96000"), "吴芳": Decimal("30000")}
    year = contribution_year_of(month, "330102")
    bases = {
        name: bound_base(declared_monthly_wage=_fen(w / 12), region="330102", year=year).base
        for name, w in yearly.items()
    }
    assert bases["吴芳"] > _fen(yearly["吴芳"] / 12)  # 2,500 a month is below the year's lower bound: raised to it
    lines = {
        name: sum((_fen(b * er) + _fen(b * ir) for er, ir in RATES.values()), Decimal("0")) for name, b in bases.items()
    }
    total = sum(lines.values(), Decimal("0"))
    paid = Decimal("1000.00")

    # 1. The unit downloads its pre-filled wage template in the portal, fills last year's wages and uploads it.
    me = login(browser, base_url, "unit_walk")
    me.get_by_role("link", name="工资申报").first.click()
    me.wait_for_url(f"{base_url}/contributions/wages/portal/")
    with me.expect_download() as download:
        me.get_by_test_id("wage-template").click()
    book = load_workbook(io.BytesIO(download.value.path().read_bytes()))
    sheet = book["工资申报"]
    for row in sheet.iter_rows(min_row=2):
        row[2].value = str(yearly[row[1].value])
    upload = tmp_path / "wages.xlsx"
    book.save(upload)
    me.set_input_files("#id_file", str(upload))
    me.get_by_role("button", name="提交申报").click()
    me.wait_for_selector("text=请等待经办机构受理")
    number = re.search(r"业务流水号 (\d+)", me.locator(".alert-success").inner_text()).group(1)
    declaration_case = me.url

    # 2. The clerk accepts it from the queue; a reviewer (not the clerk) approves it.
    clerk = login(browser, base_url, "clerk_a")
    clerk.goto(f"{base_url}/")
    clerk.get_by_role("link", name=number).first.click()
    clerk.get_by_role("button", name="受理").click()
    clerk.wait_for_selector("text=已受理：业务流水号")
    reviewer = login(browser, base_url, "reviewer_a")
    reviewer.goto(declaration_case)
    reviewer.get_by_role("button", name="复核通过").click()
    reviewer.get_by_role("dialog").get_by_role("button", name="确认复核通过").click()
    reviewer.wait_for_selector("text=复核通过：业务流水号")

    # 3. The clerk runs the year's base determination for the region: the bases come from the declaration.
    clerk.goto(f"{base_url}/contributions/wages/bases/run/")
    clerk.get_by_role("button", name=re.compile("核定")).last.click()
    clerk.wait_for_url(lambda url: "/batch/" in url)
    assert clerk.get_by_test_id("batch-status").inner_text() == "已完成"
    me.goto(f"{base_url}/contributions/wages/portal/bases/")
    shown = me.inner_text("body")
    for name, value in bases.items():
        assert name in shown and str(value) in shown, (name, value)

    # 4. The clerk assesses the month; the run page shows it done.
    clerk.get_by_role("link", name="应缴核定").first.click()
    clerk.wait_for_url(f"{base_url}/contributions/assessment/")
    clerk.fill("#id_month", f"{month:%Y-%m}")
    clerk.get_by_role("button", name="发起核定").click()
    clerk.wait_for_url(lambda url: "/batch/" in url)
    assert clerk.get_by_test_id("batch-status").inner_text() == "已完成"
    assert clerk.get_by_test_id("batch-rows").inner_text() == str(len(people) * len(RATES))
    clerk.screenshot(path=str(ARTIFACTS / "walk-assessment-run.png"), full_page=True)
    clerk.get_by_test_id("batch-result-link").click()  # from the run to the month's summary
    clerk.wait_for_url(f"{base_url}/contributions/assessment/month/?month={month:%Y-%m}")
    assert clerk.get_by_test_id("total-all").inner_text() == str(total)

    # 5. The unit sees its bill: the total of the two employees' lines.
    me.get_by_role("link", name="我的账单").first.click()
    me.wait_for_url(f"{base_url}/contributions/portal/bill/")
    assert me.get_by_test_id("bill-total").inner_text() == str(total)
    me.screenshot(path=str(ARTIFACTS / "walk-portal-bill.png"), full_page=True)

    # 6. It pays part of it online; the arrears page shows the rest.
    me.goto(f"{base_url}/contributions/collection/portal/bill/")
    assert me.get_by_test_id("bill-total").inner_text() == str(total)
    me.get_by_role("link", name="网上缴费").first.click()
    me.fill("#id_amount", str(paid))
    me.get_by_role("button", name="确认缴费").click()
    me.wait_for_selector("text=缴费成功")
    me.goto(f"{base_url}/contributions/collection/portal/arrears/")
    assert me.get_by_test_id("arrears-total").inner_text() == str(total - paid)
    me.screenshot(path=str(ARTIFACTS / "walk-portal-arrears.png"), full_page=True)

    # 7. The clerk's arrears ledger of the unit agrees.
    clerk.goto(f"{base_url}/contributions/collection/employers/{_employer.pk}/")
    assert clerk.get_by_test_id("total").inner_text() == str(total - paid)

    for page in (me, clerk, reviewer):
        page.context.close()

"""Browser test (Playwright + Debian's chromium): a clerk starts the month's assessment (020301) from the workbench,
follows it to the run page until it is done and opens the month's summary; the employer then sees its bill in the
portal (我的账单) with the due date and the total — the middle of acceptance 5 of issue 6.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from shebao.conftest import make_user
from shebao.core.choices import Role
from shebao.tests.conftest import login
from shebao.tests.test_accessibility import _axe, _english
from shebao.tests.test_browser import ARTIFACTS
from shebao.tests.test_browser import pytestmark as _browser_marks

pytestmark = [*(m for m in _browser_marks if m.name != "catalog"), pytest.mark.catalog("020301")]


@pytest.fixture
def unit(agencies, clerk):
    """A unit of 上城区 with two employees on declared bases and a portal login (created before the browser starts)."""
    from shebao.contributions.tests.assessment.builders import unit as make_unit

    employer, people = make_unit(agencies["a"], persons=2, bases=("6000.00", "9000.00"), name="杭州钱塘制茶有限公司")
    make_user(Role.EMPLOYER, None, username="unit_bill", employer=employer)
    return employer, people


def _accessible(page) -> None:
    """axe-core WCAG 2.1 A/AA finds nothing, and no English words show (shebao/tests/test_accessibility.py)."""
    assert _axe(page) == [], page.url
    assert not _english(page) - {"unit_bill"}, (page.url, _english(page))


def test_clerk_assesses_the_month_and_the_employer_sees_its_bill(live_server, unit, browser):
    # Only the browser and the live server below: no ORM calls inside Playwright's greenlet.
    base = live_server.url
    ARTIFACTS.mkdir(exist_ok=True)
    _employer, people = unit
    # 110 16%+8%, 210 0.5%+0.5%, 310 9.5%+2% (杭州市), 410 class 1 0.2%: 36.7% of the base
    total = (Decimal("15000.00") * Decimal("0.367")).quantize(Decimal("0.01"))

    # 1. The clerk opens 应缴核定 from the sidebar and starts October.
    clerk = login(browser, base, "clerk_a", bypass_csp=True)  # axe is injected
    clerk.get_by_role("link", name="应缴核定").first.click()
    clerk.wait_for_url(f"{base}/contributions/assessment/")
    _accessible(clerk)
    clerk.fill("#id_month", "2026-10")
    clerk.get_by_role("button", name="发起核定").click()

    # 2. The run page shows the run done with its progress bar full.
    clerk.wait_for_url(lambda url: "/batch/" in url)
    assert clerk.get_by_test_id("batch-status").inner_text() == "已完成"
    assert clerk.get_by_test_id("batch-rows").inner_text() == "8"
    assert clerk.locator("#batch-progress-bar").get_attribute("value") == "1"
    assert "已写入 8 条应收明细" in clerk.inner_text("body")
    clerk.screenshot(path=str(ARTIFACTS / "assessment-run.png"), full_page=True)
    _accessible(clerk)

    # 3. The month's summary by insurance type, and the unit in the drill-down list.
    clerk.goto(f"{base}/contributions/assessment/month/?month=2026-10")
    assert clerk.get_by_test_id("total-all").inner_text() == str(total)
    _accessible(clerk)
    clerk.get_by_role("link", name="杭州钱塘制茶有限公司").click()
    assert people[1].name in clerk.get_by_test_id("bill-persons").inner_text()
    clerk.screenshot(path=str(ARTIFACTS / "assessment-month.png"), full_page=True)
    _accessible(clerk)

    # 4. The unit sees its bill in the portal: due date, total, each employee's parts.
    me = login(browser, base, "unit_bill", bypass_csp=True)
    me.get_by_role("link", name="我的账单").first.click()
    me.wait_for_url(f"{base}/contributions/portal/bill/")
    assert me.get_by_test_id("bill-due").inner_text() == "2026-10-15"
    assert me.get_by_test_id("bill-total").inner_text() == str(total)
    persons = me.get_by_test_id("bill-persons").inner_text()
    assert people[0].name in persons and "960.00 / 480.00" in persons  # 110 of the 6000.00 base
    me.screenshot(path=str(ARTIFACTS / "assessment-portal-bill.png"), full_page=True)
    _accessible(me)

    for page in (clerk, me):
        page.context.close()

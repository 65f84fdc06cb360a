"""Browser test (Playwright + Debian's chromium): an employer user downloads its pre-filled wage template in the
portal, fills in last year's wages and uploads it (020101); a clerk accepts and a reviewer approves the
declaration in their own sessions; the unit then sees the approved declaration (acceptance 5 of issue 6 starts so).
"""

from __future__ import annotations

import io
import re

import pytest
from openpyxl import load_workbook

from shebao.conftest import make_user
from shebao.core.choices import Role
from shebao.registration.tests.factories import EmployerFactory, PersonFactory
from shebao.tests.conftest import login
from shebao.tests.test_browser import ARTIFACTS
from shebao.tests.test_browser import pytestmark as _browser_marks

pytestmark = [*(m for m in _browser_marks if m.name != "catalog"), pytest.mark.catalog("020101")]


@pytest.fixture
def unit(agencies, clerk, reviewer):
    """A unit of 上城区 with three employees and a portal login (created before the browser starts)."""
    employer = EmployerFactory(agency=agencies["a"], name="杭州西湖龙井茶叶有限公司")
    people = [PersonFactory(employer=employer, name=name) for name in ("陈一", "林二", "黄三")]
    make_user(Role.EMPLOYER, None, username="unit_tea", employer=employer)
    return employer, people


def test_employer_uploads_wages_in_the_portal_and_the_agency_approves(live_server, unit, browser, tmp_path):
    # Only the browser and the live server below: no ORM calls inside Playwright's greenlet.
    base = live_server.url
    ARTIFACTS.mkdir(exist_ok=True)
    _, people = unit

    # 1. The unit opens 工资申报 in the portal and downloads its template, pre-filled with its employees.
    me = login(browser, base, "unit_tea")
    me.get_by_role("link", name="工资申报").first.click()
    me.wait_for_url(f"{base}/contributions/wages/portal/")
    assert "没有办理中的工资申报" in me.inner_text("body")
    with me.expect_download() as download:
        me.get_by_test_id("wage-template").click()
    book = load_workbook(io.BytesIO(download.value.path().read_bytes()))
    sheet = book["工资申报"]
    names = [row[1].value for row in sheet.iter_rows(min_row=2)]
    assert sorted(names) == sorted(p.name for p in people)

    # 2. A first upload with a negative wage is refused whole, the wrong row listed with its reason.
    wages = {"陈一": "96000", "林二": "-1", "黄三": "54000.50"}
    for row in sheet.iter_rows(min_row=2):
        row[2].value = wages[row[1].value]
    wrong = tmp_path / "wages-wrong.xlsx"
    book.save(wrong)
    me.set_input_files("#id_file", str(wrong))
    me.get_by_role("button", name="提交申报").click()
    errors = me.get_by_test_id("row-errors").inner_text()
    assert "上年度工资收入不能为负数" in errors
    me.screenshot(path=str(ARTIFACTS / "wages-portal-errors.png"), full_page=True)

    # 3. The corrected file is accepted as an online application waiting for the agency.
    for row in sheet.iter_rows(min_row=2):
        if row[1].value == "林二":
            row[2].value = "72000"
    right = tmp_path / "wages.xlsx"
    book.save(right)
    me.set_input_files("#id_file", str(right))
    me.get_by_role("button", name="提交申报").click()
    me.wait_for_selector("text=请等待经办机构受理")
    number = re.search(r"业务流水号 (\d+)", me.locator(".alert-success").inner_text()).group(1)
    case_url = me.url
    assert "222000.50" in me.inner_text("body")  # the wage total on the case page

    # 4. The clerk accepts it from the queue of online applications; the reviewer approves it.
    clerk = login(browser, base, "clerk_a")
    clerk.goto(f"{base}/")
    clerk.get_by_role("link", name=number).first.click()
    clerk.get_by_role("button", name="受理").click()
    clerk.wait_for_selector("text=已受理：业务流水号")
    reviewer = login(browser, base, "reviewer_a")
    reviewer.goto(case_url)
    reviewer.get_by_role("button", name="复核通过").click()
    reviewer.get_by_role("dialog").get_by_role("button", name="确认复核通过").click()
    reviewer.wait_for_selector("text=复核通过：业务流水号")
    assert reviewer.get_by_test_id("case-status").inner_text() == "已办结"
    reviewer.screenshot(path=str(ARTIFACTS / "wages-approved-case.png"), full_page=True)

    # 5. The unit sees the approved declaration and its lines.
    me.goto(f"{base}/contributions/wages/portal/")
    declared = me.get_by_test_id("declarations")
    assert "3人，工资总额 222000.50 元" in declared.inner_text()
    declared.get_by_role("link").first.click()
    assert me.get_by_test_id("headcount").inner_text() == "3 人"
    assert "陈一" in me.get_by_test_id("declaration-lines").inner_text()
    me.screenshot(path=str(ARTIFACTS / "wages-portal-declaration.png"), full_page=True)

    for page in (me, clerk, reviewer):
        page.context.close()

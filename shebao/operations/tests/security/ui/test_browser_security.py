"""Browser test (Playwright + Debian's chromium): a clerk asks for an export of a unit's employees, cannot download
before review, a reviewer approves it on the case page, the clerk downloads the watermarked workbook; the auditor
finds the download and the person-page views by ID number without the number ever appearing in the address bar."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings

from shebao.conftest import make_user
from shebao.core.choices import Role
from shebao.core.models import Case
from shebao.tests.conftest import browser, login, needs_chromium  # noqa: F401

from ..helpers import REASON, column_values, open_workbook, unit_with_employees

ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts"

pytestmark = [pytest.mark.browser, pytest.mark.catalog("1107"), needs_chromium]


def test_export_request_review_download_and_access_log_search(browser, live_server, transactional_db, agencies):  # noqa: F811
    ARTIFACTS.mkdir(exist_ok=True)
    clerk = make_user(Role.CLERK, agencies["a"], username="clerk_a")
    make_user(Role.REVIEWER, agencies["a"], username="reviewer_a")
    make_user(Role.AUDITOR, agencies["a"], username="auditor_a")
    employer, people = unit_with_employees(agencies["a"], 2)
    base = live_server.url

    page = login(browser, base, clerk.username)
    page.goto(f"{base}/registration/persons/{people[0].pk}/")
    assert page.get_by_test_id("id-number").inner_text() == people[0].id_number
    page.goto(f"{base}/operations/security/exports/new/?employer={employer.pk}")
    page.fill("#id_reason", REASON)
    page.get_by_role("button", name="提交导出申请").click()
    page.wait_for_selector("text=等待复核")
    case = Case.objects.get(item_id="1107")
    page.goto(f"{base}/operations/security/exports/{case.pk}/")
    assert page.get_by_test_id("export-state").inner_text() == "待复核"
    assert page.get_by_role("button", name="下载导出文件").count() == 0

    reviewer = login(browser, base, "reviewer_a")
    reviewer.goto(f"{base}/cases/{case.pk}/")
    reviewer.get_by_role("button", name="复核通过").click()
    reviewer.get_by_role("dialog").get_by_role("button", name="确认复核通过").click()
    reviewer.wait_for_selector("text=复核通过：业务流水号")

    page.goto(f"{base}/operations/security/exports/{case.pk}/")
    page.screenshot(path=str(ARTIFACTS / "security-export.png"), full_page=True)
    with page.expect_download() as info:
        page.get_by_role("button", name="下载导出文件").click()
    wb = open_workbook(Path(info.value.path()).read_bytes())
    assert f"导出人 {clerk}" in wb.active["A1"].value and case.number in wb.active["A1"].value
    assert sorted(column_values(wb)) == sorted(p.id_number for p in people)

    auditor = login(browser, base, "auditor_a")
    auditor.goto(f"{base}/operations/security/access-log/")
    auditor.fill("#id_id_number", people[0].id_number)
    auditor.get_by_role("button", name="查询", exact=True).click()
    auditor.wait_for_selector("[data-testid=access-table]")
    assert people[0].id_number not in auditor.url and "t=" in auditor.url
    table = auditor.get_by_test_id("access-table").inner_text()
    assert "参保人详情" in table and people[0].id_number not in table
    auditor.screenshot(path=str(ARTIFACTS / "security-access-log.png"), full_page=True)
    auditor.goto(f"{base}/operations/security/access-log/?object_type=pd_export")
    assert "个人数据导出下载" in auditor.get_by_test_id("access-table").inner_text()

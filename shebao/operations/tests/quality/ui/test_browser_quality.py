"""Browser test (Playwright + Debian's chromium): an agency administrator starts a data-quality check, reads the
report (counts, a rule's records, the trend) and downloads the Excel report, which opens with openpyxl."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.conf import settings
from openpyxl import load_workbook

from shebao.conftest import make_user
from shebao.core.choices import Role
from shebao.operations.models import QualityRun
from shebao.tests.conftest import browser, login, needs_chromium  # noqa: F401

from ..planted import plant

ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts"

pytestmark = [pytest.mark.browser, pytest.mark.catalog("1106"), needs_chromium]


def test_admin_runs_a_check_reads_the_report_and_downloads_it(browser, live_server, transactional_db, agencies):  # noqa: F811
    ARTIFACTS.mkdir(exist_ok=True)
    admin = make_user(Role.AGENCY_ADMIN, agencies["a"], username="admin_a")
    expected = plant(agencies["a"])
    base = live_server.url

    page = login(browser, base, admin.username)
    page.goto(f"{base}/operations/quality/")
    page.get_by_role("button", name="开始检查").click()
    page.wait_for_selector("text=数据质量检查报告")
    run = QualityRun.objects.get()
    total = sum(len(v) for v in expected.values())
    assert page.get_by_test_id("quality-total").inner_text() == str(total) == str(run.total)
    assert page.locator("[data-testid=quality-trend] svg").count() == len(run.rules)
    page.screenshot(path=str(ARTIFACTS / "quality-report.png"), full_page=True)

    page.get_by_role("link", name="WY01 社会保障号码重复（规范化后）").click()
    page.wait_for_url(lambda url: "rule=WY01" in url)
    assert page.locator("[data-finding=WY01]").count() == len(expected["WY01"])

    with page.expect_download() as info:
        page.get_by_test_id("quality-export").click()
    assert info.value.suggested_filename.endswith(".xlsx")
    wb = load_workbook(io.BytesIO(Path(info.value.path()).read_bytes()), read_only=True)
    assert wb.sheetnames[0] == "汇总" and any(name.startswith("YZ03") for name in wb.sheetnames)

"""Browser test (Playwright + Debian's chromium): the administrator of the city agency opens 数据备份 from the
sidebar, sees the empty list, starts a backup with the button, and reads its size and SHA-256 in the list; a clerk
gets the 403 page."""

from __future__ import annotations

import pytest

from shebao.conftest import make_user
from shebao.core.choices import Role
from shebao.operations.models import BackupRecord
from shebao.operations.services.backup import backup_dir, manifest_verify
from shebao.tests.conftest import browser, login, needs_chromium  # noqa: F401  (the browser fixture)
from shebao.tests.test_accessibility import _axe
from shebao.tests.test_browser import ARTIFACTS

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.catalog("1109"),
    needs_chromium,
]


def test_admin_starts_a_backup_and_reads_its_checksum(live_server, agencies, browser):  # noqa: F811
    make_user(Role.AGENCY_ADMIN, agencies["city"], username="admin_city")
    make_user(Role.CLERK, agencies["a"], username="clerk_a")
    base = live_server.url
    ARTIFACTS.mkdir(exist_ok=True)

    page = login(browser, base, "admin_city", bypass_csp=True)  # axe is injected
    page.get_by_role("link", name="数据备份").first.click()
    page.wait_for_url(f"{base}/operations/backups/")
    assert "暂无数据备份" in page.get_by_test_id("backup-table").inner_text()
    assert _axe(page) == []
    page.get_by_role("button", name="立即备份").click()
    page.wait_for_url(f"{base}/operations/backups/")
    record = BackupRecord.objects.get()
    table = page.get_by_test_id("backup-table").inner_text()
    assert record.file_name in table and "成功" in table
    assert page.get_by_test_id("sha256").first.inner_text().strip() == record.sha256
    assert manifest_verify(backup_dir() / record.file_name)["sha256"] == record.sha256
    assert _axe(page) == []
    page.screenshot(path=str(ARTIFACTS / "operations-backups.png"), full_page=True)

    clerk = login(browser, base, "clerk_a")
    response = clerk.goto(f"{base}/operations/backups/")
    assert response.status == 403

"""1109 数据备份 pages: the list (sizes, checksums, pagination, empty state) and the 立即备份 button."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from shebao.core.models import AuditEvent
from shebao.operations.models import BackupRecord
from shebao.testing import assert_refused, count_rows, login

pytestmark = [pytest.mark.django_db, pytest.mark.catalog("1109")]
LIST = reverse("operations:backup-list")
START = reverse("operations:backup-start")


def test_clerk_gets_403_on_the_list_and_the_button(client, clerk):
    login(client, clerk)
    assert client.get(LIST).status_code == 403
    before = count_rows(BackupRecord, AuditEvent)
    assert_refused(client.post(START, {}), status=403, nothing_saved=before)


def test_auditor_sees_the_empty_list_without_the_button(client, top_auditor):
    login(client, top_auditor)
    res = client.get(LIST)
    html = res.content.decode()
    assert res.status_code == 200 and "暂无数据备份" in html
    assert 'data-testid="backup-start"' not in html
    before = count_rows(BackupRecord)
    assert_refused(client.post(START, {}), status=403, nothing_saved=before)


def test_admin_starts_a_backup_from_the_page(client, top_admin):
    login(client, top_admin)
    assert 'data-testid="backup-start"' in client.get(LIST).content.decode()
    res = client.post(START, {})
    assert res.status_code == 302 and res["Location"] == LIST
    record = BackupRecord.objects.get()
    assert record.trigger == "ui" and record.started_by == top_admin
    html = client.get(LIST).content.decode()
    assert record.file_name in html and record.sha256 in html and "备份完成" in html


def test_encryption_without_key_rerenders_with_the_message(client, top_admin):
    login(client, top_admin)
    before = count_rows(BackupRecord, AuditEvent)
    res = client.post(START, {"encrypt": "on"})
    assert_refused(res, status=400, field="encrypt", message_contains="SHEBAO_BACKUP_KEY", nothing_saved=before)


def test_the_list_is_paginated(client, top_auditor):
    now = timezone.now()
    BackupRecord.objects.bulk_create(
        BackupRecord(file_name=f"f{i:02d}.dump", started_at=now - timezone.timedelta(minutes=i), trigger="schedule")
        for i in range(25)
    )
    login(client, top_auditor)
    first = client.get(LIST).content.decode()
    assert "f00.dump" in first and "f24.dump" not in first and "共 25 条" in first
    second = client.get(LIST, {"page": 2}).content.decode()
    assert "f24.dump" in second and "f00.dump" not in second

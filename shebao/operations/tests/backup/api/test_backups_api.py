"""1109 数据备份 API: GET/POST /api/v1/backups/ — who may, what a backup answers, bad input, pagination."""

from __future__ import annotations

import pytest
from django.utils import timezone

from shebao.conftest import make_user
from shebao.core.choices import Role
from shebao.core.models import AuditEvent
from shebao.operations.models import BackupRecord
from shebao.operations.services.backup import backup_dir, manifest_verify
from shebao.testing import api_client_for, assert_refused

from ..conftest import KEY

pytestmark = [pytest.mark.django_db, pytest.mark.catalog("1109")]
URL = "/api/v1/backups/"


def test_clerk_may_neither_list_nor_start_backups(clerk):
    client = api_client_for(clerk)
    assert client.get(URL).status_code == 403
    assert_refused(lambda: client.post(URL, {}, format="json"), status=403, nothing_saved=[BackupRecord, AuditEvent])


def test_district_admin_is_refused(agencies):
    client = api_client_for(make_user(Role.AGENCY_ADMIN, agencies["a"]))
    assert client.get(URL).status_code == 403


def test_auditor_reads_the_list_but_may_not_start(top_auditor):
    client = api_client_for(top_auditor)
    res = client.get(URL)
    assert res.status_code == 200 and res.json()["count"] == 0 and res.json()["results"] == []
    assert_refused(lambda: client.post(URL, {}, format="json"), status=403, nothing_saved=[BackupRecord])


def test_admin_starts_a_backup_and_sees_it_listed_with_size_and_checksum(top_admin, top_auditor):
    res = api_client_for(top_admin).post(URL, {}, format="json")
    assert res.status_code == 201, res.json()
    body = res.json()
    assert body["status"] == "ok" and body["trigger"] == "api" and body["started_by"] == top_admin.username
    path = backup_dir() / body["file_name"]
    assert path.stat().st_size == body["size"] and manifest_verify(path)["sha256"] == body["sha256"]
    listed = api_client_for(top_auditor).get(URL).json()
    assert listed["count"] == 1 and listed["results"][0]["sha256"] == body["sha256"]


def test_encrypted_backup_over_the_api(top_admin, monkeypatch):
    monkeypatch.setenv("SHEBAO_BACKUP_KEY", KEY)
    res = api_client_for(top_admin).post(URL, {"encrypt": True}, format="json")
    assert res.status_code == 201 and res.json()["encrypted"] is True
    assert res.json()["file_name"].endswith(".enc")


def test_bad_input_is_400_naming_the_field(top_admin):
    client = api_client_for(top_admin)
    assert_refused(lambda: client.post(URL, {"encrypt": "yes"}, format="json"), status=400, field="encrypt")
    assert_refused(lambda: client.post(URL, {"keep": 3}, format="json"), status=400, field="keep")
    assert_refused(
        lambda: client.post(URL, {"encrypt": True}, format="json"),  # no SHEBAO_BACKUP_KEY on this server
        status=400,
        field="encrypt",
        message_contains="SHEBAO_BACKUP_KEY",
        nothing_saved=[BackupRecord, AuditEvent],
    )
    assert client.get(URL, {"status": "nope"}).status_code == 400


def test_list_is_paginated_newest_first(top_auditor):
    now = timezone.now()
    for i in range(3):
        BackupRecord.objects.create(
            file_name=f"b{i}.dump", started_at=now - timezone.timedelta(hours=3 - i), trigger="schedule", status="ok"
        )
    res = api_client_for(top_auditor).get(URL, {"page_size": 2})
    assert res.json()["count"] == 3 and [r["file_name"] for r in res.json()["results"]] == ["b2.dump", "b1.dump"]
    assert res.json()["next"]
    page2 = api_client_for(top_auditor).get(URL, {"page_size": 2, "page": 2}).json()
    assert [r["file_name"] for r in page2["results"]] == ["b0.dump"]

"""1109 数据备份: checksums refuse tampered and truncated files; encryption round-trips; retention; permissions."""

from __future__ import annotations

import os

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from shebao.conftest import make_user
from shebao.core.choices import Role
from shebao.core.errors import ApplicationError, PermissionDeniedError
from shebao.core.models import AuditEvent
from shebao.operations.models import BackupRecord, BackupStatus
from shebao.operations.services import backup_crypto as crypto
from shebao.operations.services.backup import (
    backup_create,
    backup_dir,
    backup_prune,
    manifest_path,
    manifest_verify,
    restore_drill,
)
from shebao.testing import assert_refused

from ..conftest import KEY, drill_databases

pytestmark = [pytest.mark.django_db, pytest.mark.catalog("1109")]

needs_pg = pytest.mark.skipif(connection.vendor != "postgresql", reason="the drill restores with pg_restore")


def _file(record) -> os.PathLike:
    return backup_dir() / record.file_name


@needs_pg
def test_one_changed_byte_is_refused_by_checksum_and_nothing_is_restored(top_admin):
    record = backup_create(actor=top_admin)
    path = _file(record)
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))
    before = drill_databases()

    error = assert_refused(lambda: restore_drill(actor=top_admin, file=path), field="file", message_contains="SHA-256")
    assert "篡改" in error.message
    assert drill_databases() == before
    assert not AuditEvent.objects.filter(action="backup.restore_drill").exists()
    with pytest.raises(CommandError, match="SHA-256 与清单不符"):
        call_command("restore_drill", "--file", str(path))


@needs_pg
def test_truncated_backup_is_refused_by_its_size_and_checksum(top_admin):
    record = backup_create(actor=top_admin)
    path = _file(record)
    with open(path, "r+b") as fh:
        fh.truncate(record.size - 100)
    before = drill_databases()
    assert_refused(lambda: restore_drill(actor=top_admin, file=path), field="file", message_contains="截断")
    assert drill_databases() == before
    with pytest.raises(CommandError, match="截断"):
        call_command("restore_drill", "--file", str(path))


def test_a_backup_without_its_manifest_is_refused(top_admin, tmp_path):
    stray = tmp_path / "stray.dump"
    stray.write_bytes(b"PGDMP not really")
    assert_refused(lambda: manifest_verify(stray), field="file", message_contains="缺少备份清单")


@needs_pg
def test_encrypted_backup_round_trips_and_a_wrong_key_is_refused(top_admin, monkeypatch, tmp_path):
    record = backup_create(actor=top_admin, encrypt=True, key=KEY)
    path = _file(record)
    head = path.read_bytes()[:64]
    assert record.encrypted and path.name.endswith(".enc")
    assert head.startswith(crypto.MAGIC) and b"PGDMP" not in head, "the dump itself is not readable"
    assert manifest_verify(path)["encrypted"] is True

    outcome = restore_drill(actor=top_admin, file=path, key=KEY)
    assert outcome.ok and outcome.mismatches == [] and outcome.tables > 40

    before = drill_databases()
    assert_refused(
        lambda: restore_drill(actor=top_admin, file=path, key="another-key-0123456789abcdef"),
        field="file",
        message_contains="密钥错误",
    )
    assert drill_databases() == before

    # for a real restore: verified and decrypted into a plain pg_restore archive
    monkeypatch.setenv("SHEBAO_BACKUP_KEY", KEY)
    call_command("backup_decrypt", str(path), str(tmp_path / "plain.dump"))
    assert (tmp_path / "plain.dump").read_bytes()[:5] == b"PGDMP"
    monkeypatch.setenv("SHEBAO_BACKUP_KEY", "another-key-0123456789abcdef")
    with pytest.raises(CommandError, match="密钥错误"):
        call_command("backup_decrypt", str(path), str(tmp_path / "other.dump"))
    assert not (tmp_path / "other.dump").exists()


def test_encryption_without_a_key_is_refused_before_any_work(top_admin):
    assert_refused(
        lambda: backup_create(actor=top_admin, encrypt=True),
        field="encrypt",
        message_contains="SHEBAO_BACKUP_KEY",
        nothing_saved=[BackupRecord, AuditEvent],
    )
    assert not list(backup_dir().iterdir())


def test_streamed_encryption_in_many_chunks_detects_truncation_and_reordering(tmp_path):
    plain = tmp_path / "plain.bin"
    plain.write_bytes(os.urandom(10_000))
    sealed, back = tmp_path / "sealed.bin", tmp_path / "back.bin"
    crypto.encrypt_file(plain, sealed, secret=KEY, chunk=1000)  # 10 chunks
    crypto.decrypt_file(sealed, back, secret=KEY)
    assert back.read_bytes() == plain.read_bytes()

    data = sealed.read_bytes()
    header, record = 34, 4 + 1000 + 16
    cut = tmp_path / "cut.bin"
    cut.write_bytes(data[: header + 9 * record])  # whole chunks, the last one missing
    with pytest.raises(ApplicationError, match="截断"):
        crypto.decrypt_file(cut, tmp_path / "x", secret=KEY)
    swapped = tmp_path / "swapped.bin"
    chunks = [data[header + i * record : header + (i + 1) * record] for i in range(9)]
    swapped.write_bytes(data[:header] + chunks[1] + chunks[0] + b"".join(chunks[2:]) + data[header + 9 * record :])
    with pytest.raises(ApplicationError, match="篡改"):
        crypto.decrypt_file(swapped, tmp_path / "y", secret=KEY)


def test_retention_deletes_backups_beyond_n_and_audits_it(top_admin, django_capture_on_commit_callbacks):
    first = backup_create(actor=top_admin)
    second = backup_create(actor=top_admin)
    with django_capture_on_commit_callbacks(execute=True):  # the files go once the records are committed
        third = backup_create(actor=top_admin, keep=2)

    first.refresh_from_db()
    assert first.status == BackupStatus.DELETED and first.deleted_at
    assert not _file(first).exists() and not manifest_path(_file(first)).exists()
    for kept in (second, third):
        kept.refresh_from_db()
        assert kept.status == BackupStatus.OK and _file(kept).exists() and manifest_path(_file(kept)).exists()
    event = AuditEvent.objects.get(action="backup.prune")
    assert event.object_id == str(first.pk) and event.after["keep"] == 2
    assert backup_prune(actor=top_admin, keep=2) == []
    assert_refused(lambda: backup_prune(actor=top_admin, keep=0), field="keep")


def test_each_backup_is_recorded_and_audited(top_admin):
    record = backup_create(actor=top_admin)
    assert record.status == BackupStatus.OK and record.started_by == top_admin
    assert record.size == _file(record).stat().st_size and record.sha256 == crypto.file_sha256(_file(record))
    assert record.seconds is not None and record.finished_at >= record.started_at
    event = AuditEvent.objects.get(action="backup.create")
    assert event.item_code == "1109" and event.after["sha256"] == record.sha256


def test_command_backup_writes_file_and_manifest(capsys):
    call_command("backup", "--json")
    record = BackupRecord.objects.get()
    assert record.trigger == "command" and record.started_by is None
    assert manifest_verify(_file(record))["sha256"] == record.sha256


@pytest.mark.parametrize("role", [Role.CLERK, Role.REVIEWER, Role.AUDITOR, Role.FINANCE])
def test_only_a_top_level_admin_may_back_up(agencies, role):
    user = make_user(role, agencies["city"])
    assert_refused(lambda: backup_create(actor=user), status=403, nothing_saved=[BackupRecord, AuditEvent])


def test_a_district_admin_may_not_back_up_the_whole_database(agencies):
    admin = make_user(Role.AGENCY_ADMIN, agencies["a"])
    error = assert_refused(lambda: backup_create(actor=admin), status=403, nothing_saved=[BackupRecord])
    assert isinstance(error, PermissionDeniedError)


def test_the_scheduled_task_backs_up_as_the_system_and_keeps_the_setting(settings, django_capture_on_commit_callbacks):
    from shebao.operations.tasks import backup_scheduled

    entry = settings.CELERY_BEAT_SCHEDULE["operations-backup-nightly"]
    assert entry["task"] == backup_scheduled.name and entry["schedule"] > 0
    settings.SHEBAO_BACKUP_KEEP = 1
    first = backup_scheduled.apply().get()
    with django_capture_on_commit_callbacks(execute=True):
        second = backup_scheduled.apply().get()
    records = {r.pk: r for r in BackupRecord.objects.all()}
    assert records[second].trigger == "schedule" and records[second].started_by is None
    assert records[second].status == BackupStatus.OK and records[first].status == BackupStatus.DELETED
    assert AuditEvent.objects.filter(action="backup.create", actor__isnull=True).count() == 2

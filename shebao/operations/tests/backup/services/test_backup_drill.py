"""1109 数据备份: backup → restore drill on the real database (PostgreSQL: pg_dump, createdb, pg_restore)."""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.loader import MigrationLoader

from shebao.core.models import AuditEvent, AuditHead
from shebao.operations.models import BackupRecord, BackupStatus
from shebao.operations.services.backup import backup_create, backup_dir, manifest_path

from ..conftest import drill_databases

pytestmark = [pytest.mark.catalog("1109")]

needs_pg = pytest.mark.skipif(connection.vendor != "postgresql", reason="pg_dump/pg_restore drill needs PostgreSQL")


@needs_pg
@pytest.mark.django_db(transaction=True)
def test_backup_then_restore_drill_gives_equal_row_counts_and_audit_head(top_admin, make_employer, capsys):
    employer = make_employer()  # cases, keys, an employer and audit rows, committed (pg_dump sees only those)
    head = AuditHead.objects.get()
    events = AuditEvent.objects.count()
    before = drill_databases()

    call_command("restore_drill", "--json", "--user", top_admin.username)
    line = capsys.readouterr().out.strip().splitlines()[-1]
    result = json.loads(line)

    assert result["ok"] is True and result["mismatches"] == []
    assert result["tables"] > 40 and result["rows"] > events
    assert result["backup_seconds"] > 0 and result["restore_seconds"] > 0
    record = BackupRecord.objects.get(pk=result["backup_id"])
    assert record.status == BackupStatus.OK and record.sha256 == result["sha256"]
    manifest = json.loads(manifest_path(backup_dir() / record.file_name).read_text(encoding="utf-8"))
    # the manifest holds the state the backup was taken in, read independently here
    assert manifest["audit_head"] == {"seq": head.seq, "hash": head.hash}
    assert manifest["row_counts"]["core_auditevent"] == events
    assert manifest["row_counts"]["registration_employer"] == 1 and employer.pk
    leaves = dict(MigrationLoader(connection).graph.leaf_nodes())
    assert manifest["migration_heads"]["operations"] == leaves["operations"]
    assert manifest["migration_heads"]["core"] == leaves["core"]
    assert manifest["database"]["vendor"] == "postgresql" and manifest["size"] == record.size
    assert drill_databases() == before, "the scratch database is dropped after the drill"
    drill = AuditEvent.objects.get(action="backup.restore_drill")
    assert drill.after["ok"] is True and drill.actor_id == top_admin.pk


@needs_pg
@pytest.mark.django_db
def test_the_comparison_names_every_difference_between_manifest_and_restored_database(top_admin):
    """What the drill compares, on a real manifest: equal facts pass, each kind of difference is named."""
    from shebao.operations.services.backup import _compare
    from shebao.operations.services.backup_db import DbFacts

    record = backup_create(actor=top_admin)
    manifest = json.loads(manifest_path(backup_dir() / record.file_name).read_text(encoding="utf-8"))

    def restored(**changes) -> DbFacts:
        facts = DbFacts(
            vendor="postgresql",
            row_counts=dict(manifest["row_counts"]),
            migration_heads=dict(manifest["migration_heads"]),
            audit_head=dict(manifest["audit_head"]),
        )
        for name, value in changes.items():
            setattr(facts, name, value)
        return facts

    assert _compare(manifest, restored()) == []
    fewer = dict(manifest["row_counts"], core_agency=manifest["row_counts"]["core_agency"] - 1)
    assert _compare(manifest, restored(row_counts=fewer)) == [
        f"表 core_agency 行数不符：备份时 {manifest['row_counts']['core_agency']}，恢复后 {fewer['core_agency']}"
    ]
    missing = {k: v for k, v in manifest["row_counts"].items() if k != "core_auditevent"}
    assert _compare(manifest, restored(row_counts=missing)) == ["恢复后缺少表 core_auditevent"]
    other_head = dict(manifest["audit_head"], seq=manifest["audit_head"]["seq"] + 1)
    assert "审计链头不符" in _compare(manifest, restored(audit_head=other_head))[0]
    assert _compare(manifest, restored(migration_heads={})) == ["数据库迁移版本不符"]

"""111102 定期演练: a restore drill runs the real backup → restore and records its times against the plan's RTO."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone

from shebao.core.models import AuditEvent
from shebao.operations.models import BackupRecord
from shebao.operations.services.emergency import (
    emergency_drill_record,
    emergency_drill_run_restore,
    emergency_drill_schedule,
)
from shebao.testing import assert_refused

pytestmark = [pytest.mark.django_db, pytest.mark.catalog("111102")]


def _drill(plan, actor, kind="restore", days=0):
    day = timezone.localdate() + dt.timedelta(days=days)
    return emergency_drill_schedule(actor=actor, plan=plan, scheduled_on=day, responsible="王工", kind=kind)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the restore drill uses pg_dump/pg_restore")
def test_restore_drill_is_recorded_with_its_measured_times_against_the_rto(plan, top_admin):
    drill = _drill(plan, top_admin)
    drill = emergency_drill_run_restore(actor=top_admin, drill=drill)

    assert drill.status == "done" and drill.ok is True and drill.mismatches == []
    assert drill.tables > 40 and drill.rows > 0
    assert drill.backup_seconds > 0 and drill.restore_seconds > 0
    assert drill.total_seconds >= drill.backup_seconds + drill.restore_seconds
    assert drill.rto_minutes == 240 and drill.rto_met is (drill.total_seconds <= 240 * 60)
    record = BackupRecord.objects.get(trigger="drill")
    assert drill.backup_file == record.file_name and drill.sha256 == record.sha256
    event = AuditEvent.objects.get(action="emergency_drill.restore")
    assert event.after["total_seconds"] == drill.total_seconds and event.after["rto_met"] == drill.rto_met
    # the findings are written on the drill afterwards
    drill = emergency_drill_record(actor=top_admin, drill=drill, findings="恢复手册缺少 pg_restore 参数说明")
    assert drill.findings == "恢复手册缺少 pg_restore 参数说明" and drill.status == "done"
    assert_refused(lambda: emergency_drill_run_restore(actor=top_admin, drill=drill), status=409)


def test_only_a_top_level_admin_runs_the_restore_drill(plan, clerk):
    drill = _drill(plan, clerk)
    assert_refused(
        lambda: emergency_drill_run_restore(actor=clerk, drill=drill),
        status=403,
        nothing_saved=[BackupRecord, AuditEvent],
    )


def test_a_tabletop_drill_over_its_rto_is_recorded_as_not_met(plan, clerk):
    drill = _drill(plan, clerk, kind="tabletop")
    drill = emergency_drill_record(actor=clerk, drill=drill, ok=True, total_minutes=300, findings="联系人电话已变更")
    assert (drill.status, drill.ok, drill.total_seconds, drill.rto_met) == ("done", True, 18000.0, False)
    on_time = emergency_drill_record(
        actor=clerk, drill=_drill(plan, clerk, kind="tabletop", days=1), ok=True, total_minutes=90
    )
    assert on_time.rto_met is True


def test_record_refuses_missing_result_and_restore_drills(plan, clerk):
    tabletop = _drill(plan, clerk, kind="tabletop")
    error = assert_refused(lambda: emergency_drill_record(actor=clerk, drill=tabletop, total_minutes="x"))
    assert set(error.errors) == {"ok", "total_minutes"}
    restore = _drill(plan, clerk, days=1)
    assert_refused(lambda: emergency_drill_record(actor=clerk, drill=restore, ok=True, total_minutes=5), field="kind")


def test_schedule_refuses_past_dates_and_other_agencies(plan, clerk_b, clerk):
    assert_refused(
        lambda: emergency_drill_schedule(actor=clerk, plan=plan, scheduled_on="2020-01-01", responsible="王工"),
        field="scheduled_on",
    )
    assert_refused(
        lambda: emergency_drill_schedule(actor=clerk_b, plan=plan, scheduled_on=timezone.localdate(), responsible="王"),
        status=404,
    )

"""020301 across real processes (PostgreSQL): the assessment killed with SIGKILL mid-run and run again leaves exactly
the ledger of an uninterrupted run; two Celery worker processes leave the same ledger as the in-process run.

Two identical populations, one per district: the reference is assessed in 拱墅区 (330105) in this process without
interruption, the other in 上城区 (330102) by `manage.py batch run` in a child process (or by Celery workers), and
the two ledgers are compared position by position (employer, person, type, amounts). The child is stopped at a known
point: another session holds an uncommitted line for a person of chunk 4 (same person, type and month), so the
child's INSERT for that chunk waits on the unique index after chunks 1–3 have committed; it is then killed.
"""

from __future__ import annotations

import signal
import uuid

import psycopg
import pytest
from django.db import connection
from django.utils import timezone

from shebao.contributions.models import Receivable
from shebao.contributions.services.assessment_batch import KIND
from shebao.core.batch import batch_run, batch_start, batch_wait
from shebao.core.batch_models import BatchChunk, BatchStatus, ChunkStatus
from shebao.core.models import AuditEvent
from shebao.core.tests.batchkit import child_env, database_url
from shebao.core.tests.test_batch_processes import REDIS_URL, _manage, _sessions, _wait_for, celery_workers  # noqa: F401
from shebao.registration.models import Employer

from ..builders import flexible, injury_rate, unit

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.catalog("020301")]

PARAMS = {"chunk_size": 1}  # one employer per chunk: 8 employer chunks and one chunk of flexible workers


@pytest.fixture(autouse=True)
def _postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: the child processes share the test database with this one")


def _population(agency) -> None:
    for i in range(8):
        employer, _ = unit(
            agency,
            persons=3,
            bases=(f"{4000 + 1111 * i}.{i}7", "6543.21", f"{20000 + i}.05"),
            risk_class=1 + i,
        )
        if i % 2:
            injury_rate(employer, "0.0120", risk_class=1 + i, grade="1.2")
    for base in ("5000.00", "8000.00"):
        flexible(agency, base=base)


def _fingerprint(region_code: str) -> list[tuple]:
    """The region's October lines by position: (employer rank, person rank, type, kind, base, rates, amounts)."""
    employers = {
        pk: rank
        for rank, pk in enumerate(
            Employer.objects.filter(agency__region_id=region_code).order_by("pk").values_list("pk", flat=True)
        )
    }
    lines = Receivable.objects.filter(agency__region_id=region_code).order_by("employer_id", "person_id", "pk")
    persons: dict[int, int] = {}
    for line in lines:
        persons.setdefault(line.person_id, len(persons))
    return sorted(
        (
            employers.get(line.employer_id, -1),
            persons[line.person_id],
            line.insurance_type_id,
            line.kind,
            line.base,
            line.employer_rate,
            line.employer_amount,
            line.individual_rate,
            line.individual_amount,
            line.due_date,
        )
        for line in lines
    )


@pytest.fixture
def populations(agencies, clerk, clerk_b):
    _population(agencies["a"])
    _population(agencies["b"])
    reference = batch_run(batch_start(actor=clerk_b, kind=KIND, region="330105", period="2026-10", params=PARAMS))
    assert reference.status == BatchStatus.DONE and reference.rows == 8 * 3 * 4 + 4
    return reference


def test_killed_mid_run_and_rerun_gives_the_uninterrupted_ledger(agencies, clerk, populations):
    run = batch_start(actor=clerk, kind=KIND, region="330102", period="2026-10", params=PARAMS)
    fourth = BatchChunk.objects.get(run=run, number=4)
    person = Receivable._meta.get_field("person").related_model.objects.filter(employer_id=fourth.key_from).first()
    tag = f"assess-kill-{uuid.uuid4().hex[:8]}"
    blocker = psycopg.connect(database_url(f"{tag}-blocker"))
    try:
        with blocker.cursor() as cur:  # an uncommitted line for the same person, type and month: chunk 4 waits for it
            cur.execute(
                "INSERT INTO contributions_receivable (kind, agency_id, employer_id, person_id, insurance_type_id,"
                " period, base, employer_rate, employer_amount, individual_rate, individual_amount, due_date, note,"
                " created_at) VALUES ('assessment', %s, %s, %s, '110', '2026-10-01', 1, 0, 0, 0, 0, '2026-10-15', '',"
                " %s)",
                [agencies["a"].pk, fourth.key_from, person.pk, timezone.now()],
            )
        child = _manage("run", str(run.pk), env=child_env(tag))
        done = lambda: BatchChunk.objects.filter(run=run, status=ChunkStatus.DONE).count()  # noqa: E731
        _wait_for(lambda: done() == 3 and _waiting(tag), timeout=90, what="chunk 4 waiting on the blocker")
        child.send_signal(signal.SIGKILL)
        child.communicate(timeout=30)
        assert child.returncode == -signal.SIGKILL
        with connection.cursor() as cur:
            cur.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = %s", [tag])
    finally:
        blocker.rollback()
        blocker.close()
    _wait_for(lambda: _sessions(tag) == 0, timeout=30, what="the killed process's session to end")

    run.refresh_from_db()
    killed_done = dict(BatchChunk.objects.filter(run=run, status=ChunkStatus.DONE).values_list("number", "done_at"))
    assert run.status == BatchStatus.RUNNING and sorted(killed_done) == [1, 2, 3]
    assert Receivable.objects.filter(batch_run=run).count() == 3 * 3 * 4  # only the committed chunks' lines

    rerun = _manage("run", str(run.pk), env=child_env(f"{tag}-rerun"))
    _out, err = rerun.communicate(timeout=180)
    assert rerun.returncode == 0, err
    run.refresh_from_db()
    assert (run.status, run.chunks_done, run.rows) == (BatchStatus.DONE, 9, populations.rows)
    assert _fingerprint("330102") == _fingerprint("330105")  # nothing doubled, nothing missing, same amounts
    after = dict(BatchChunk.objects.filter(run=run, number__in=killed_done).values_list("number", "done_at"))
    assert after == killed_done  # the chunks done before the kill were not executed again
    assert AuditEvent.objects.filter(action="batch.finish", object_id=str(run.pk)).count() == 1


def _waiting(tag: str) -> bool:
    with connection.cursor() as cur:
        cur.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s AND wait_event_type = 'Lock'", [tag]
        )
        return cur.fetchone()[0] > 0


def test_two_celery_workers_leave_the_same_ledger_as_in_process(clerk, populations, celery_workers, settings):  # noqa: F811
    settings.SHEBAO_BROKER_URL, settings.SHEBAO_BATCH_QUEUE = REDIS_URL, celery_workers["queue"]
    run = batch_start(actor=clerk, kind=KIND, region="330102", period="2026-10", params=PARAMS)
    queued = batch_run(run)
    assert queued.status == BatchStatus.RUNNING  # queued, not executed here
    finished = batch_wait(queued, timeout=180, interval=0.2)
    logs = "".join(line for w in celery_workers["workers"] for line in w.lines[-20:])
    assert finished.status == BatchStatus.DONE, finished.error or logs
    assert (finished.chunks_done, finished.rows) == (9, populations.rows)
    assert _fingerprint("330102") == _fingerprint("330105")
    pids = {int(w.rsplit(":", 1)[1]) for w in BatchChunk.objects.filter(run=run).values_list("worker", flat=True)}
    assert pids <= celery_workers["pids"] and pids  # executed by the workers, not here
    assert batch_run(finished).status == BatchStatus.DONE  # a rerun through the queue changes nothing
    assert Receivable.objects.filter(batch_run=run).count() == populations.rows

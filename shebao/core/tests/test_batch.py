"""The batch framework in-process: starting runs (main unique, supplementary after done), grants and scope, chunked
execution, reruns, failures and resume, progress, key ranges and the kind registry."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError, connection, transaction

from shebao.core import batch as batch_mod
from shebao.core.batch import (
    BatchKind,
    batch_chunk_execute,
    batch_execute,
    batch_progress,
    batch_resume,
    batch_run,
    batch_run_get_for,
    batch_runs_for,
    batch_start,
    key_ranges,
    parse_period,
    register_batch_kind,
)
from shebao.core.batch_models import BatchChunk, BatchRun, BatchStatus, ChunkStatus
from shebao.core.choices import Role
from shebao.core.errors import ApplicationError, ConflictError, NotFoundError, PermissionDeniedError
from shebao.core.models import AuditEvent
from shebao.core.tests.batchapp.models import EchoLine, EchoSource, EchoSummary
from shebao.core.tests.batchkit import ECHO, expected, ledger, make_sources
from shebao.testing import assert_refused

pytestmark = pytest.mark.django_db

NOV = dt.date(2026, 11, 1)


@pytest.fixture
def sources(db):
    return make_sources(23)


def start(actor, **kw):
    kw.setdefault("kind", ECHO)
    kw.setdefault("region", actor.agency.region_id)
    kw.setdefault("period", "2026-11")
    return batch_start(actor=actor, **kw)


# -- starting -----------------------------------------------------------------------------------------------------


def test_start_plans_chunks_from_key_ranges_and_audits(clerk, sources):
    run = start(clerk, params={"chunk_size": 5})
    assert (run.kind, run.region_id, run.period, run.seq, run.status) == (ECHO, "330102", NOV, 0, BatchStatus.PENDING)
    chunks = list(run.chunks.order_by("number").values_list("number", "key_from", "key_to"))
    ids = [s.pk for s in sources]
    assert [c[0] for c in chunks] == [1, 2, 3, 4, 5] and run.chunks_total == 5
    assert [(a, b) for _, a, b in chunks] == [(ids[i], ids[min(i + 4, 22)]) for i in range(0, 23, 5)]
    event = AuditEvent.objects.get(action="batch.start")
    assert (event.object_id, event.item_code, event.actor_id) == (str(run.pk), "020301", clerk.pk)
    assert event.after["chunks"] == 5 and event.after["period"] == "2026-11-01"
    assert not EchoLine.objects.exists()  # starting plans; it writes no line


def test_a_second_main_run_is_refused_naming_the_first(clerk, sources):
    run = start(clerk)
    error = assert_refused(lambda: start(clerk), field="period", status=409, nothing_saved=[BatchRun, AuditEvent])
    assert f"#{run.pk}" in error.message and "补充批次" in error.message


def test_the_database_refuses_a_second_main_run(clerk, sources):
    run = start(clerk)
    with pytest.raises(IntegrityError), transaction.atomic():
        BatchRun.objects.create(kind=ECHO, region_id=run.region_id, period=run.period, seq=0)


def test_supplementary_needs_a_done_main_run(clerk, sources):
    assert_refused(lambda: start(clerk, supplementary=True), field="supplementary", status=409)
    run = start(clerk)
    error = assert_refused(lambda: start(clerk, supplementary=True), field="supplementary", status=409)
    assert f"#{run.pk}" in error.message and "尚未完成" in error.message


def test_supplementary_assesses_only_what_earlier_runs_did_not_cover(clerk, sources):
    main = batch_run(start(clerk, params={"chunk_size": 10}))
    assert main.status == BatchStatus.DONE and main.rows == 23
    late = make_sources(4, start=100)  # late enrolments after the main run
    supplement = start(clerk, supplementary=True, params={"chunk_size": 10})
    assert supplement.seq == 1
    supplement = batch_run(supplement)
    assert supplement.rows == 4
    assert ledger("330102", NOV) == expected([*sources, *late], 11)
    assert set(EchoLine.objects.filter(run=supplement).values_list("source_id", flat=True)) == {s.pk for s in late}
    # the next one is numbered after it, and finds nothing left to do
    again = batch_run(start(clerk, supplementary=True))
    assert (again.seq, again.rows, again.status) == (2, 0, BatchStatus.DONE)
    assert ledger("330102", NOV) == expected([*sources, *late], 11)


@pytest.mark.parametrize(
    ("kwargs", "field", "status"),
    [
        ({"kind": "nope.kind"}, "kind", 400),
        ({"region": "999999"}, "region", 400),
        ({"region": "33010X"}, "region", 400),
        ({"period": "2026-13"}, "period", 400),
        ({"period": "11/2026"}, "period", 400),
        ({"params": ["not", "an", "object"]}, "params", 400),
        ({"region": "330105"}, "region", 404),  # another district: out of the clerk's scope
    ],
)
def test_bad_input_names_the_field_and_saves_nothing(clerk, sources, kwargs, field, status):
    assert_refused(lambda: start(clerk, **kwargs), field=field, status=status, nothing_saved=[BatchRun, BatchChunk])


def test_without_the_handle_grant_nothing_is_started(agencies, sources):
    from shebao.conftest import make_user

    finance = make_user(Role.FINANCE, agencies["a"])
    with pytest.raises(PermissionDeniedError):
        start(finance)
    assert not BatchRun.objects.exists() and not AuditEvent.objects.exists()


def test_a_city_clerk_may_start_a_run_for_a_district(agencies, sources):
    from shebao.conftest import make_user

    city_clerk = make_user(Role.CLERK, agencies["city"])
    run = start(city_clerk, region="330105")
    assert run.region_id == "330105"


def test_yearly_periods(clerk, sources):
    assert parse_period("2026", "year") == dt.date(2026, 1, 1)
    assert parse_period(dt.date(2026, 7, 3), "year") == dt.date(2026, 1, 1)
    assert parse_period("2026-11") == NOV
    with pytest.raises(ApplicationError) as exc:
        parse_period("2026-11", "year")
    assert "period" in exc.value.errors


# -- executing ----------------------------------------------------------------------------------------------------


def test_run_executes_every_chunk_and_finishes_once(clerk, sources):
    run = start(clerk, params={"chunk_size": 4})
    seen = []
    done = batch_run(run, progress=seen.append)
    assert done.status == BatchStatus.DONE and done.finished_at and done.started_at
    assert (done.chunks_total, done.chunks_done, done.rows) == (6, 6, 23)
    assert ledger("330102", NOV) == expected(sources, 11)
    assert [p.chunks_done for p in seen] == [1, 2, 3, 4, 5, 6, 6]  # after each chunk, and once the run is done
    assert [p.status for p in seen[-2:]] == [BatchStatus.RUNNING, BatchStatus.DONE]
    assert EchoSummary.objects.get(run=run).lines == 23  # on_finish ran in the finishing transaction
    assert set(run.chunks.values_list("status", flat=True)) == {ChunkStatus.DONE}
    assert AuditEvent.objects.filter(action="batch.finish", object_id=str(run.pk)).count() == 1


def test_rerunning_a_done_run_changes_nothing(clerk, sources):
    run = batch_run(start(clerk))
    before = (ledger("330102"), AuditEvent.objects.count(), EchoSummary.objects.count())
    again = batch_run(run)
    assert again.status == BatchStatus.DONE
    assert batch_chunk_execute(run.pk, 1) == 0  # a Celery task arriving late for a done chunk does nothing
    assert batch_resume(actor=clerk, run=run).status == BatchStatus.DONE
    assert (ledger("330102"), AuditEvent.objects.count(), EchoSummary.objects.count()) == before


def test_a_run_stopped_part_way_continues_with_the_chunks_not_done(clerk, sources):
    run = start(clerk, params={"chunk_size": 5})
    part = batch_execute(run, limit=2)
    assert part.status == BatchStatus.RUNNING
    assert EchoLine.objects.count() == 10 and batch_progress(run).chunks_done == 2
    done = batch_run(run)
    assert done.status == BatchStatus.DONE
    assert ledger("330102") == expected(sources, 11)


def test_a_failing_chunk_rolls_back_its_rows_and_fails_the_run(clerk, sources):
    run = start(clerk, params={"chunk_size": 5, "fail_on": 3})
    failed = batch_run(run)
    assert failed.status == BatchStatus.FAILED
    assert "分块 3" in failed.error and "RuntimeError" in failed.error
    assert "110101199003077777" not in failed.error  # ID numbers in error text are masked
    chunk = run.chunks.get(number=3)
    assert (chunk.status, chunk.attempts, chunk.rows) == (ChunkStatus.FAILED, 1, 0)
    # chunks 1 and 2 are committed, chunk 3's rows were rolled back with it, 4 and 5 were not started
    assert EchoLine.objects.count() == 10
    assert sorted(run.chunks.filter(status=ChunkStatus.PENDING).values_list("number", flat=True)) == [4, 5]
    assert AuditEvent.objects.filter(action="batch.fail").count() == 1
    with pytest.raises(ConflictError):
        batch_run(run)  # a failed run is resumed on purpose, by someone with the grant
    done = batch_resume(actor=clerk, run=run)
    assert done.status == BatchStatus.DONE and done.error == ""
    assert ledger("330102") == expected(sources, 11)
    assert AuditEvent.objects.filter(action="batch.resume", object_id=str(run.pk)).count() == 1


def test_resume_needs_the_handle_grant(agencies, clerk, sources):
    from shebao.conftest import make_user

    run = batch_run(start(clerk, params={"fail_on": 1}))
    finance = make_user(Role.FINANCE, agencies["a"])
    with pytest.raises(PermissionDeniedError):
        batch_resume(actor=finance, run=run)
    assert BatchRun.objects.get(pk=run.pk).status == BatchStatus.FAILED


def test_execute_must_report_its_rows(clerk, sources, monkeypatch):
    kind = batch_mod.KINDS[ECHO]
    monkeypatch.setitem(batch_mod.KINDS, ECHO, BatchKind(**{**kind.__dict__, "execute": lambda run, chunk: None}))
    failed = batch_run(start(clerk))
    assert failed.status == BatchStatus.FAILED and "execute 应返回写入行数" in failed.error


def test_a_failing_on_finish_fails_the_run_and_resume_finishes_it(clerk, sources, monkeypatch):
    kind = batch_mod.KINDS[ECHO]

    def broken(run):
        raise ValueError("summary table is locked")

    monkeypatch.setitem(batch_mod.KINDS, ECHO, BatchKind(**{**kind.__dict__, "on_finish": broken}))
    failed = batch_run(start(clerk))
    assert failed.status == BatchStatus.FAILED and "完成处理失败" in failed.error
    assert ledger("330102") == expected(sources, 11)
    monkeypatch.setitem(batch_mod.KINDS, ECHO, kind)
    done = batch_resume(actor=clerk, run=failed)
    assert done.status == BatchStatus.DONE and EchoSummary.objects.get(run=done).lines == 23


def test_running_inside_a_transaction_is_refused(clerk, sources):
    """Chunks commit one by one: inside someone's transaction they would all commit (or vanish) together."""
    run = start(clerk)
    with pytest.raises(RuntimeError, match="durable"), transaction.atomic():
        batch_run(run)
    assert not EchoLine.objects.exists() and batch_progress(run).chunks_done == 0


def test_an_empty_plan_finishes_at_once(clerk):
    run = start(clerk)
    assert run.chunks_total == 0
    done = batch_run(run)
    assert done.status == BatchStatus.DONE and batch_progress(done).percent == 100.0


# -- progress -----------------------------------------------------------------------------------------------------


def test_progress_is_counted_from_the_chunks(clerk, sources):
    run = start(clerk, params={"chunk_size": 5})
    fresh = batch_progress(run)
    assert (fresh.chunks_done, fresh.chunks_total, fresh.rows, fresh.eta_seconds) == (0, 5, 0, None)
    assert fresh.eta_text == "未知" and fresh.percent == 0.0
    batch_execute(run, limit=2)
    # a worker killed before refreshing the summary leaves it stale: progress does not read it
    BatchRun.objects.filter(pk=run.pk).update(chunks_done=0, rows=0, resumed_at=run.chunks.first().done_at)
    part = batch_progress(run)
    assert (part.chunks_done, part.rows, part.percent) == (2, 10, 40.0)
    assert part.eta_seconds is not None and part.eta_seconds >= 0
    assert "分块 2/5" in part.text() and "10 行" in part.text()
    done = batch_progress(batch_run(run))
    assert (done.chunks_done, done.rows, done.eta_seconds, done.finished) == (5, 23, 0.0, True)
    data = done.as_dict()
    assert data["percent"] == 100.0 and data["eta_text"] == "0:00:00" and data["status"] == "done"


def test_a_running_run_without_news_is_shown_as_stalled(clerk, sources, settings):
    run = start(clerk)
    batch_execute(run, limit=1)
    long_ago = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    BatchRun.objects.filter(pk=run.pk).update(status=BatchStatus.RUNNING, heartbeat=long_ago, resumed_at=long_ago)
    BatchChunk.objects.filter(run=run).update(done_at=long_ago)
    assert batch_progress(run).stalled
    settings.SHEBAO_BATCH_STALL_SECONDS = 10**10
    assert not batch_progress(run).stalled


# -- scope --------------------------------------------------------------------------------------------------------


def test_staff_see_the_runs_of_their_region_only(agencies, clerk, clerk_b, sources):
    from shebao.conftest import make_user

    mine, theirs = start(clerk), start(clerk_b)
    assert list(batch_runs_for(clerk)) == [mine]
    assert list(batch_runs_for(clerk_b)) == [theirs]
    city = make_user(Role.CLERK, agencies["city"])
    assert set(batch_runs_for(city)) == {mine, theirs}
    with pytest.raises(NotFoundError):
        batch_run_get_for(actor=clerk, run_id=theirs.pk)
    assert batch_run_get_for(actor=clerk, run_id=str(mine.pk)) == mine
    with pytest.raises(NotFoundError):
        batch_run_get_for(actor=clerk, run_id="x")
    employer_user = make_user(Role.EMPLOYER, None)
    assert not batch_runs_for(employer_user).exists()


# -- planning and the registry ------------------------------------------------------------------------------------


def test_key_ranges_never_split_a_key_and_cover_every_key(db):
    make_sources(11)
    ids = sorted(EchoSource.objects.values_list("pk", flat=True))
    EchoSource.objects.filter(pk__in=ids[3:6]).delete()  # gaps in the keys
    left = [i for i in ids if i not in ids[3:6]]
    ranges = key_ranges(EchoSource.objects.all(), size=3)
    assert ranges == [(left[0], left[2]), (left[3], left[5]), (left[6], left[7])]
    # a non-unique key (e.g. persons by employer): each value lands in exactly one range
    for pk, value in zip(left, [1, 1, 1, 2, 2, 3, 3, 5], strict=True):
        EchoSource.objects.filter(pk=pk).update(value=value)
    assert key_ranges(EchoSource.objects.all(), size=2, field="value") == [(1, 2), (3, 5)]
    assert key_ranges(EchoSource.objects.filter(value__gte=2), size=1, field="value") == [(2, 2), (3, 3), (5, 5)]
    assert key_ranges(EchoSource.objects.none(), size=5) == []
    with pytest.raises(ValueError):
        key_ranges(EchoSource.objects.all(), size=0)


def _kind(**overrides) -> BatchKind:
    base = {"name": "test.kind", "label_zh": "测试", "item_code": "020301", "plan": list, "execute": len}
    return BatchKind(**{**base, **overrides})


@pytest.mark.parametrize(
    "overrides",
    [
        {"name": "NoDot"},
        {"name": "batchapp.echo"},  # registered twice
        {"item_code": "02030"},
        {"period": "week"},
        {"execute": "not callable"},
        {"on_finish": 5},
        {"result_link": "not callable"},
    ],
)
def test_malformed_or_duplicate_kinds_stop_start_up(overrides):
    with pytest.raises(ImproperlyConfigured):
        register_batch_kind(_kind(**overrides))
    assert "test.kind" not in batch_mod.KINDS


def test_a_plan_with_a_bad_range_is_a_programming_error(clerk, monkeypatch):
    monkeypatch.setitem(batch_mod.KINDS, "test.kind", _kind(plan=lambda run: [(5, 1)]))
    with pytest.raises(ImproperlyConfigured):
        batch_start(actor=clerk, kind="test.kind", region="330102", period="2026-11")
    assert not BatchRun.objects.exists()


# -- two workers at once (PostgreSQL: SKIP LOCKED) ----------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_workers_never_run_the_same_chunk(agencies):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serialises writers on the whole database")
    from shebao.conftest import make_user

    clerk = make_user(Role.CLERK, agencies["a"])
    sources = make_sources(40)
    run = start(clerk, params={"chunk_size": 2, "delay": 0.02})
    errors, barrier = [], threading.Barrier(2)

    def worker(name: str) -> None:
        try:
            barrier.wait(timeout=10)
            batch_execute(run, worker=name)
        except Exception as exc:  # reported to the main thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(name,)) for name in ("w1", "w2")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors
    run.refresh_from_db()
    assert run.status == BatchStatus.DONE and run.rows == 40
    assert ledger("330102") == expected(sources, 11)
    # both took part, and each of the 20 chunks was executed once (rows == 40, no line doubled)
    assert set(run.chunks.values_list("worker", flat=True)) == {"w1", "w2"}
    assert AuditEvent.objects.filter(action="batch.finish").count() == 1
    assert EchoSummary.objects.count() == 1

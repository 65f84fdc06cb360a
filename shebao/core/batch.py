"""Batch runs (批处理): monthly assessment, interest, statements, payment runs — one framework for all of them.

An app declares a kind once, in its `batches.py` (or `items.py`)::

    register_batch_kind(BatchKind(
        name="contributions.assessment",
        label_zh="月度应缴核定",
        item_code="020301",                    # the handle grant of this item is needed to start or resume a run
        plan=plan_assessment,                  # (run) -> [(key_from, key_to), ...]: the chunks, e.g. employer id ranges
        execute=execute_assessment,            # (run, chunk) -> rows written for keys key_from..key_to (inclusive)
        on_finish=summarise_assessment,        # optional: (run) -> None, in the transaction that marks the run done
    ))

and then::

    run = batch_start(actor=clerk, kind="contributions.assessment", region="330102", period="2026-11")
    batch_run(run)                             # here, or on Celery workers when SHEBAO_BROKER_URL is set

Guarantees (docs/batch.md):
- one main run per (kind, region, period) — the database refuses a second one; supplementary runs (补充批次)
  are numbered 1, 2, … and may start only when every earlier run of that kind, region and period is done;
- each chunk's rows and its done mark commit in one transaction, and a chunk is claimed with
  `SELECT … FOR UPDATE SKIP LOCKED`, so two workers never run the same chunk and a chunk is never half-written;
- a killed run is resumed by running it again (`batch_run`, or `batch_resume` after a failure): only the chunks
  not done are executed; running a done run does nothing;
- progress (chunks done / total, rows, rate, ETA) is counted from the chunk rows (`batch_progress`).

`batch_run` / `batch_resume` / `batch_execute` are called outside any transaction (each chunk is a durable one).

`execute` must write only through the default database connection (the ORM or `connection.cursor()`), so its rows
commit or roll back with the chunk's done mark, and should tag every line with `run.pk` so each line is owned by
exactly one run. The Celery side is in `core/tasks.py` and `shebao/celery.py`; scoped reads in `batch_runs_for`.
"""

from __future__ import annotations

import json
import os
import socket
import time
from collections.abc import Callable, Iterable

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import Greatest
from django.utils import timezone

from .access import has_grant, is_staff, require_grant
from .audit import audit_write
from .batch_models import BatchChunk, BatchRun, BatchStatus, ChunkStatus
from .batch_registry import (
    KINDS,
    PERIOD_MONTH,
    PERIOD_YEAR,
    BatchKind,
    batch_kinds,
    get_batch_kind,
    kind_named,
    parse_period,
    period_text,
    register_batch_kind,
)
from .choices import Action, RegionLevel
from .errors import ApplicationError, ConflictError, NotFoundError
from .masking import mask_text
from .models import Region

# --------------------------------------------------------------------------------------------------------------
# Data scope: a staff user sees the runs of their agency's region (and the regions below it)
# --------------------------------------------------------------------------------------------------------------


def region_prefix(region: Region) -> str:
    """The code prefix shared by a region and every region below it (GB/T 2260: 2, 4 or 6 digits)."""
    return {RegionLevel.PROVINCE: region.code[:2], RegionLevel.PREFECTURE: region.code[:4]}.get(
        region.level, region.code
    )


def _in_scope(actor, region: Region) -> bool:
    return is_staff(actor) and region.code.startswith(region_prefix(actor.agency.region))


def batch_runs_for(actor) -> QuerySet:
    """Runs the actor may see: staff only, of regions within their agency's region, of kinds they may view."""
    if not is_staff(actor):
        return BatchRun.objects.none()
    kinds = [k.name for k in KINDS.values() if has_grant(actor, k.item_code, Action.VIEW)]
    prefix = region_prefix(actor.agency.region)
    return BatchRun.objects.filter(region__code__startswith=prefix, kind__in=kinds).select_related(
        "region", "started_by"
    )


def batch_run_get_for(*, actor, run_id) -> BatchRun:
    """One run within the actor's scope, or NotFoundError (404) — never reveal that it exists elsewhere."""
    try:
        return batch_runs_for(actor).get(pk=int(run_id))
    except (BatchRun.DoesNotExist, ValueError, TypeError):
        raise NotFoundError("批处理批次不存在") from None


# --------------------------------------------------------------------------------------------------------------
# Starting and resuming (services: grant checked, audited)
# --------------------------------------------------------------------------------------------------------------


def _region(actor, value) -> Region:
    code = value.code if isinstance(value, Region) else str(value or "").strip()
    region = Region.objects.filter(code=code).first() if code.isascii() and code.isdigit() else None
    if region is None:
        raise ApplicationError(f"区划代码 {code!r} 不存在", field="region")
    if not _in_scope(actor, region):
        raise NotFoundError(f"区划 {code} 不在您的数据范围内", field="region")
    return region


def _params(value) -> dict:
    if value is None:
        return {}
    try:
        ok = isinstance(value, dict) and len(json.dumps(value)) <= 10_000
    except (TypeError, ValueError):
        ok = False
    if not ok:
        raise ApplicationError("参数应为不超过10000字符的JSON对象", field="params")
    return value


@transaction.atomic
def batch_start(*, actor, kind: str, region, period, supplementary: bool = False, params=None) -> BatchRun:
    """启动批处理: create the main run (or a supplementary run after the done ones) and plan its chunks."""
    spec = kind_named(kind)
    require_grant(actor, spec.item_code, Action.HANDLE)
    where = _region(actor, region)
    day = parse_period(period, spec.period)
    params = _params(params)
    same = BatchRun.objects.filter(kind=spec.name, region=where, period=day)
    label = f"{spec.label_zh}（{where.code} {period_text(day, spec)}）"
    if supplementary:
        if not spec.supplementary:
            raise ApplicationError(f"{spec.label_zh}不设补充批次", field="supplementary")
        runs = list(same.select_for_update().order_by("seq"))
        if not runs or runs[0].seq != 0:
            raise ConflictError(f"{label}尚无主批次，不能发起补充批次", field="supplementary")
        pending = [r for r in runs if r.status != BatchStatus.DONE]
        if pending:
            raise ConflictError(
                f"{label}的批次 #{pending[0].pk}（{pending[0].get_status_display()}）尚未完成，不能发起补充批次",
                field="supplementary",
            )
        seq = runs[-1].seq + 1
    else:
        main = same.filter(seq=0).first()
        if main is not None:
            raise ConflictError(
                f"{label}已有主批次 #{main.pk}（{main.get_status_display()}）；遗漏的数据请发起补充批次",
                field="period",
            )
        seq = 0
    try:
        with transaction.atomic():  # a start racing this one for the same run is a 409, not a 500
            run = BatchRun.objects.create(
                kind=spec.name, region=where, period=day, seq=seq, params=params, started_by=actor
            )
    except IntegrityError:
        raise ConflictError(f"{label}已由他人同时发起，请刷新后查看", field="period") from None
    chunks = [
        BatchChunk(run=run, number=number, key_from=a, key_to=b)
        for number, (a, b) in enumerate(_checked_ranges(spec, spec.plan(run)), start=1)
    ]
    BatchChunk.objects.bulk_create(chunks, batch_size=2000)
    run.chunks_total = len(chunks)
    run.save(update_fields=["chunks_total"])
    audit_write(
        actor=actor,
        action="batch.start",
        item_code=spec.item_code,
        object_type="batch_run",
        object_id=run.pk,
        after={
            "kind": spec.name,
            "region": where.code,
            "period": day,
            "seq": seq,
            "chunks": len(chunks),
            "params": params,
        },
    )
    return run


def _checked_ranges(spec: BatchKind, ranges: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    out = []
    for pair in ranges:
        a, b = pair
        if not (isinstance(a, int) and isinstance(b, int) and a <= b):
            raise ImproperlyConfigured(f"批处理类型 {spec.name} 的 plan 返回了无效的键范围 {pair!r}")
        out.append((a, b))
    return out


def batch_resume(*, actor, run: BatchRun, progress: Callable | None = None) -> BatchRun:
    """续跑批处理: after a failure or a killed process, retry the chunks not done (a done run is left as it is)."""
    spec = kind_named(run.kind)
    require_grant(actor, spec.item_code, Action.HANDLE)
    with transaction.atomic():
        run = BatchRun.objects.select_for_update().get(pk=run.pk)
        if run.status == BatchStatus.DONE:
            return run
        failed = BatchChunk.objects.filter(run=run, status=ChunkStatus.FAILED).update(
            status=ChunkStatus.PENDING, error=""
        )
        before = {"status": run.status, "error": run.error[:200]}
        BatchRun.objects.filter(pk=run.pk).update(status=BatchStatus.RUNNING, error="")
        audit_write(
            actor=actor,
            action="batch.resume",
            item_code=spec.item_code,
            object_type="batch_run",
            object_id=run.pk,
            before=before,
            after={"status": BatchStatus.RUNNING, "failed_chunks_retried": failed},
        )
    return batch_run(run, progress=progress)


# --------------------------------------------------------------------------------------------------------------
# Executing: chunk by chunk, each in its own transaction
# --------------------------------------------------------------------------------------------------------------


def broker_url() -> str:
    """The Celery broker (SHEBAO_BROKER_URL); empty means chunks run in-process."""
    return getattr(settings, "SHEBAO_BROKER_URL", "") or ""


def worker_name() -> str:
    """host:pid of this process, recorded on each chunk it executes."""
    return f"{socket.gethostname()}:{os.getpid()}"[:100]


def batch_run(run: BatchRun, *, progress: Callable | None = None) -> BatchRun:
    """执行批处理: execute the pending chunks — here, or queued for Celery workers when a broker is configured.

    A done run is returned as it is (rerunning never doubles); a failed run needs `batch_resume`. In-process, this
    returns when no pending chunk is left (`progress(BatchProgress)` is called after each chunk); with a broker it
    returns once the chunks are queued (`batch_wait` follows them). Not one transaction: each chunk is its own.
    """
    run = BatchRun.objects.get(pk=run.pk)
    if run.status == BatchStatus.DONE:
        return run
    if run.status == BatchStatus.FAILED:
        raise ConflictError(f"批次 #{run.pk} 已失败：{run.error[:200]}；排除原因后请续跑", field="run")
    _mark_running(run)
    if broker_url():
        transaction.on_commit(lambda: _dispatch(run.pk))
        return BatchRun.objects.get(pk=run.pk)
    return batch_execute(run, progress=progress)


def batch_execute(
    run: BatchRun, *, progress: Callable | None = None, limit: int | None = None, worker: str = ""
) -> BatchRun:
    """Execute pending chunks in this process until none is left (or `limit` chunks, or one fails)."""
    spec = kind_named(run.kind)
    run = BatchRun.objects.get(pk=run.pk)
    if run.status in (BatchStatus.DONE, BatchStatus.FAILED):
        return run
    _mark_running(run)
    worker, executed = worker or worker_name(), 0
    while limit is None or executed < limit:
        outcome = _execute_chunk(run, spec, worker)
        if outcome is None:
            break
        executed += 1
        _touch(run)
        if outcome.status == ChunkStatus.FAILED:
            break
        if progress is not None:
            progress(batch_progress(run))
    run = _finish_if_complete(run, spec)
    if progress is not None:
        progress(batch_progress(run))
    return run


def _mark_running(run: BatchRun) -> None:
    """Status 执行中, the start time once, and the time of this (re)start: the rate and ETA count from it."""
    now = timezone.now()
    BatchRun.objects.filter(pk=run.pk, status__in=(BatchStatus.PENDING, BatchStatus.RUNNING)).update(
        status=BatchStatus.RUNNING, resumed_at=now, heartbeat=now
    )
    BatchRun.objects.filter(pk=run.pk, started_at__isnull=True).update(started_at=now)


def batch_chunk_execute(run_id: int, number: int) -> int:
    """One chunk, as a Celery task runs it: skipped when done, claimed by another worker, or its run has failed."""
    run = BatchRun.objects.filter(pk=run_id).first()
    if run is None or run.status in (BatchStatus.DONE, BatchStatus.FAILED):
        return 0
    spec = kind_named(run.kind)
    chunk = _execute_chunk(run, spec, worker_name(), number=number)
    if chunk is None:
        return 0
    _touch(run)
    _finish_if_complete(run, spec)
    return chunk.rows


def _execute_chunk(run: BatchRun, spec: BatchKind, worker: str, *, number: int | None = None) -> BatchChunk | None:
    """Claim one pending chunk (skip those other workers hold), execute it and mark it done — one transaction."""
    chunk = None
    try:
        with transaction.atomic(durable=True):  # never a savepoint: the chunk commits, or nothing
            pending = BatchChunk.objects.select_for_update(skip_locked=True).filter(run=run, status=ChunkStatus.PENDING)
            if number is not None:
                pending = pending.filter(number=number)
            chunk = pending.order_by("number").first()
            if chunk is None:
                return None
            rows = spec.execute(run, chunk)
            if not isinstance(rows, int) or isinstance(rows, bool) or rows < 0:
                raise TypeError(f"批处理类型 {spec.name} 的 execute 应返回写入行数（非负整数），实际为 {rows!r}")
            chunk.status, chunk.rows, chunk.done_at, chunk.worker, chunk.error = (
                ChunkStatus.DONE,
                rows,
                timezone.now(),
                worker,
                "",
            )
            chunk.save(update_fields=["status", "rows", "done_at", "worker", "error"])
        return chunk
    except Exception as exc:
        if chunk is None:
            raise
        _chunk_failed(run, spec, chunk, worker, exc)
        chunk.status = ChunkStatus.FAILED
        return chunk


def _chunk_failed(run: BatchRun, spec: BatchKind, chunk: BatchChunk, worker: str, exc: Exception) -> None:
    """Record a chunk's failure (its rows were rolled back) and mark the run failed, audited once."""
    message = mask_text(f"分块 {chunk.number}（键 {chunk.key_from}–{chunk.key_to}）：{type(exc).__name__}: {exc}")[
        :2000
    ]
    with transaction.atomic(durable=True):
        BatchChunk.objects.filter(pk=chunk.pk).update(
            status=ChunkStatus.FAILED, error=message, worker=worker, attempts=chunk.attempts + 1
        )
        _run_failed(run, spec, message)


def _run_failed(run: BatchRun, spec: BatchKind, message: str) -> None:
    locked = BatchRun.objects.select_for_update().get(pk=run.pk)
    if locked.status == BatchStatus.FAILED:
        return
    BatchRun.objects.filter(pk=run.pk).update(status=BatchStatus.FAILED, error=message, heartbeat=timezone.now())
    audit_write(
        actor=locked.started_by,
        action="batch.fail",
        item_code=spec.item_code,
        object_type="batch_run",
        object_id=run.pk,
        after={"status": BatchStatus.FAILED, "error": message[:500]},
    )


def _counts(run: BatchRun) -> dict:
    return BatchChunk.objects.filter(run_id=run.pk).aggregate(
        done=Count("id", filter=Q(status=ChunkStatus.DONE)),
        not_done=Count("id", filter=~Q(status=ChunkStatus.DONE)),
        row_sum=Sum("rows", filter=Q(status=ChunkStatus.DONE), default=0),
    )


def _touch(run: BatchRun) -> None:
    """Heartbeat and the run's summary counters (never lowered by a worker that counted a moment earlier)."""
    counts = _counts(run)
    BatchRun.objects.filter(pk=run.pk).update(
        heartbeat=timezone.now(),
        chunks_done=Greatest("chunks_done", counts["done"]),
        rows=Greatest("rows", counts["row_sum"]),
    )


def _finish_if_complete(run: BatchRun, spec: BatchKind) -> BatchRun:
    """Mark the run done once every chunk is done — exactly once, whichever worker gets here first."""
    try:
        with transaction.atomic(durable=True):
            locked = BatchRun.objects.select_for_update().get(pk=run.pk)
            if locked.status in (BatchStatus.DONE, BatchStatus.FAILED):
                return locked
            counts = _counts(locked)
            if counts["not_done"]:
                return locked
            if spec.on_finish is not None:
                spec.on_finish(locked)
            now = timezone.now()
            locked.status, locked.finished_at, locked.heartbeat = BatchStatus.DONE, now, now
            locked.chunks_done, locked.rows = counts["done"], counts["row_sum"]
            locked.save(update_fields=["status", "finished_at", "heartbeat", "chunks_done", "rows"])
            audit_write(
                actor=locked.started_by,
                action="batch.finish",
                item_code=spec.item_code,
                object_type="batch_run",
                object_id=locked.pk,
                after={"status": BatchStatus.DONE, "chunks": counts["done"], "rows": counts["row_sum"]},
            )
            return locked
    except Exception as exc:
        message = mask_text(f"完成处理失败：{type(exc).__name__}: {exc}")[:2000]
        with transaction.atomic(durable=True):
            _run_failed(run, spec, message)
        return BatchRun.objects.get(pk=run.pk)


def _dispatch(run_id: int) -> int:
    """Queue one Celery task per pending chunk (`shebao.core.tasks.batch_chunk`) on SHEBAO_BATCH_QUEUE."""
    from shebao.celery import app

    from .tasks import batch_chunk

    numbers = list(
        BatchChunk.objects.filter(run_id=run_id, status=ChunkStatus.PENDING)
        .order_by("number")
        .values_list("number", flat=True)
    )
    queue = getattr(settings, "SHEBAO_BATCH_QUEUE", "shebao-batch")
    with app.connection_for_write(broker_url()) as conn:
        for number in numbers:
            batch_chunk.apply_async(args=(run_id, number), queue=queue, connection=conn)
    return len(numbers)


def batch_wait(
    run: BatchRun, *, progress: Callable | None = None, interval: float = 1.0, timeout: float | None = None
) -> BatchRun:
    """Follow a run executed elsewhere (Celery workers) until it is done or failed, or `timeout` seconds pass."""
    deadline = None if timeout is None else time.monotonic() + timeout
    while True:
        current = BatchRun.objects.get(pk=run.pk)
        if progress is not None:
            progress(batch_progress(current))
        if current.status in (BatchStatus.DONE, BatchStatus.FAILED):
            return current
        if deadline is not None and time.monotonic() >= deadline:
            return current
        if connection.in_atomic_block:
            raise RuntimeError("batch_wait cannot see other workers' commits inside a transaction")
        time.sleep(interval)


# Progress lives in its own module; re-exported here so callers need one import.
from .batch_progress import BatchProgress, batch_progress, key_ranges  # noqa: E402

__all__ = [
    "PERIOD_MONTH",
    "PERIOD_YEAR",
    "BatchKind",
    "BatchProgress",
    "batch_chunk_execute",
    "batch_execute",
    "batch_kinds",
    "batch_progress",
    "batch_resume",
    "batch_run",
    "batch_run_get_for",
    "batch_runs_for",
    "batch_start",
    "batch_wait",
    "broker_url",
    "get_batch_kind",
    "key_ranges",
    "parse_period",
    "region_prefix",
    "register_batch_kind",
]

"""Progress of a batch run, counted from its chunk rows, and the key-range planner kinds use for their chunks."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass

from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Count, F, Max, Q, QuerySet, Sum
from django.utils import timezone

from .batch_models import BatchChunk, BatchRun, BatchStatus, ChunkStatus


@dataclass(frozen=True)
class BatchProgress:
    """Where a run stands: chunks done / total, rows written, rate and estimated time left (ETA)."""

    run_id: int
    status: str
    status_label: str
    chunks_total: int
    chunks_done: int
    chunks_failed: int
    rows: int
    elapsed_seconds: float  # since the latest (re)start, or until the end for a finished run
    rows_per_second: float  # rows written per second since the latest (re)start
    eta_seconds: float | None  # None while nothing has been timed yet; 0 once the run is done
    heartbeat: dt.datetime | None
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    stalled: bool  # running, but no chunk finished for SHEBAO_BATCH_STALL_SECONDS: the process may be gone
    error: str

    @property
    def percent(self) -> float:
        """Chunks done as a percentage (100 for a run with no chunks once it is done)."""
        if not self.chunks_total:
            return 100.0 if self.status == BatchStatus.DONE else 0.0
        return round(100.0 * self.chunks_done / self.chunks_total, 1)

    @property
    def eta_text(self) -> str:
        return duration_text(self.eta_seconds)

    @property
    def elapsed_text(self) -> str:
        return duration_text(self.elapsed_seconds)

    @property
    def finished(self) -> bool:
        return self.status in (BatchStatus.DONE, BatchStatus.FAILED)

    def as_dict(self) -> dict:
        """JSON-ready (the API and the run page's refresh read this)."""
        data = asdict(self)
        for name in ("heartbeat", "started_at", "finished_at"):
            value = getattr(self, name)
            data[name] = value.isoformat() if value else None
            data[f"{name}_text"] = f"{timezone.localtime(value):%Y-%m-%d %H:%M:%S}" if value else "—"
        data["percent"] = self.percent
        data["eta_text"] = self.eta_text
        data["elapsed_text"] = self.elapsed_text
        return data

    def text(self) -> str:
        """One line for logs and a terminal that is not a TTY."""
        return (
            f"批次 #{self.run_id} {self.status_label}：分块 {self.chunks_done}/{self.chunks_total}"
            f"（{self.percent:.1f}%），{self.rows} 行，{self.rows_per_second:.1f} 行/秒，"
            f"已用 {self.elapsed_text}，预计剩余 {self.eta_text}"
        )


def duration_text(seconds: float | None) -> str:
    """H:MM:SS, or 未知 when there is nothing to estimate from yet."""
    if seconds is None:
        return "未知"
    total = round(seconds)
    return f"{total // 3600}:{total % 3600 // 60:02d}:{total % 60:02d}"


def batch_progress(run: BatchRun) -> BatchProgress:
    """批处理进度: counted from the chunk rows in one query (not from counters a killed worker may have left)."""
    run = BatchRun.objects.get(pk=run.pk)
    since = run.resumed_at or run.started_at
    recent = Q(status=ChunkStatus.DONE, done_at__gte=since) if since else Q(pk__in=[])
    counts = BatchChunk.objects.filter(run_id=run.pk).aggregate(
        done=Count("id", filter=Q(status=ChunkStatus.DONE)),
        failed=Count("id", filter=Q(status=ChunkStatus.FAILED)),
        row_sum=Sum("rows", filter=Q(status=ChunkStatus.DONE), default=0),
        recent_done=Count("id", filter=recent),
        recent_rows=Sum("rows", filter=recent, default=0),
        last_done=Max("done_at"),
    )
    now = timezone.now()
    end = run.finished_at if run.status == BatchStatus.DONE and run.finished_at else now
    elapsed = max((end - since).total_seconds(), 0.0) if since else 0.0
    rate = counts["recent_rows"] / elapsed if elapsed > 0 else 0.0
    left = run.chunks_total - counts["done"]
    if run.status == BatchStatus.DONE:
        eta = 0.0
    elif counts["recent_done"] and elapsed > 0:
        eta = left * elapsed / counts["recent_done"]
    else:
        eta = None
    stall_after = getattr(settings, "SHEBAO_BATCH_STALL_SECONDS", 600)
    last_sign = max((t for t in (run.heartbeat, counts["last_done"], since) if t is not None), default=None)
    stalled = (
        run.status == BatchStatus.RUNNING and last_sign is not None and (now - last_sign).total_seconds() > stall_after
    )
    return BatchProgress(
        run_id=run.pk,
        status=run.status,
        status_label=run.get_status_display(),
        chunks_total=run.chunks_total,
        chunks_done=counts["done"],
        chunks_failed=counts["failed"],
        rows=counts["row_sum"],
        elapsed_seconds=round(elapsed, 3),
        rows_per_second=round(rate, 1),
        eta_seconds=None if eta is None else round(eta, 1),
        heartbeat=run.heartbeat,
        started_at=run.started_at,
        finished_at=run.finished_at,
        stalled=stalled,
        error=run.error,
    )


def key_ranges(queryset: QuerySet, *, size: int, field: str = "pk") -> list[tuple[int, int]]:
    """Split the distinct integer keys of `queryset` (e.g. employer ids) into inclusive ranges of `size` keys each.

    One SQL query (`ROW_NUMBER() OVER (ORDER BY key) / size`), so a plan over a million keys stays cheap; a key is
    never split across two ranges. The usual `plan` of a kind: `key_ranges(Employer.objects.filter(...), size=500)`.
    """
    if size < 1:
        raise ValueError("size must be at least 1")
    keys = queryset.order_by().annotate(batch_key=F(field)).values_list("batch_key").distinct()
    try:
        inner, params = keys.query.sql_with_params()
    except EmptyResultSet:  # e.g. `.none()`: nothing to split
        return []
    sql = (
        "SELECT MIN(batch_key), MAX(batch_key) FROM ("
        f" SELECT batch_key, (ROW_NUMBER() OVER (ORDER BY batch_key) - 1) / %s AS batch_group FROM ({inner}) batch_keys"
        ") numbered GROUP BY batch_group ORDER BY batch_group"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [size, *params])
        return [(int(a), int(b)) for a, b in cursor.fetchall()]

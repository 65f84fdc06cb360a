"""Demo data of 020301 应缴额核定: the monthly assessment of the demo city for the last two complete months.

Runs after wages (bases) and rates (work-injury rates, flexible workers' bases), so employers see bills in 我的账单
and the collection demo finds receivables to post payments against. The runs are real `BatchRun` rows of the kind
`contributions.assessment` (started in the name of the city's administrator), executed chunk by chunk — each chunk
a savepoint of seed_demo's single transaction, since the demo loads all or nothing. Units that have not declared
their wages for the year (the wages demo leaves about one in ten) are assessed on their default bases in the first
month and at 110% of it in the second (社会保险费征缴暂行条例第十条).
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from shebao.core.bench.demo import DemoContext


def _month_add(day: dt.date, months: int) -> dt.date:
    total = day.year * 12 + day.month - 1 + months
    return dt.date(total // 12, total % 12 + 1, 1)


def demo_months(today: dt.date, region: str) -> list[dt.date]:
    """The two months before this one — those of the current contribution year (which has the demo's bases);
    early in a contribution year the current month takes the place of the ones before it."""
    from shebao.contributions.services import wages_rules as rules

    this = today.replace(day=1)
    year = rules.contribution_year_of(this, region)
    months = [m for m in (_month_add(this, -2), _month_add(this, -1)) if rules.contribution_year_of(m, region) == year]
    return months if len(months) == 2 else [*months, this]


def run_in_transaction(run) -> int:
    """Execute every chunk of a run inside the caller's transaction (each chunk a savepoint), then mark it done and
    audit `batch.finish` — what `batch_run` does, for seed_demo, where durable chunk transactions cannot be opened."""
    from shebao.core.audit import audit_write
    from shebao.core.batch import get_batch_kind
    from shebao.core.batch_models import BatchChunk, BatchRun, BatchStatus, ChunkStatus

    spec = get_batch_kind(run.kind)
    now = timezone.now()
    BatchRun.objects.filter(pk=run.pk).update(status=BatchStatus.RUNNING, started_at=now, resumed_at=now)
    run.refresh_from_db()
    total = 0
    for chunk in BatchChunk.objects.filter(run=run).order_by("number"):
        with transaction.atomic():
            rows = spec.execute(run, chunk)
            BatchChunk.objects.filter(pk=chunk.pk).update(
                status=ChunkStatus.DONE, rows=rows, done_at=timezone.now(), worker="seed_demo"
            )
        total += rows
    done = timezone.now()
    BatchRun.objects.filter(pk=run.pk).update(
        status=BatchStatus.DONE, chunks_done=run.chunks_total, rows=total, finished_at=done, heartbeat=done
    )
    audit_write(
        actor=run.started_by,
        action="batch.finish",
        item_code=spec.item_code,
        object_type="batch_run",
        object_id=run.pk,
        after={"status": BatchStatus.DONE, "chunks": run.chunks_total, "rows": total},
    )
    return total


def load(ctx: DemoContext) -> None:
    """Assess the demo city for the last two complete months (main runs, in-process)."""
    from shebao.contributions.models import ContributionBase
    from shebao.contributions.services.assessment import assessment_start

    city = ctx.agencies["city"]
    if not ContributionBase.objects.exists():
        ctx.lap("应缴核定：没有缴费基数，跳过")
        return
    actor = ctx.staff["city:agency_admin"]
    written = []
    for month in demo_months(ctx.today, city.region_id):
        run = assessment_start(actor=actor, region=city.region_id, month=f"{month:%Y-%m}")
        written.append((month, run_in_transaction(run)))
    lines = sum(n for _, n in written)
    ctx.lap("应缴核定 " + "、".join(f"{m:%Y-%m} {n} 条" for m, n in written))
    ctx.result.counts["应缴核定"] = f"{lines} 条（{len(written)} 个月）"

"""The echo batch kind: for each source in the chunk's key range without a line for the run's region and period,
write one line (amount = value × month). Params: chunk_size (keys per chunk), delay (seconds to sleep inside each
chunk's transaction, after its rows are written), fail_on (a chunk number that fails on its first attempt).
"""

from __future__ import annotations

import time

from shebao.core.batch import BatchKind, key_ranges, register_batch_kind

from .models import EchoLine, EchoSource, EchoSummary


def plan(run):
    return key_ranges(EchoSource.objects.all(), size=int(run.params.get("chunk_size", 5)))


def execute(run, chunk):
    covered = EchoLine.objects.filter(region=run.region_id, period=run.period).values("source_id")
    sources = EchoSource.objects.filter(pk__range=(chunk.key_from, chunk.key_to)).exclude(pk__in=covered)
    lines = [
        EchoLine(run=run, source=s, region=run.region_id, period=run.period, amount=s.value * run.period.month)
        for s in sources
    ]
    EchoLine.objects.bulk_create(lines)
    if run.params.get("fail_on") == chunk.number and chunk.attempts == 0:
        raise RuntimeError(f"planted failure in chunk {chunk.number} for 110101199003077777")
    time.sleep(float(run.params.get("delay", 0)))
    return len(lines)


def on_finish(run):
    EchoSummary.objects.create(run=run, lines=EchoLine.objects.filter(run=run).count())


ECHO = register_batch_kind(
    BatchKind(
        name="batchapp.echo", label_zh="测试回显", item_code="020301", plan=plan, execute=execute, on_finish=on_finish
    )
)

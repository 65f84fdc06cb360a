"""Helpers of the batch framework's tests: sources for the echo kind and the ledger a run leaves."""

from __future__ import annotations

import datetime as dt

from shebao.core.tests.batchapp.models import EchoLine, EchoSource

ECHO = "batchapp.echo"


def make_sources(n: int, *, start: int = 1) -> list[EchoSource]:
    """n sources with values start, start+1, …"""
    return EchoSource.objects.bulk_create([EchoSource(value=start + i) for i in range(n)])


def ledger(region: str, period: dt.date | None = None) -> list[tuple[int, int]]:
    """(source id, amount) of every line of a region (and period), sorted — doubled lines stay in the list."""
    qs = EchoLine.objects.filter(region=region)
    if period is not None:
        qs = qs.filter(period=period)
    return sorted(qs.values_list("source_id", "amount"))


def expected(sources, month: int) -> list[tuple[int, int]]:
    """The ledger a complete run for `month` writes: one line per source, amount = value × month."""
    return sorted((s.pk, s.value * month) for s in sources)

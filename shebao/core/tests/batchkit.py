"""Helpers of the batch framework's tests: sources for the echo kind and the ledger a run leaves."""

from __future__ import annotations

import datetime as dt
import os

from django.conf import settings
from django.db import connection

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


def database_url(application_name: str) -> str:
    """The test database as a URL for a child process, tagged so that its sessions can be found."""
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
    host = s.get("HOST") or "127.0.0.1"
    port = s.get("PORT") or 5432
    return f"postgres://{auth}@{host}:{port}/{s['NAME']}?application_name={application_name}"


def child_env(application_name: str, **extra: str) -> dict:
    """Environment of a child process (`manage.py batch`, a Celery worker) on this test database, no broker."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SHEBAO_BROKER", "PYTEST", "DJANGO_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="shebao.settings.test",
        DATABASE_URL=database_url(application_name),
        PYTHONPATH=str(settings.BASE_DIR),
        **extra,
    )
    return env

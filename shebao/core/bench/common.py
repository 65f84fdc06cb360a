"""Shared pieces of the benchmarks: the registry apps contribute to, bench agencies and users, timing summaries."""

from __future__ import annotations

import contextlib
import importlib
import statistics
import sys
from argparse import ArgumentParser
from collections.abc import Callable
from dataclasses import dataclass, field

from django.apps import apps
from django.db import connection, transaction
from django.utils import timezone

from shebao.core.cases import next_numbers
from shebao.core.choices import Role
from shebao.core.models import Agency, User

from .synth import county_codes

BENCH_REGION = "330108"  # the bench agencies sit in 滨江区; the persons' ID numbers use counties outside Zhejiang
PERSON_INDEX = "bench:person_index"  # counter that keeps every bench ID number distinct across runs


@dataclass
class BenchResult:
    """One benchmark's figures as printed by `manage.py bench --json`."""

    name: str
    n: int
    seconds: float
    floor_seconds: float
    per_second: float | None = None
    extra: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        per_second = (
            self.per_second if self.per_second is not None else (self.n / self.seconds if self.seconds else 0.0)
        )
        return {
            "name": self.name,
            "n": self.n,
            "seconds": round(self.seconds, 3),
            "per_second": round(per_second, 1),
            "floor_seconds": round(self.floor_seconds, 3),
            "ratio": round(self.seconds / self.floor_seconds, 2) if self.floor_seconds else None,
            "database": connection.vendor,
            **self.extra,
        }


@dataclass(frozen=True)
class Benchmark:
    """A benchmark an app contributes (`<app>/bench.py`: BENCHMARKS = {name: Benchmark(...)})."""

    run: Callable[..., BenchResult]  # run(n=..., show=..., **its own options) -> BenchResult
    help: str = ""
    arguments: Callable[[ArgumentParser], None] | None = None  # declares the benchmark's own options


def discover_benchmarks() -> dict[str, Benchmark]:
    """Every installed app's `bench` module's BENCHMARKS, by name; a name contributed twice is an error."""
    found: dict[str, Benchmark] = {}
    for config in apps.get_app_configs():
        module_name = f"{config.name}.bench"
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name == module_name:
                continue
            raise
        for name, bench in getattr(module, "BENCHMARKS", {}).items():
            if name in found:
                raise RuntimeError(f"benchmark {name!r} is contributed twice ({module_name})")
            found[name] = bench
    return found


def declared_options(arguments: Callable[[ArgumentParser], None] | None, options: dict) -> dict:
    """The options an app's `arguments(parser)` hook declares, taken (or defaulted) from all parsed options."""
    if arguments is None:
        return {}
    probe = ArgumentParser(add_help=False)
    arguments(probe)
    return {a.dest: options.get(a.dest, a.default) for a in probe._actions}


def bench_agency(code: str, name: str) -> Agency:
    """The dedicated agency of a benchmark (created once; bench data never mixes with real agencies)."""
    agency = Agency.objects.filter(code=code).first()
    if agency is None:
        agency = Agency.objects.create(code=code, name=name, region_id=BENCH_REGION)
    return agency


def bench_user(agency: Agency, role: str) -> User:
    """A login-less staff user of the bench agency."""
    username = f"bench_{agency.code.lower()}_{role}"
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User(username=username, role=role, agency=agency, display_name=f"基准{Role(role).label}")
        user.set_unusable_password()
        user.save()
    return user


def reserve_person_indexes(count: int) -> range:
    """A fresh range of synthetic person indexes (never reused, so ID numbers never collide)."""
    with transaction.atomic():
        return next_numbers(PERSON_INDEX, count)


def bench_areas() -> list[str]:
    """County codes used for bench ID numbers: everywhere but Zhejiang (demo and tests use Zhejiang)."""
    areas = county_codes(exclude_province="33")
    if not areas:
        raise RuntimeError("行政区划表为空：请先执行 manage.py migrate")
    return areas


def percentiles(samples_ms: list[float]) -> dict[str, float]:
    """p50/p95/p99 (milliseconds) of a list of timings."""
    if not samples_ms:
        return {"p50": 0.0, "p95": 0.0, "p99": 0.0}
    cuts = statistics.quantiles(samples_ms, n=100, method="inclusive")
    return {"p50": round(statistics.median(samples_ms), 2), "p95": round(cuts[94], 2), "p99": round(cuts[98], 2)}


def today():
    """Today's date in the project's time zone."""
    return timezone.localdate()


@contextlib.contextmanager
def progress_bar(description: str, total: int, *, enabled: bool = True):
    """A rich progress bar on stderr (stdout stays clean for --json); yields an advance(n) callable."""
    if not enabled or total <= 0:
        yield lambda n=1: None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    console = Console(file=sys.stderr)
    if not console.is_terminal:  # logs and pipes get no bar (rich would only print blank lines there)
        yield lambda n=1: None
        return
    with Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=console
    ) as bar:
        task = bar.add_task(description, total=total)
        yield lambda n=1: bar.advance(task, n)

"""Benchmark `lookup`: person search (ID number, its last digits, name start, name contains, surname) over N persons."""

from __future__ import annotations

import random
import time

from django.db import connection, transaction
from django.db.models import Max, Min

from shebao.core.bench.common import (
    BenchResult,
    bench_agency,
    bench_areas,
    bench_user,
    percentiles,
    progress_bar,
    reserve_person_indexes,
)
from shebao.core.bench.common import today as _today
from shebao.core.bench.synth import birth_of, gender_of, indexed_id, indexed_name
from shebao.core.choices import Role

from ..models import Person
from ..selectors import person_search

LOAD_CHUNK = 50_000
AGENCY = ("BENCHLK", "性能基准·查询经办机构")
# The person columns but the pk, in model order (the rows below are built in this order).
_COLS = [f.column for f in Person._meta.concrete_fields if not f.primary_key]


def _person_rows(indexes: range, agency_id: int, areas: list[str]):
    day = _today()
    for i in indexes:
        number = indexed_id(i, areas)
        yield (
            number,
            indexed_name(i),
            gender_of(number),
            birth_of(number),
            "汉族",
            "13900000000",
            "浙江省杭州市滨江区",
            "resident",
            None,
            agency_id,
            "self",
            "",
            "",
            "active",
            None,
            "",
            day,
            1,
        )


def _load(count: int, agency_id: int, *, show: bool) -> None:
    """Add `count` persons to the lookup population: COPY on PostgreSQL, executemany on SQLite."""
    indexes = reserve_person_indexes(count)
    areas = bench_areas()
    table = Person._meta.db_table
    with progress_bar("生成查询基准人员", count, enabled=show) as advance:
        for start in range(indexes.start, indexes.stop, LOAD_CHUNK):
            part = range(start, min(start + LOAD_CHUNK, indexes.stop))
            with transaction.atomic(), connection.cursor() as cur:
                if connection.vendor == "postgresql":
                    with cur.copy(f"COPY {table} ({', '.join(_COLS)}) FROM STDIN") as copy:
                        for row in _person_rows(part, agency_id, areas):
                            copy.write_row(row)
                else:
                    marks = ", ".join(["%s"] * len(_COLS))
                    cur.executemany(
                        f"INSERT INTO {table} ({', '.join(_COLS)}) VALUES ({marks})",
                        list(_person_rows(part, agency_id, areas)),
                    )
            advance(len(part))
    with connection.cursor() as cur:
        cur.execute(f"ANALYZE {table}")


def ensure_population(n: int, *, show: bool) -> tuple:
    """The lookup agency with at least N persons (reused from earlier runs); returns (agency, added, seconds)."""
    agency = bench_agency(*AGENCY)
    have = Person.objects.filter(agency=agency).count()
    started = time.perf_counter()
    if have < n:
        _load(n - have, agency.pk, show=show)
    return agency, max(n - have, 0), time.perf_counter() - started


def _samples(agency, count: int, rng: random.Random) -> list[tuple[str, str]]:
    """(id_number, name) of `count` persons picked at random from the population."""
    bounds = Person.objects.filter(agency=agency).aggregate(lo=Min("pk"), hi=Max("pk"))
    lo, hi = bounds["lo"], bounds["hi"]
    picked: list[tuple[str, str]] = []
    while len(picked) < count:
        pks = [rng.randint(lo, hi) for _ in range(count * 2)]
        picked += list(Person.objects.filter(agency=agency, pk__in=pks).values_list("id_number", "name"))
    rng.shuffle(picked)
    return picked[:count]


def _time_searches(actor, terms: list[str], *, label: str, show: bool) -> list[float]:
    for term in terms[:20]:  # warm-up: connection, plan cache, buffer cache
        list(person_search(actor=actor, q=term)[:20])
    timings = []
    with progress_bar(label, len(terms), enabled=show) as advance:
        for term in terms:
            started = time.perf_counter()
            list(person_search(actor=actor, q=term)[:20])
            timings.append((time.perf_counter() - started) * 1000)
            advance()
    return timings


def _time_raw(ids: list[str], prefixes: list[str]) -> float:
    """The floor: the same number of bare index lookups in SQL (no scope, no joins, no ORM)."""
    table = Person._meta.db_table
    with connection.cursor() as cur:
        started = time.perf_counter()
        for number in ids:
            cur.execute(f"SELECT id FROM {table} WHERE id_number = %s", [number])
            cur.fetchall()
        for prefix in prefixes:
            cur.execute(f"SELECT id FROM {table} WHERE name LIKE %s LIMIT 20", [prefix + "%"])
            cur.fetchall()
        return time.perf_counter() - started


def run(*, n: int, queries: int = 1000, show: bool = True, seed: int = 42) -> BenchResult:
    """Ensure N persons, then time searches by ID number, name prefix, surname, name contains and ID last 6 digits."""
    queries = max(queries, 1000)
    agency, added, load_seconds = ensure_population(n, show=show)
    clerk = bench_user(agency, Role.CLERK)
    rng = random.Random(seed)
    sample = _samples(agency, queries, rng)
    ids = [number for number, _ in sample]
    prefixes = [name[:2] for _, name in sample]
    surnames = [name[:1] for _, name in sample[:200]]
    contains = [name[-2:] for _, name in sample]  # two characters inside the name (given name for 3-character names)
    suffixes = [number[-6:] for number, _ in sample]

    id_ms = _time_searches(clerk, ids, label="按社会保障号码查询", show=show)
    name_ms = _time_searches(clerk, prefixes, label="按姓名前缀查询", show=show)
    surname_ms = _time_searches(clerk, surnames, label="仅按姓氏查询", show=show)
    contains_ms = _time_searches(clerk, contains, label="按姓名包含两字查询", show=show)
    suffix_ms = _time_searches(clerk, suffixes, label="按号码后六位查询", show=show)
    floor = _time_raw(ids, prefixes)
    seconds = (sum(id_ms) + sum(name_ms)) / 1000
    population = Person.objects.filter(agency=agency).count()
    id_p, name_p, surname_p = percentiles(id_ms), percentiles(name_ms), percentiles(surname_ms)
    return BenchResult(
        "lookup",
        n,
        seconds,
        floor,
        per_second=(len(id_ms) + len(name_ms)) / seconds,
        extra={
            "searches": len(id_ms) + len(name_ms),
            "population": population,
            "loaded_now": added,
            "load_seconds": round(load_seconds, 1),
            "id_p50_ms": id_p["p50"],
            "id_p95_ms": id_p["p95"],
            "id_p99_ms": id_p["p99"],
            "name_p50_ms": name_p["p50"],
            "name_p95_ms": name_p["p95"],
            "name_p99_ms": name_p["p99"],
            "surname_only_p50_ms": surname_p["p50"],
            "surname_only_p95_ms": surname_p["p95"],
            "surname_only_searches": len(surname_ms),
            "contains_p50_ms": percentiles(contains_ms)["p50"],
            "contains_p95_ms": percentiles(contains_ms)["p95"],
            "id_suffix_p50_ms": percentiles(suffix_ms)["p50"],
            "id_suffix_p95_ms": percentiles(suffix_ms)["p95"],
        },
    )

"""Benchmark `quality`: one 1106 data-quality run (every registered rule) over N persons with planted defects.

The population sits in its own bench agency (`BENCHQC`) and is reused by later invocations (only the missing persons
are added, as `lookup` does): employers (one per 200 persons, every 500th cancelled, every 400th without 法定代表人)
and persons by COPY, then two enrolments per person (110, 310) by one INSERT … SELECT, with a small share of planted
defects (bad check digits, flipped gender, shifted birth dates, blank names, employees without a unit, 15-digit
duplicates of 18-digit numbers, overlapping and inverted enrolment periods, enrolments before birth). The timed part
is `quality_run_start` + `quality_run` as the bench agency's administrator. The floor is one `count(*)` scan of each
of the three tables in scope.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import Counter

from django.db import connection, transaction
from django.db.models import Count

from shebao.core.bench.common import (
    BENCH_REGION,
    BenchResult,
    bench_agency,
    bench_areas,
    bench_user,
    progress_bar,
    reserve_person_indexes,
)
from shebao.core.bench.synth import birth_of, gender_of, indexed_id, indexed_name
from shebao.core.cases import next_numbers
from shebao.core.choices import Role
from shebao.core.synthetic import uscc
from shebao.registration.models import Employer, Enrolment, Person

from ..services.quality import quality_run, quality_run_start

AGENCY = ("BENCHQC", "性能基准·数据质量检查经办机构")
PER_EMPLOYER = 200
USCC_BASE = 60_000_000
CHUNK = 50_000
START = dt.date(2015, 1, 1)
EMPLOYER_COLS = [
    "reg_no",
    "uscc",
    "name",
    "unit_type",
    "legal_rep",
    "address",
    "region_id",
    "industry_code",
    "injury_risk_class",
    "contact_name",
    "contact_phone",
    "bank_name",
    "bank_account",
    "agency_id",
    "status",
    "registered_on",
    "cancelled_on",
    "cancel_reason",
    "version",
]
PERSON_COLS = [
    "id_number",
    "name",
    "gender",
    "birth_date",
    "ethnicity",
    "phone",
    "address",
    "category",
    "employer_id",
    "agency_id",
    "contribution_method",
    "benefit_bank_name",
    "benefit_bank_account",
    "status",
    "termination_reason",
    "registered_on",
    "version",
]


def _write(table: str, columns: list[str], rows) -> None:
    """COPY on PostgreSQL, executemany elsewhere."""
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            with cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(columns))
            cur.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", list(rows))


def _ensure_employers(agency, count: int) -> list[int]:
    have = Employer.objects.filter(agency=agency).count()
    if have < count:
        with transaction.atomic():
            numbers = next_numbers("bench:quality_employer", count - have)
            _write(
                Employer._meta.db_table,
                EMPLOYER_COLS,
                (
                    (
                        f"QC{k:012d}",
                        uscc(BENCH_REGION, USCC_BASE + k),
                        f"质量基准单位{k}",
                        "10",
                        "" if k % 400 == 7 else "基准",
                        "基准路1号",
                        BENCH_REGION,
                        "I6510",
                        1 + k % 8,
                        "基准",
                        "13800000000",
                        "",
                        "",
                        agency.pk,
                        "cancelled" if k % 500 == 499 else "active",
                        START,
                        dt.date(2024, 1, 1) if k % 500 == 499 else None,
                        "基准注销" if k % 500 == 499 else "",
                        1,
                    )
                    for k in numbers
                ),
            )
    return list(Employer.objects.filter(agency=agency).order_by("pk").values_list("pk", flat=True))


def _fifteen(number: str) -> str | None:
    """The legacy 15-digit form of an 18-digit number of someone born in the 1900s."""
    return number[:6] + number[8:17] if number[6:8] == "19" else None


def _people(indexes, offset, employers, agency_id, planted: Counter, today: dt.date, areas: list[str]):
    for pos, i in enumerate(indexes, start=offset):
        number = indexed_id(i, areas)
        name, gender, birth = indexed_name(i), gender_of(number), birth_of(number)
        employer = employers[pos // PER_EMPLOYER % len(employers)]
        if i % 997 == 0:
            number = number[:17] + ("0" if number[17] != "0" else "1")
            planted["YX01"] += 1
        if i % 1009 == 1:
            gender = "2" if gender == "1" else "1"
            planted["YZ05"] += 1
        if i % 1013 == 2:
            birth += dt.timedelta(days=1)
            planted["YZ04"] += 1
        if i % 1019 == 3:
            name = ""
            planted["WZ01"] += 1
        if i % 1051 == 9:
            employer = None
            planted["WZ04"] += 1
        row = [number, name, gender, birth, "汉族", "", "", "employee", employer, agency_id, "employer", "", ""]
        yield (*row, "active", "", today, 1)
        old = _fifteen(number) if i % 1049 == 8 and i % 997 else None
        if old:
            planted["YX01"] += 1
            planted["WY01"] += 2
            yield (old, *row[1:], "active", "", today, 1)


def _enrol(agency_id: int, after_id: int) -> None:
    """Two enrolments (110, 310) per person added after `after_id`, and the planted enrolment defects (set-based)."""
    e, p, m = Enrolment._meta.db_table, Person._meta.db_table, Employer._meta.db_table
    cols = "person_id, insurance_type_id, employer_id, agency_id, start_month, end_month, status, end_reason"
    where = f"p.agency_id = {int(agency_id)} AND p.id > {int(after_id)}"
    bounds = f"(SELECT min(id) AS lo, max(id) AS hi FROM {m} WHERE agency_id = {int(agency_id)}) b"
    with connection.cursor() as cur:
        cur.execute(
            f"INSERT INTO {e} ({cols}) SELECT p.id, t.code, p.employer_id, p.agency_id, "
            "CASE WHEN t.code = '110' AND p.id %% 1033 = 0 THEN %s ELSE %s END, NULL, 'active', '' "
            f"FROM {p} p CROSS JOIN (SELECT '110' AS code UNION ALL SELECT '310') t WHERE {where}",
            [dt.date(1950, 1, 1), START],
        )
        # YZ02: an ended 110 enrolment with another unit, overlapping the open one.
        cur.execute(
            f"INSERT INTO {e} ({cols}) SELECT p.id, '110', CASE WHEN p.employer_id = b.hi THEN b.lo "
            "ELSE p.employer_id + 1 END, p.agency_id, %s, %s, 'ended', 'bench:YZ02' "
            f"FROM {p} p CROSS JOIN {bounds} WHERE {where} AND p.id %% 1021 = 0 AND p.employer_id IS NOT NULL "
            "AND b.lo < b.hi",
            [dt.date(2016, 1, 1), dt.date(2017, 12, 1)],
        )
        # YZ01: an ended 310 enrolment with the same unit, overlapping the open one.
        cur.execute(
            f"INSERT INTO {e} ({cols}) SELECT p.id, '310', p.employer_id, p.agency_id, %s, %s, 'ended', 'bench:YZ01' "
            f"FROM {p} p WHERE {where} AND p.id %% 1031 = 0",
            [dt.date(2016, 1, 1), dt.date(2016, 6, 1)],
        )
        # YX08: an ended 310 enrolment whose end month is before its start month.
        cur.execute(
            f"INSERT INTO {e} ({cols}) SELECT p.id, '310', p.employer_id, p.agency_id, %s, %s, 'ended', 'bench:YX08' "
            f"FROM {p} p WHERE {where} AND p.id %% 1039 = 0",
            [dt.date(2014, 6, 1), dt.date(2014, 1, 1)],
        )


def ensure_population(n: int, *, show: bool) -> tuple:
    """The bench agency with at least N persons (reused); returns (agency, added, seconds, planted in this load)."""
    agency = bench_agency(*AGENCY)
    started = time.perf_counter()
    planted: Counter = Counter()
    employers = _ensure_employers(agency, max(-(-n // PER_EMPLOYER), 2))
    have = Person.objects.filter(agency=agency).count()
    added = max(n - have, 0)
    if added:
        indexes = reserve_person_indexes(added)
        today, areas = dt.date.today(), bench_areas()
        with progress_bar("生成质量基准人员", added, enabled=show) as advance:
            for start in range(indexes.start, indexes.stop, CHUNK):
                part = range(start, min(start + CHUNK, indexes.stop))
                with transaction.atomic():
                    last = Person.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
                    rows = _people(part, have + start - indexes.start, employers, agency.pk, planted, today, areas)
                    _write(Person._meta.db_table, PERSON_COLS, rows)
                    _enrol(agency.pk, last)
                advance(len(part))
        if connection.vendor == "postgresql":
            with connection.cursor() as cur:
                for model in (Person, Enrolment, Employer):
                    cur.execute(f"ANALYZE {model._meta.db_table}")
    return agency, added, time.perf_counter() - started, planted


def _floor(agency) -> float:
    """One count(*) over each of the three tables in scope (the least a full check must read)."""
    started = time.perf_counter()
    with connection.cursor() as cur:
        for model in (Person, Enrolment, Employer):
            cur.execute(f"SELECT count(*) FROM {model._meta.db_table} WHERE agency_id = %s", [agency.pk])
            cur.fetchone()
    return time.perf_counter() - started


def run(*, n: int, show: bool = True) -> BenchResult:
    """Ensure N persons, then time one quality run over the bench agency against the scan floor."""
    agency, added, load_seconds, planted = ensure_population(n, show=show)
    admin = bench_user(agency, Role.AGENCY_ADMIN)
    _floor(agency)  # warm the cache the same way for both
    floor = _floor(agency)
    started = time.perf_counter()
    qrun = quality_run_start(actor=admin)
    qrun = quality_run(actor=admin, run=qrun)
    seconds = time.perf_counter() - started
    enrol_plants = dict(
        Enrolment.objects.filter(agency=agency, end_reason__startswith="bench:")
        .values_list("end_reason")
        .order_by()
        .annotate(n=Count("id"))
    )
    return BenchResult(
        "quality",
        n,
        seconds,
        floor,
        per_second=qrun.persons / seconds if seconds else 0.0,
        extra={
            "run": qrun.pk,
            "persons": qrun.persons,
            "enrolments": qrun.enrolments,
            "employers": qrun.employers,
            "loaded_now": added,
            "load_seconds": round(load_seconds, 1),
            "findings": qrun.total,
            "rule_findings": qrun.counts,
            "rule_seconds": qrun.seconds,
            "planted_now": dict(sorted(planted.items())),
            "planted_enrolments": {k.removeprefix("bench:"): v for k, v in sorted(enrol_plants.items())},
        },
    )

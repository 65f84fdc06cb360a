"""Benchmark `registration`: 批量增员 of N persons through the real path, against the database's own bulk load."""

from __future__ import annotations

import re
import statistics
import time

from django.db import connection, transaction

from shebao.core.bench.common import (
    BENCH_REGION,
    BenchResult,
    bench_agency,
    bench_areas,
    bench_user,
    progress_bar,
    reserve_person_indexes,
    today,
)
from shebao.core.bench.synth import birth_of, gender_of, indexed_id, indexed_name
from shebao.core.cases import case_approve, next_number, next_numbers
from shebao.core.choices import Channel, Role
from shebao.core.synthetic import uscc

from ..models import Employer, EmployerInsurance, Enrolment, Person
from ..services import person_enrol_bulk

EMPLOYER_TYPES = ["110", "210", "310", "410", "510"]
USCC_BASE = 30_000_000
AGENCY = ("BENCH", "性能基准·登记经办机构")


def _fresh_employer(agency) -> Employer:
    """A new active employer of the bench agency holding the five employee insurance types."""
    with transaction.atomic():
        k = next_number("bench:employer")
        num = next_numbers(f"employer_reg_no:{BENCH_REGION}", 1)[0]
        employer = Employer.objects.create(
            reg_no=f"{BENCH_REGION}{num:08d}",
            uscc=uscc(BENCH_REGION, USCC_BASE + k),
            name=f"基准测试单位{k}",
            unit_type="10",
            legal_rep="基准",
            address="浙江省杭州市滨江区网商路1号",
            region_id=BENCH_REGION,
            industry_code="I6510",
            injury_risk_class=1,
            contact_name="基准",
            contact_phone="13800000000",
            agency=agency,
            registered_on=today(),
        )
        month = today().replace(day=1)
        EmployerInsurance.objects.bulk_create(
            [EmployerInsurance(employer=employer, insurance_type_id=c, start_month=month) for c in EMPLOYER_TYPES]
        )
    return employer


def make_rows(n: int, types: list[str]) -> list[dict]:
    """N valid 增员 rows with ID numbers no bench run has used before."""
    indexes = reserve_person_indexes(n)
    areas = bench_areas()
    month = f"{today():%Y-%m}"
    return [
        {
            "id_number": indexed_id(i, areas),
            "name": indexed_name(i),
            "phone": "13900000000",
            "address": "浙江省杭州市滨江区",
            "ethnicity": "汉族",
            "insurances": list(types),
            "start_month": month,
        }
        for i in indexes
    ]


def run_real_path(*, rows: list[dict], employer: Employer, clerk, reviewer, chunk: int, show: bool) -> list[float]:
    """The timed part: person_enrol_bulk per chunk (one case each), then case_approve applies it; seconds per case."""
    durations = []
    with progress_bar("批量增员（真实路径）", len(rows), enabled=show) as advance:
        for start in range(0, len(rows), chunk):
            part = rows[start : start + chunk]
            started = time.perf_counter()
            result = person_enrol_bulk(actor=clerk, rows=part, employer=employer, channel=Channel.BATCH)
            if result.errors:
                raise RuntimeError(f"bench rows rejected: {result.errors[:3]}")
            case_approve(actor=reviewer, case=result.case)
            durations.append(time.perf_counter() - started)
            advance(len(part))
    return durations


# ---------------------------------------------------------------- floor: the database's own bulk path

# Every person column in model order (the scratch rows below are built in this order).
_PERSON_COLS = [f.column for f in Person._meta.concrete_fields]
_ENROL_COLS = [
    "id",
    "person_id",
    "insurance_type_id",
    "employer_id",
    "agency_id",
    "start_month",
    "end_month",
    "status",
    "end_reason",
]


def _floor_rows(rows: list[dict], employer: Employer):
    """Person and enrolment tuples equivalent to what the real path writes."""
    day, month = today(), today().replace(day=1)
    persons, enrolments, eid = [], [], 0
    for pid, r in enumerate(rows, start=1):
        number = r["id_number"]
        persons.append(
            (
                pid,
                number,
                r["name"],
                gender_of(number),
                birth_of(number),
                r["ethnicity"],
                r["phone"],
                r["address"],
                "employee",
                employer.pk,
                employer.agency_id,
                "employer",
                "",
                "",
                "active",
                None,
                "",
                day,
                1,
            )
        )
        for code in r["insurances"]:
            eid += 1
            enrolments.append((eid, pid, code, employer.pk, employer.agency_id, month, None, "active", ""))
    return persons, enrolments


def _floor_postgres(persons, enrolments) -> float:
    """COPY (psycopg 3) into scratch copies of the person and enrolment tables (same columns, indexes, checks)."""
    pairs = (
        ("bench_scratch_person", Person._meta.db_table, _PERSON_COLS, persons),
        ("bench_scratch_enrolment", Enrolment._meta.db_table, _ENROL_COLS, enrolments),
    )
    with connection.cursor() as cur:
        for scratch, table, _, _ in pairs:
            cur.execute(f"DROP TABLE IF EXISTS {scratch}")
            cur.execute(f"CREATE TABLE {scratch} (LIKE {table} INCLUDING ALL)")
    try:
        started = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cur:
            for scratch, _, cols, data in pairs:
                with cur.copy(f"COPY {scratch} ({', '.join(cols)}) FROM STDIN") as copy:
                    for row in data:
                        copy.write_row(row)
        return time.perf_counter() - started
    finally:
        with connection.cursor() as cur:
            for scratch, _, _, _ in pairs:
                cur.execute(f"DROP TABLE IF EXISTS {scratch}")


def _sqlite_clone_sql(table: str, scratch: str) -> list[str]:
    with connection.cursor() as cur:
        cur.execute(
            "SELECT type, sql FROM sqlite_master WHERE tbl_name = %s AND sql IS NOT NULL ORDER BY type DESC", [table]
        )
        statements = []
        for kind, sql in cur.fetchall():
            sql = sql.replace(f'"{table}"', f'"{scratch}"')
            if kind == "index":
                sql = re.sub(r'INDEX "([^"]+)"', rf'INDEX "{scratch}_\1"', sql)
            statements.append(sql)
        return statements


def _floor_sqlite(persons, enrolments) -> float:
    """executemany into scratch copies of the tables (same columns and indexes)."""
    pairs = (
        ("bench_scratch_person", Person._meta.db_table, _PERSON_COLS, persons),
        ("bench_scratch_enrolment", Enrolment._meta.db_table, _ENROL_COLS, enrolments),
    )
    with connection.cursor() as cur:
        for scratch, table, _, _ in pairs:
            cur.execute(f'DROP TABLE IF EXISTS "{scratch}"')
            for sql in _sqlite_clone_sql(table, scratch):
                cur.execute(sql)
    try:
        started = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cur:
            for scratch, _, cols, data in pairs:
                marks = ", ".join(["%s"] * len(cols))
                cur.executemany(f'INSERT INTO "{scratch}" ({", ".join(cols)}) VALUES ({marks})', data)
        return time.perf_counter() - started
    finally:
        with connection.cursor() as cur:
            for scratch, _, _, _ in pairs:
                cur.execute(f'DROP TABLE IF EXISTS "{scratch}"')


def measure_floor(rows: list[dict], employer: Employer) -> float:
    """Seconds the database needs to store the same person and enrolment rows by its own bulk path."""
    persons, enrolments = _floor_rows(rows, employer)
    if connection.vendor == "postgresql":
        return _floor_postgres(persons, enrolments)
    return _floor_sqlite(persons, enrolments)


def run(*, n: int, chunk: int = 5000, types: list[str] | None = None, show: bool = True) -> BenchResult:
    """Enrol N new persons into a fresh employer through the services; compare with the bulk-load floor."""
    types = types or EMPLOYER_TYPES
    agency = bench_agency(*AGENCY)
    clerk, reviewer = bench_user(agency, Role.CLERK), bench_user(agency, Role.REVIEWER)
    employer = _fresh_employer(agency)
    rows = make_rows(n, types)

    started = time.perf_counter()
    durations = run_real_path(rows=rows, employer=employer, clerk=clerk, reviewer=reviewer, chunk=chunk, show=show)
    seconds = time.perf_counter() - started

    created = Person.objects.filter(employer=employer).count()
    enrolments = Enrolment.objects.filter(employer=employer).count()
    if created != n or enrolments != n * len(types):
        raise RuntimeError(f"expected {n} persons / {n * len(types)} enrolments, found {created} / {enrolments}")
    floor = measure_floor(rows, employer)
    return BenchResult(
        "registration",
        n,
        seconds,
        floor,
        extra={
            "persons_created": created,
            "enrolments_created": enrolments,
            "cases": len(durations),
            "case_seconds_min": round(min(durations), 3),
            "case_seconds_median": round(statistics.median(durations), 3),
            "case_seconds_max": round(max(durations), 3),
            "chunk": chunk,
            "insurance_types": types,
            "employer_id": employer.pk,
        },
    )

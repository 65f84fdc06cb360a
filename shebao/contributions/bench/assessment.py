"""Benchmark `assessment` (020301): one monthly assessment of N persons across N/20 employers, all insurance types,
against the COPY floor of the same output rows.

Each invocation synthesises a population of its own in a region no agency uses yet (a county outside Zhejiang, so
the run covers exactly this population and national parameters apply): employers and persons by COPY, enrolments in
the five employee types, bases in force, approved wage declarations and work-injury rates for half the employers by
set-based INSERT … SELECT; then ANALYZE. Timed: `assessment_start` (parameters resolved, chunks planned) and
`batch_run` in-process. Floor: the rows the run wrote, copied out, then COPY'd into a scratch table with the ledger's
columns, indexes and checks (`LIKE … INCLUDING ALL`), timed alone. PostgreSQL only.
"""

from __future__ import annotations

import datetime as dt
import tempfile
import time

from django.db import connection, transaction

from shebao.core.batch import batch_progress, batch_run
from shebao.core.bench.common import BenchResult, bench_areas, bench_user, progress_bar, reserve_person_indexes
from shebao.core.bench.synth import birth_of, gender_of, indexed_id, indexed_name
from shebao.core.cases import next_numbers
from shebao.core.choices import Role
from shebao.core.models import Agency, Region
from shebao.core.synthetic import uscc
from shebao.registration.models import Employer, Person

from ..models import Receivable
from ..services.assessment import assessment_start

TYPES = ("110", "210", "310", "410", "510")
PER_EMPLOYER = 20
USCC_BASE = 40_000_000
START = dt.date(2020, 1, 1)


def _free_region() -> Region:
    """A county of its own for this invocation (no agency there yet)."""
    used = set(Agency.objects.values_list("region_id", flat=True))
    for code in bench_areas():
        if code not in used:
            return Region.objects.get(code=code)
    raise RuntimeError("没有可用于基准的空闲区划")


def _copy(table: str, columns: list[str], rows) -> None:
    with connection.cursor() as cur, cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def synthesise(n: int, month: dt.date, show: bool) -> tuple[Agency, dict]:
    """A bench agency with N persons across N/20 employers, enrolled, based, declared and rated (set-based)."""
    region = _free_region()
    employers = max(n // PER_EMPLOYER, 1)
    started = time.perf_counter()
    with transaction.atomic():
        _skip_constraint_triggers()
        agency = Agency.objects.create(code=f"BA{region.code}", name=f"性能基准·核定{region.code}", region=region)
        numbers = next_numbers("bench:assessment_employer", employers)
        today = dt.date.today()
        _copy(
            Employer._meta.db_table,
            [
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
                "cancel_reason",
                "version",
            ],
            (
                (
                    f"A{k:012d}",
                    uscc(region.code, USCC_BASE + k),
                    f"基准核定单位{k}",
                    "10",
                    "基准",
                    "基准路1号",
                    region.code,
                    "I6510",
                    1 + k % 8,
                    "基准",
                    "13800000000",
                    "",
                    "",
                    agency.pk,
                    "active",
                    START,
                    "",
                    1,
                )
                for k in numbers
            ),
        )
        ids = list(Employer.objects.filter(agency=agency).order_by("pk").values_list("pk", flat=True))
        areas, indexes = bench_areas(), reserve_person_indexes(n)
        with progress_bar("合成参保人", n, enabled=show) as advance:

            def people():
                for i, index in enumerate(indexes):
                    number = indexed_id(index, areas)
                    yield (
                        number,
                        indexed_name(index),
                        gender_of(number),
                        birth_of(number),
                        "汉族",
                        "",
                        "",
                        "employee",
                        ids[i // PER_EMPLOYER % len(ids)],
                        agency.pk,
                        "employer",
                        "",
                        "",
                        "active",
                        "",
                        START,
                        1,
                    )
                    if i % 10000 == 9999:
                        advance(10000)

            _copy(
                Person._meta.db_table,
                [
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
                ],
                people(),
            )
        _synthesise_sql(agency, month, today)
    with connection.cursor() as cur:
        for table in (
            "registration_employer",
            "registration_person",
            "registration_enrolment",
            "contributions_contributionbase",
            "contributions_wagedeclaration",
            "contributions_employerrate",
            "contributions_receivable",
        ):
            cur.execute(f"ANALYZE {table}")
    return agency, {"employers": employers, "synthesis_seconds": round(time.perf_counter() - started, 1)}


def _skip_constraint_triggers() -> None:
    """Within the synthesis transaction, as `pg_restore --disable-triggers` does: the generated rows are consistent by
    construction, and checking 5 million enrolments' references one trigger call each would take longer than the
    benchmark itself (superuser only; otherwise the checks simply run). The timed run is never affected."""
    with connection.cursor() as cur:
        cur.execute("SELECT current_setting('is_superuser')")
        if cur.fetchone()[0] == "on":
            cur.execute("SET LOCAL session_replication_role = replica")


def _synthesise_sql(agency: Agency, month: dt.date, today: dt.date) -> None:
    """Enrolments (five types), bases (4,000–20,000), approved declarations and half the employers' 410 rates."""
    year = month.year
    with connection.cursor() as cur:
        cur.execute(
            """INSERT INTO registration_enrolment (person_id, insurance_type_id, employer_id, agency_id, start_month,
                   status, end_reason)
               SELECT p.id, t.code, p.employer_id, p.agency_id, %s, 'active', ''
               FROM registration_person p CROSS JOIN unnest(%s::varchar[]) AS t(code) WHERE p.agency_id = %s""",
            [START, list(TYPES), agency.pk],
        )
        cur.execute(
            """INSERT INTO contributions_contributionbase (person_id, employer_id, year, valid_from, base, source,
                   created_at)
               SELECT p.id, p.employer_id, %s, %s, round(4000 + (p.id * 7919 %% 1600000) / 100.0, 2), 'declared',
                      now()
               FROM registration_person p WHERE p.agency_id = %s""",
            [year, dt.date(year, 1, 1), agency.pk],
        )
        cur.execute(
            """INSERT INTO contributions_wagedeclaration (employer_id, agency_id, year, status, headcount, wage_total,
                   created_at)
               SELECT e.id, e.agency_id, %s, 'approved', 20, 0, now() FROM registration_employer e
               WHERE e.agency_id = %s""",
            [year, agency.pk],
        )
        cur.execute(
            """INSERT INTO contributions_employerrate (employer_id, insurance_type_id, valid_from, risk_class,
                   float_grade, employer_rate, created_at)
               SELECT e.id, '410', %s, e.injury_risk_class, 1.2,
                      (ARRAY[0.002, 0.004, 0.007, 0.009, 0.011, 0.013, 0.016, 0.019])[e.injury_risk_class] * 1.2,
                      now()
               FROM registration_employer e WHERE e.agency_id = %s AND e.id %% 2 = 0""",
            [START, agency.pk],
        )


def _floor(run_id: int) -> tuple[float, int]:
    """COPY the run's rows out to a file, then time COPY of them into a scratch copy of the ledger table."""
    table = Receivable._meta.db_table
    columns = [f.column for f in Receivable._meta.concrete_fields if not f.primary_key]
    cols = ", ".join(columns)
    with tempfile.TemporaryFile() as buffer:
        with connection.cursor() as cur:
            with cur.copy(f"COPY (SELECT {cols} FROM {table} WHERE batch_run_id = {int(run_id)}) TO STDOUT") as out:
                for data in out:
                    buffer.write(data)
            cur.execute("DROP TABLE IF EXISTS bench_scratch_receivable")
            cur.execute(f"CREATE TABLE bench_scratch_receivable (LIKE {table} INCLUDING ALL)")
        try:
            buffer.seek(0)
            started = time.perf_counter()
            with (
                transaction.atomic(),
                connection.cursor() as cur,
                cur.copy(f"COPY bench_scratch_receivable ({cols}) FROM STDIN") as copy,
            ):
                while data := buffer.read(1 << 20):
                    copy.write(data)
            seconds = time.perf_counter() - started
            with connection.cursor() as cur:
                cur.execute("SELECT count(*) FROM bench_scratch_receivable")
                rows = cur.fetchone()[0]
            return seconds, rows
        finally:
            with connection.cursor() as cur:
                cur.execute("DROP TABLE IF EXISTS bench_scratch_receivable")


def run(*, n: int, show: bool = True, month: str = "2026-10") -> BenchResult:
    """Synthesise, assess one month of the bench region, and compare with the COPY floor."""
    if connection.vendor != "postgresql":
        raise RuntimeError("基准 assessment 需要 PostgreSQL（设置 DATABASE_URL）")
    day = dt.date.fromisoformat(f"{month}-01")
    agency, facts = synthesise(n, day, show)
    clerk = bench_user(agency, Role.CLERK)
    started = time.perf_counter()
    run_ = assessment_start(actor=clerk, region=agency.region_id, month=month)
    planned = time.perf_counter() - started
    with progress_bar("月度应缴核定（分块）", run_.chunks_total, enabled=show) as advance:
        done = [0]

        def progress(p):
            advance(p.chunks_done - done[0])
            done[0] = p.chunks_done

        run_ = batch_run(run_, progress=progress)
    seconds = time.perf_counter() - started
    if run_.status != "done":
        raise RuntimeError(f"批次 #{run_.pk} 未完成：{run_.error}")
    rows = Receivable.objects.filter(batch_run=run_).count()
    floor, copied = _floor(run_.pk)
    if copied != rows:
        raise RuntimeError(f"floor copied {copied} rows, the run wrote {rows}")
    p = batch_progress(run_)
    return BenchResult(
        "assessment",
        n,
        seconds,
        floor,
        per_second=rows / seconds if seconds else 0.0,
        extra={
            "employers": facts["employers"],
            "rows": rows,
            "copy_floor_seconds": round(floor, 3),
            "plan_seconds": round(planned, 3),
            "chunks": p.chunks_total,
            "month": month,
            "run_id": run_.pk,
            "region": agency.region_id,
            "insurance_types": list(TYPES),
            "synthesis_seconds": facts["synthesis_seconds"],
        },
    )

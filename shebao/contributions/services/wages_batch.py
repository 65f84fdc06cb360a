"""020102 缴费基数核定, the yearly run: every employee's base for contribution year Y in one region, set-based.

`determine_bases_for_region(region, year, employer_id_range)` writes one chunk (a range of employer ids) with one
INSERT … SELECT per group of agencies sharing the same bounds (normally one), plus three statements for late
declarations; it is idempotent, so a rerun (or a resumed run) writes only what is missing. It is the `execute` of
the batch kind `contributions.bases` (`core.batch`, yearly, registered in `items/wages.py`): the main run of a
region and year, then supplementary runs (补充批次) for late declarations and new employees; rows carry the run's id.

Per person of the chunk (active, category 单位职工, with an active enrolment with their unit) without a base in
force at the start of year Y:
- an approved declaration line of the unit for Y → the declared monthly wage bounded to [lower, upper]
  (source `declared`);
- otherwise → the lower bound (source `default`).
A `default` row at the start of Y whose unit's declaration has since been approved is superseded by a `declared`
row (a late declaration). Rows are never edited otherwise: a new row supersedes the old one (`superseded_by`).
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import Count, Max, Min
from django.urls import reverse
from django.utils import timezone

from shebao.core.access import is_staff, require_grant
from shebao.core.audit import audit_write
from shebao.core.batch import PERIOD_YEAR, BatchKind, batch_run, batch_start, key_ranges, region_prefix
from shebao.core.batch_models import BatchRun
from shebao.core.choices import Action
from shebao.core.errors import ApplicationError, NotFoundError
from shebao.core.models import Agency, Region
from shebao.registration.choices import EmployerStatus, EnrolmentStatus, PersonCategory, PersonStatus
from shebao.registration.models import Employer, Enrolment, Person
from shebao.rules.source import CachedSource

from ..choices import BaseSource, DeclarationStatus
from ..models import ContributionBase, WageDeclaration, WageDeclarationLine
from . import wages_rules as rules

ITEM = "020102"
KIND = "contributions.bases"
CHUNK_EMPLOYERS = 500


def region_get(code) -> Region:
    """A region by its GB/T 2260 code, else a 400 naming `region`."""
    if isinstance(code, Region):
        return code
    text = str(code or "").strip()
    region = Region.objects.filter(code=text).first() if text.isascii() and text.isdigit() else None
    if region is None:
        raise ApplicationError(f"区划代码 {text or '（空）'} 不存在", field="region")
    return region


def agencies_in(region: Region) -> list[Agency]:
    """The agencies whose region lies in `region` (the units they register are determined by the run)."""
    return list(Agency.objects.filter(region__code__startswith=region_prefix(region)).order_by("pk"))


# The columns the run filters and joins on (a column list also skips the costly expression-index statistics).
STATISTICS_COLUMNS = {
    Person: ("employer_id", "status", "category"),
    Employer: ("agency_id", "status"),
    Enrolment: ("person_id", "employer_id", "status"),
    ContributionBase: ("person_id", "employer_id", "year", "valid_from", "source", "superseded_by_id"),
    WageDeclaration: ("employer_id", "year", "status"),
    WageDeclarationLine: ("declaration_id", "person_id"),
}


def refresh_statistics() -> None:
    """ANALYZE the tables the run joins (PostgreSQL): after bulk loads (enrolments, imported declarations) the
    planner's row estimates can be stale enough to pick nested loops over thousands of rows (measured: 9 s instead
    of 20 ms for 4,000 persons). Cheap (a sample per table), done once when a run is planned."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cur:
        quote = connection.ops.quote_name
        cur.execute(
            "ANALYZE "
            + ", ".join(f"{_t(m)} ({', '.join(quote(c) for c in cols)})" for m, cols in STATISTICS_COLUMNS.items())
        )


def plan_base_chunks(region, year: int, *, size: int = CHUNK_EMPLOYERS) -> list[tuple[int, int]]:
    """The chunks of a run: inclusive ranges of employer ids, `size` active units each (in id order); the planner
    statistics of the tables the chunks join are refreshed first."""
    region = region_get(region)
    refresh_statistics()
    units = Employer.objects.filter(agency__in=agencies_in(region), status=EmployerStatus.ACTIVE)
    return key_ranges(units, size=size)


def _bound_groups(agencies: list[Agency], year: int) -> dict[tuple, list[int]]:
    """(year start, lower, upper) → agency ids: bounds are looked up once per agency region, not per person."""
    groups: dict[tuple, list[int]] = {}
    cache: dict[str, tuple] = {}
    params = CachedSource()
    for agency in agencies:
        if agency.region_id not in cache:
            start = rules.year_start(year, agency.region_id, params=params)
            b = rules.base_bounds(region=agency.region_id, year=year, params=params)
            cache[agency.region_id] = (start, b.lower, b.upper)
        groups.setdefault(cache[agency.region_id], []).append(agency.pk)
    return groups


def _t(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _adapt(start: dt.date, lower: Decimal, upper: Decimal) -> tuple:
    ops = connection.ops
    return (
        ops.adapt_datefield_value(start),
        ops.adapt_decimalfield_value(lower, 14, 2),
        ops.adapt_decimalfield_value(upper, 14, 2),
    )


def _bounded(column: str) -> str:
    """SQL of `column` bounded to [lower, upper] (params: lower, lower, upper, upper, column's absence → lower)."""
    return f"CASE WHEN {column} IS NULL OR {column} < %s THEN %s WHEN {column} > %s THEN %s ELSE {column} END"


def _insert_missing(year: int, start, lower, upper, agency_ids: list[int], lo: int, hi: int, tag: tuple, now) -> int:
    """INSERT … SELECT the base of every person of the chunk without one in force at the start of the year.

    Written so that the cost of a chunk does not grow with the table: the employer range is repeated on persons
    and enrolments (their employer indexes, not a scan and sort of every enrolment), and the NOT EXISTS probe carries
    `LIMIT 1 OFFSET 0` so that PostgreSQL keeps it a per-person index probe — flattened into an anti join, the
    planner, whose statistics say the base table is as small as when the run was planned, materialised the whole
    year's rows and compared every person with every row (minutes per chunk at 200,000 persons)."""
    cb, p, e = _t(ContributionBase), _t(Person), _t(Employer)
    d, line, en = _t(WageDeclaration), _t(WageDeclarationLine), _t(Enrolment)
    marks = ", ".join(["%s"] * len(agency_ids))
    sql = f"""
        INSERT INTO {cb} (person_id, employer_id, year, valid_from, base, declared_wage, source, case_id,
                          batch_run_id, superseded_by_id, created_at)
        SELECT p.id, p.employer_id, %s, %s, {_bounded("l.monthly_wage")}, l.monthly_wage,
               CASE WHEN l.id IS NULL THEN %s ELSE %s END, %s, %s, NULL, %s
        FROM {p} p
        JOIN {e} e ON e.id = p.employer_id
        LEFT JOIN {d} d ON d.employer_id = e.id AND d.year = %s AND d.status = %s
        LEFT JOIN {line} l ON l.declaration_id = d.id AND l.person_id = p.id
        WHERE e.id BETWEEN %s AND %s AND e.agency_id IN ({marks}) AND e.status = %s
          AND p.employer_id BETWEEN %s AND %s AND p.status = %s AND p.category = %s
          AND EXISTS (SELECT 1 FROM {en} en WHERE en.person_id = p.id AND en.employer_id = e.id
                      AND en.employer_id BETWEEN %s AND %s AND en.status = %s)
          AND NOT EXISTS (SELECT 1 FROM {cb} x WHERE x.person_id = p.id AND x.year = %s AND x.valid_from = %s
                          AND x.superseded_by_id IS NULL LIMIT 1 OFFSET 0)
    """
    params = [
        year,
        start,
        lower,
        lower,
        upper,
        upper,
        str(BaseSource.DEFAULT),
        str(BaseSource.DECLARED),
        *tag,
        now,
        year,
        str(DeclarationStatus.APPROVED),
        lo,
        hi,
        *agency_ids,
        str(EmployerStatus.ACTIVE),
        lo,
        hi,
        str(PersonStatus.ACTIVE),
        str(PersonCategory.EMPLOYEE),
        lo,
        hi,
        str(EnrolmentStatus.ACTIVE),
        year,
        start,
    ]
    with connection.cursor() as cur:
        cur.execute(sql, params)
        return max(cur.rowcount, 0)


def _replace_defaults(year: int, start, lower, upper, agency_ids: list[int], lo: int, hi: int, tag: tuple, now) -> int:
    """Late declarations: a `default` row at the start of the year whose unit has since declared the person's wage
    is superseded by a `declared` row. Three statements: mark the old rows (superseded_by = itself, a marker that
    lives only inside this transaction), insert the new rows, point the old rows at them."""
    cb, e, d, line = _t(ContributionBase), _t(Employer), _t(WageDeclaration), _t(WageDeclarationLine)
    marks = ", ".join(["%s"] * len(agency_ids))
    stale = f"""
        SELECT x.id FROM {cb} x
        JOIN {e} e ON e.id = x.employer_id
        JOIN {d} d ON d.employer_id = e.id AND d.year = x.year AND d.status = %s
        JOIN {line} l ON l.declaration_id = d.id AND l.person_id = x.person_id
        WHERE x.employer_id BETWEEN %s AND %s AND x.year = %s AND x.valid_from = %s AND x.source = %s
          AND x.superseded_by_id IS NULL AND e.agency_id IN ({marks})
    """
    stale_params = [str(DeclarationStatus.APPROVED), lo, hi, year, start, str(BaseSource.DEFAULT), *agency_ids]
    with connection.cursor() as cur:
        cur.execute(f"UPDATE {cb} SET superseded_by_id = id WHERE id IN ({stale})", stale_params)
        if cur.rowcount <= 0:
            return 0
        cur.execute(
            f"""
            INSERT INTO {cb} (person_id, employer_id, year, valid_from, base, declared_wage, source, case_id,
                              batch_run_id, superseded_by_id, created_at)
            SELECT x.person_id, x.employer_id, x.year, x.valid_from, {_bounded("l.monthly_wage")}, l.monthly_wage,
                   %s, %s, %s, NULL, %s
            FROM {cb} x
            JOIN {d} d ON d.employer_id = x.employer_id AND d.year = x.year AND d.status = %s
            JOIN {line} l ON l.declaration_id = d.id AND l.person_id = x.person_id
            WHERE x.superseded_by_id = x.id AND x.year = %s AND x.employer_id BETWEEN %s AND %s
            """,
            [
                lower,
                lower,
                upper,
                upper,
                str(BaseSource.DECLARED),
                *tag,
                now,
                str(DeclarationStatus.APPROVED),
                year,
                lo,
                hi,
            ],
        )
        written = max(cur.rowcount, 0)
        cur.execute(
            f"""
            UPDATE {cb} SET superseded_by_id = (
                SELECT n.id FROM {cb} n WHERE n.person_id = {cb}.person_id AND n.year = {cb}.year
                AND n.valid_from = {cb}.valid_from AND n.superseded_by_id IS NULL)
            WHERE superseded_by_id = id AND year = %s AND employer_id BETWEEN %s AND %s
            """,
            [year, lo, hi],
        )
    return written


def determine_bases_for_region(
    region, year: int, employer_id_range: tuple[int, int], *, case_id=None, run_id=None
) -> int:
    """020102 one chunk of the yearly run (set-based, idempotent): bases of the units with ids in the range, within
    `region`; returns the rows written. Runs inside the caller's transaction (the chunk commits as one)."""
    region = region_get(region)
    lo, hi = employer_id_range
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    rows = 0
    for (start, lower, upper), agency_ids in _bound_groups(agencies_in(region), year).items():
        args = (year, *_adapt(start, lower, upper), agency_ids, lo, hi, (case_id, run_id), now)
        rows += _replace_defaults(*args)
        rows += _insert_missing(*args)
    return rows


def determine_bases_for_employer(*, employer: Employer, year: int, actor=None, case=None) -> int:
    """The same determination for one unit (used when its declaration is approved after the yearly run)."""
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    start, lower, upper = next(iter(_bound_groups([employer.agency], year)))
    tag = (case.pk if case else None, None)
    args = (year, *_adapt(start, lower, upper), [employer.agency_id], employer.pk, employer.pk, tag, now)
    rows = _replace_defaults(*args) + _insert_missing(*args)
    if rows:
        audit_write(
            actor=actor,
            action="contribution_base.determine",
            item_code=ITEM,
            object_type="employer",
            object_id=employer.pk,
            after={"year": year, "rows": rows, "employer": employer.pk},
            case=case,
        )
    return rows


# -- the batch kind ----------------------------------------------------------------------------------------------


def plan_base_run(run) -> list[tuple[int, int]]:
    """`plan` of the kind: the run's region and year (`run.params["chunk_size"]` units per chunk, default 500)."""
    return plan_base_chunks(run.region_id, run.period.year, size=int(run.params.get("chunk_size", CHUNK_EMPLOYERS)))


def execute_base_chunk(run, chunk) -> int:
    """`execute` of the kind: one chunk's bases, each row tagged with the run (`batch_run_id`)."""
    return determine_bases_for_region(run.region_id, run.period.year, (chunk.key_from, chunk.key_to), run_id=run.pk)


BASE_KIND = BatchKind(
    name=KIND,
    label_zh="年度缴费基数核定",
    item_code=ITEM,
    plan=plan_base_run,
    execute=execute_base_chunk,
    period=PERIOD_YEAR,
    supplementary=True,
    result_link=lambda run: (
        f"查看{run.period.year}年度基数核定情况",
        f"{reverse('contributions:base-run')}?year={run.period.year}",
    ),
)


def contribution_bases_determine_region(*, actor, region, year, progress=None) -> dict:
    """020102 年度缴费基数核定 for a region: the main batch run of the year, or a supplementary run (补充批次) after it
    for what came since (late declarations, new employees); executed at once (in-process, or on Celery workers when
    a broker is configured). Handle grant, region within the actor's agency's (404), year refused naming `year`."""
    require_grant(actor, ITEM, Action.HANDLE)
    if not is_staff(actor):
        raise NotFoundError("区划不在您的数据范围内", field="region")
    where = region_get(region or actor.agency.region_id)
    if not where.code.startswith(region_prefix(actor.agency.region)):
        raise NotFoundError(f"区划 {where.code} 不在您的数据范围内", field="region")
    year = _check_run_year(year, where)
    earlier = BatchRun.objects.filter(kind=KIND, region=where, period=dt.date(year, 1, 1)).exists()
    run = batch_start(actor=actor, kind=KIND, region=where, period=str(year), supplementary=earlier)
    run = batch_run(run, progress=progress)
    return {
        "run": run.pk,
        "seq": run.seq,
        "status": run.status,
        "region": where.code,
        "year": year,
        "chunks": run.chunks_total,
        "rows": run.rows,
        **base_summary(where, year),
    }


def run_base_determination(
    region, year: int, *, actor=None, progress: Callable[[int, int, int, float], None] | None = None
) -> dict:
    """The yearly determination without a batch run record, each chunk in its own savepoint with one audit row —
    for seed_demo, which loads everything in one transaction where `batch_run` (durable chunks) cannot run."""
    region = region_get(region)
    chunks = plan_base_chunks(region, year)
    rows, began = 0, time.perf_counter()
    for number, (lo, hi) in enumerate(chunks, start=1):
        with transaction.atomic():
            written = determine_bases_for_region(region, year, (lo, hi))
            audit_write(
                actor=actor,
                action="contribution_base.determine",
                item_code=ITEM,
                object_type="region",
                object_id=region.code,
                after={"year": year, "chunk": number, "employers": [lo, hi], "rows": written},
            )
        rows += written
        if progress:
            progress(number, len(chunks), rows, time.perf_counter() - began)
    return {"region": region.code, "year": year, "chunks": len(chunks), "rows": rows, **base_summary(region, year)}


def base_summary(region, year: int) -> dict:
    """Bases in force for the year in a region: count per source, and the units with an approved declaration."""
    region = region_get(region)
    prefix = region_prefix(region)
    in_force = ContributionBase.objects.filter(
        year=year, superseded_by__isnull=True, employer__agency__region__code__startswith=prefix
    )
    by_source = dict(in_force.values_list("source").annotate(n=Count("pk")).order_by())
    stats = in_force.aggregate(lowest=Min("base"), highest=Max("base"))
    declared = WageDeclaration.objects.filter(
        year=year, status=DeclarationStatus.APPROVED, agency__region__code__startswith=prefix
    ).count()
    return {
        "by_source": {str(k): v for k, v in by_source.items()},
        "persons": in_force.values("person_id").distinct().count(),
        "declarations": declared,
        "lowest": str(stats["lowest"]) if stats["lowest"] is not None else None,
        "highest": str(stats["highest"]) if stats["highest"] is not None else None,
    }


def _check_run_year(year, region: Region) -> int:
    text = str(year if year is not None else "").strip()
    if not (text.isascii() and text.isdigit() and len(text) == 4):
        raise ApplicationError("缴费年度应为四位年份，如 2027", field="year")
    value = int(text)
    current = rules.contribution_year_of(timezone.localdate().replace(day=1), region.code)
    if not current - 1 <= value <= current + 1:
        raise ApplicationError(f"缴费年度应在{current - 1}至{current + 1}年之间", field="year")
    return value

"""020301 应缴额核定 as a batch kind (`contributions.assessment`, monthly, `shebao.core.batch`).

Plan (at start, in the start transaction): the parameter values of the month are resolved once per agency region
(`assessment_rules.resolve_run_rates`) and stored in the run (`params["resolved"]`); the chunks are
- employer id ranges (`key_ranges`, 500 employers each) of the region's agencies' employers that are active or
  were cancelled in or after the month (their employees' enrolments run to the cancellation month), and
- for persons without an employer — flexible workers (灵活就业人员) — person id ranges (10,000 each), stored as
  negative keys (−hi…−lo) so that one run, one key space and one progress bar cover both. Residents (城乡居民) pay
  yearly tiers, not a monthly rate on a base: they are not in the monthly assessment.

Execute (one chunk, one transaction, through the default connection):
1. settlement — an undeclared employer-level line of the month whose employer has since had its wage declaration
   for the year approved is reversed (kind settlement, negative amounts, `reverses` = the line; once per line);
2. undeclared — an employer without an approved declaration for the contribution year whose enrolled employees are
   on a `default` base (the yearly base run found nothing declared), with assessed lines the month before, is
   assessed at `contribution.undeclared_ratio` (110%) of that month's amounts per insurance type, employer and
   individual part separately, as employer-level lines (person null, kind undeclared). 社会保险费征缴暂行条例第十条:
   "缴费单位不按规定申报应缴纳的社会保险费数额的，由社会保险经办机构暂按该单位上月缴费数额的110%确定应缴数额".
   If last month was itself undeclared, its amounts carry over (the 110% does not compound). Without any amount
   the month before, its persons are assessed on their bases (the lower bound) — 条例第十条's "没有上月缴费数额的"
   fallback by headcount;
3. person lines — every person enrolled that month (employees of the chunk's employers not held by an unsettled
   undeclared line, or flexible workers of the chunk) with a base in force: ONE set-based `INSERT … SELECT` on
   PostgreSQL (`assessment_sql.py`), the same lines computed in Python on SQLite (`_employee_lines_python`).
A supplementary run (seq > 0) writes kind supplement and only what no earlier run covered; a person without a base
that month is left out (no line) and is picked up by a supplementary run once the base exists.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from django.db import connection
from django.db.models import Q, Sum
from django.urls import reverse
from django.utils import timezone

from shebao.core.batch import BatchKind, key_ranges, region_prefix
from shebao.core.batch_models import BatchRun
from shebao.core.errors import ApplicationError
from shebao.core.models import Agency
from shebao.core.money import to_fen
from shebao.registration.choices import EmployerStatus, EnrolmentStatus, PersonCategory, PersonStatus
from shebao.registration.models import Employer, Enrolment, Person
from shebao.rules.contributions import line_amount

from ..choices import ASSESSED_KINDS, BaseSource, DeclarationStatus, ReceivableKind
from ..models import ContributionBase, EmployerRate, PersonContributionChoice, Receivable, WageDeclaration
from . import assessment_sql as pg
from .assessment_rules import INJURY, RunRates, resolve_run_rates

KIND = "contributions.assessment"
ITEM = "020301"
EMPLOYER_CHUNK = 500
PERSON_CHUNK = 10_000


def run_agencies(region) -> list[Agency]:
    """The agencies whose region lies within the run's region (GB/T 2260 prefix)."""
    return list(Agency.objects.filter(region__code__startswith=region_prefix(region)).order_by("pk"))


def _size(run: BatchRun, name: str, default: int) -> int:
    value = run.params.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 1_000_000:
        raise ApplicationError(f"参数 {name} 应为1到1000000的整数", field="params")
    return value


def run_rates(run: BatchRun) -> RunRates:
    """The values the run applies, as resolved when it was planned."""
    return RunRates.from_json(run.params["resolved"])


def plan(run: BatchRun) -> list[tuple[int, int]]:
    """Resolve the month's parameters into the run, then the chunks: employer ranges, then flexible-worker ranges."""
    month = run.period
    agencies = run_agencies(run.region)
    ids = [a.pk for a in agencies]
    rates = resolve_run_rates(month, agencies)
    run.params = {**run.params, "resolved": rates.as_json()}
    BatchRun.objects.filter(pk=run.pk).update(params=run.params)
    employers = Employer.objects.filter(agency_id__in=ids).filter(
        Q(status=EmployerStatus.ACTIVE) | Q(cancelled_on__gte=month)
    )
    persons = Person.objects.filter(agency_id__in=ids, category=PersonCategory.FLEXIBLE, employer__isnull=True).filter(
        Q(status=PersonStatus.ACTIVE) | Q(terminated_on__gte=month)
    )
    chunks = key_ranges(employers, size=_size(run, "chunk_size", EMPLOYER_CHUNK))
    flexible = key_ranges(persons, size=_size(run, "person_chunk_size", PERSON_CHUNK))
    return chunks + [(-hi, -lo) for lo, hi in flexible]


def execute(run: BatchRun, chunk) -> int:
    """One chunk: settlements, undeclared lines and person lines of its employers (or its flexible workers)."""
    rates = run_rates(run)
    set_based = connection.vendor == "postgresql" and not run.params.get("portable")
    if chunk.key_to < 0:
        lo, hi = -chunk.key_to, -chunk.key_from
        if set_based:
            return pg.flexible_lines(run, rates, lo, hi)
        return _flexible_lines_python(run, rates, lo, hi)
    lo, hi = chunk.key_from, chunk.key_to
    rows = settle_declared(run, rates, lo, hi)
    rows += assess_undeclared(run, rates, lo, hi)
    if set_based:
        return rows + pg.employee_lines(run, rates, lo, hi, sorted(_unsettled_undeclared(rates, lo, hi)))
    return rows + _employee_lines_python(run, rates, lo, hi)


ASSESSMENT_KIND = BatchKind(
    name=KIND,
    label_zh="月度应缴核定",
    item_code=ITEM,
    plan=plan,
    execute=execute,
    period="month",
    supplementary=True,
    result_link=lambda run: (
        f"查看{run.period:%Y-%m}核定汇总",
        f"{reverse('contributions:assessment-month')}?month={run.period:%Y-%m}",
    ),
)


# --------------------------------------------------------------------------------------------------------------
# Undeclared employers (社会保险费征缴暂行条例第十条) and their settlement
# --------------------------------------------------------------------------------------------------------------


def _chunk_employers(rates: RunRates, lo: int, hi: int) -> dict[int, int]:
    """employer id → agency id of the chunk's employers in the run's agencies."""
    return dict(
        Employer.objects.filter(pk__range=(lo, hi), agency_id__in=list(rates.agencies)).values_list("pk", "agency_id")
    )


def _approved(employers: dict[int, int], rates: RunRates) -> set[int]:
    """The employers with an approved wage declaration for the contribution year of the month."""
    years = {rates.for_agency(a).year for a in set(employers.values())}
    found = WageDeclaration.objects.filter(
        employer_id__in=list(employers), year__in=years, status=DeclarationStatus.APPROVED
    ).values_list("employer_id", "year")
    return {e for e, year in found if rates.for_agency(employers[e]).year == year}


def settle_declared(run: BatchRun, rates: RunRates, lo: int, hi: int) -> int:
    """Reverse the month's undeclared lines of employers that have declared since (once per line)."""
    open_lines = list(
        Receivable.objects.filter(
            employer_id__gte=lo,
            employer_id__lte=hi,
            period=rates.month,
            kind=ReceivableKind.UNDECLARED,
            person__isnull=True,
            agency_id__in=list(rates.agencies),
        ).exclude(
            pk__in=Receivable.objects.filter(kind=ReceivableKind.SETTLEMENT, reverses__isnull=False).values(
                "reverses_id"
            )
        )
    )
    if not open_lines:
        return 0
    declared = _approved({u.employer_id: u.agency_id for u in open_lines}, rates)
    now = timezone.now()
    lines = [
        Receivable(
            kind=ReceivableKind.SETTLEMENT,
            agency_id=u.agency_id,
            employer_id=u.employer_id,
            insurance_type_id=u.insurance_type_id,
            period=u.period,
            base=u.base,
            employer_rate=u.employer_rate,
            employer_amount=-u.employer_amount,
            individual_rate=u.individual_rate,
            individual_amount=-u.individual_amount,
            due_date=u.due_date,
            batch_run=run,
            reverses=u,
            note="已补办申报，按实核定后冲销暂定应缴额（社会保险费征缴暂行条例第十条）",
            created_at=now,
        )
        for u in open_lines
        if u.employer_id in declared
    ]
    Receivable.objects.bulk_create(lines)
    return len(lines)


DEFAULT_BASE_IN_FORCE = """
SELECT DISTINCT e.employer_id FROM registration_enrolment e
JOIN contributions_contributionbase cb ON cb.person_id = e.person_id
WHERE e.employer_id IN ({employers}) AND e.start_month <= %s AND ((e.end_month IS NULL AND e.status = %s)
      OR e.end_month >= %s)
  AND cb.year = %s AND cb.superseded_by_id IS NULL AND cb.valid_from <= %s AND cb.source = %s
  AND NOT EXISTS (
    SELECT 1 FROM contributions_contributionbase later
    WHERE later.person_id = cb.person_id AND later.year = cb.year AND later.superseded_by_id IS NULL
      AND later.valid_from > cb.valid_from AND later.valid_from <= %s)
"""


def _on_default_bases(employers: list[int], year: int, month: dt.date) -> set[int]:
    """Employers with at least one employee enrolled in the month whose base in force is the undeclared default."""
    if not employers:
        return set()
    sql = DEFAULT_BASE_IN_FORCE.format(employers=", ".join(["%s"] * len(employers)))
    params = [*employers, month, EnrolmentStatus.ACTIVE, month, year, month, BaseSource.DEFAULT, month]
    with connection.cursor() as cur:
        cur.execute(sql, params)
        return {row[0] for row in cur.fetchall()}


def undeclared_employers(rates: RunRates, lo: int, hi: int) -> set[int]:
    """The chunk's employers that did not declare (see the module docstring) and have no person line this month."""
    employers = _chunk_employers(rates, lo, hi)
    declared = _approved(employers, rates)
    candidates = {e: a for e, a in employers.items() if e not in declared}
    if not candidates:
        return set()
    found: set[int] = set()
    by_year: dict[int, list[int]] = defaultdict(list)
    for e, a in candidates.items():
        by_year[rates.for_agency(a).year].append(e)
    for year, ids in by_year.items():
        found |= _on_default_bases(ids, year, rates.month)
    if found:
        assessed = Receivable.objects.filter(
            employer_id__in=list(found), period=rates.month, kind__in=ASSESSED_KINDS
        ).values_list("employer_id", flat=True)
        found -= set(assessed)
    return found


def assess_undeclared(run: BatchRun, rates: RunRates, lo: int, hi: int) -> int:
    """Employer-level lines at 110% of last month's amounts for the chunk's undeclared employers."""
    found = undeclared_employers(rates, lo, hi)
    if not found:
        return 0
    before = pg.previous_month(rates.month)
    reference: dict[tuple[int, str], dict] = {}
    persons = (
        Receivable.objects.filter(
            employer_id__in=list(found),
            period=before,
            kind__in=(ReceivableKind.ASSESSMENT, ReceivableKind.SUPPLEMENT),
            person__isnull=False,
        )
        .values("employer_id", "insurance_type_id", "agency_id")
        .annotate(employer=Sum("employer_amount"), individual=Sum("individual_amount"))
        .order_by()
    )
    for r in persons:
        reference[(r["employer_id"], r["insurance_type_id"])] = {**r, "carried": False}
    carried = Receivable.objects.filter(
        employer_id__in=list(found), period=before, kind=ReceivableKind.UNDECLARED, person__isnull=True
    )
    for u in carried:
        reference.setdefault(
            (u.employer_id, u.insurance_type_id),
            {
                "agency_id": u.agency_id,
                "employer": u.employer_amount,
                "individual": u.individual_amount,
                "base": u.base,
                "carried": True,
            },
        )
    now = timezone.now()
    lines = []
    for (employer_id, code), r in sorted(reference.items()):
        rate_set = rates.for_agency(r["agency_id"]) if r["agency_id"] in rates.agencies else None
        if rate_set is None:
            continue
        ratio = rate_set.undeclared_ratio
        if r["carried"]:
            employer_amount, individual_amount, base = r["employer"], r["individual"], r["base"]
            note = f"上月（{before:%Y-%m}）亦未申报，沿用上月暂定应缴额（社会保险费征缴暂行条例第十条）"
        else:
            employer_amount, individual_amount = to_fen(r["employer"] * ratio), to_fen(r["individual"] * ratio)
            base = to_fen(r["employer"] + r["individual"])
            note = (
                f"未申报，暂按上月（{before:%Y-%m}）缴费数额 {base} 元的 {ratio} 倍确定（社会保险费征缴暂行条例第十条）"
            )
        lines.append(
            Receivable(
                kind=ReceivableKind.UNDECLARED,
                agency_id=r["agency_id"],
                employer_id=employer_id,
                insurance_type_id=code,
                period=rates.month,
                base=base,
                employer_rate=ratio,
                employer_amount=employer_amount,
                individual_rate=ratio,
                individual_amount=individual_amount,
                due_date=rate_set.due_date,
                batch_run=run,
                note=note,
                created_at=now,
            )
        )
    Receivable.objects.bulk_create(lines)
    return len(lines)


# --------------------------------------------------------------------------------------------------------------
# The portable path (SQLite): the same person lines, computed in Python with `shebao.rules.line_amount`
# --------------------------------------------------------------------------------------------------------------


def _in_force(month: dt.date) -> Q:
    return Q(start_month__lte=month) & (
        Q(end_month__isnull=True, status=EnrolmentStatus.ACTIVE) | Q(end_month__gte=month)
    )


def _covered(rates: RunRates, persons) -> set[tuple[int, str]]:
    return set(
        Receivable.objects.filter(person_id__in=persons, period=rates.month, kind__in=ASSESSED_KINDS).values_list(
            "person_id", "insurance_type_id"
        )
    )


def _unsettled_undeclared(rates: RunRates, lo: int, hi: int) -> set[int]:
    settled = Receivable.objects.filter(kind=ReceivableKind.SETTLEMENT, reverses__isnull=False).values("reverses_id")
    return set(
        Receivable.objects.filter(
            employer_id__gte=lo,
            employer_id__lte=hi,
            period=rates.month,
            kind=ReceivableKind.UNDECLARED,
            person__isnull=True,
        )
        .exclude(pk__in=settled)
        .values_list("employer_id", flat=True)
    )


def _latest(rows) -> dict:
    """key → value of the row with the latest valid_from (rows ordered by valid_from)."""
    out = {}
    for key, value in rows:
        out[key] = value
    return out


def _write(run: BatchRun, lines: list[dict]) -> int:
    kind = ReceivableKind.ASSESSMENT if run.seq == 0 else ReceivableKind.SUPPLEMENT
    now = timezone.now()
    Receivable.objects.bulk_create(
        [Receivable(kind=kind, batch_run=run, created_at=now, note="", **line) for line in lines], batch_size=2000
    )
    return len(lines)


def _employee_lines_python(run: BatchRun, rates: RunRates, lo: int, hi: int) -> int:
    """Person lines of employers lo..hi computed in Python (same selection and amounts as `pg.employee_lines`)."""
    month = rates.month
    blocked = _unsettled_undeclared(rates, lo, hi)
    employers = {
        e["pk"]: e
        for e in Employer.objects.filter(pk__range=(lo, hi), agency_id__in=list(rates.agencies))
        .exclude(pk__in=blocked)
        .values("pk", "agency_id", "injury_risk_class")
    }
    own = _latest(
        EmployerRate.objects.filter(employer_id__in=list(employers), insurance_type_id=INJURY, valid_from__lte=month)
        .order_by("valid_from")
        .values_list("employer_id", "employer_rate")
    )
    enrolments = list(
        Enrolment.objects.filter(employer_id__in=list(employers))
        .filter(_in_force(month))
        .values_list("person_id", "insurance_type_id", "employer_id")
    )
    persons = {p for p, _, _ in enrolments}
    years = {s.year for s in rates.sets}
    bases = _latest(
        ((b[0], b[1]), b[2])
        for b in ContributionBase.objects.filter(
            person_id__in=persons, year__in=years, valid_from__lte=month, superseded_by__isnull=True
        )
        .order_by("valid_from")
        .values_list("person_id", "year", "base")
    )
    covered = _covered(rates, persons)
    lines = []
    for person_id, code, employer_id in sorted(enrolments):
        employer = employers[employer_id]
        rate_set = rates.for_agency(employer["agency_id"])
        base = bases.get((person_id, rate_set.year))
        if base is None or code not in rate_set.employee or (person_id, code) in covered:
            continue
        employer_rate, individual_rate = rate_set.employee[code]
        if code == INJURY:
            employer_rate = own.get(employer_id, rate_set.injury.get(employer["injury_risk_class"]))
        if employer_rate is None or (employer_rate == 0 and individual_rate == 0):
            continue
        covered.add((person_id, code))
        lines.append(
            _line(
                rate_set,
                employer["agency_id"],
                employer_id,
                person_id,
                code,
                base,
                employer_rate,
                individual_rate,
                month,
            )
        )
    return _write(run, lines)


def _line(rate_set, agency_id, employer_id, person_id, code, base, employer_rate, individual_rate, month) -> dict:
    return {
        "agency_id": agency_id,
        "employer_id": employer_id,
        "person_id": person_id,
        "insurance_type_id": code,
        "period": month,
        "base": base,
        "employer_rate": employer_rate,
        "employer_amount": line_amount(base, employer_rate),
        "individual_rate": individual_rate,
        "individual_amount": line_amount(base, individual_rate),
        "due_date": rate_set.due_date,
    }


def _flexible_lines_python(run: BatchRun, rates: RunRates, lo: int, hi: int) -> int:
    """Person lines of flexible workers lo..hi computed in Python (same as `pg.flexible_lines`)."""
    month = rates.month
    persons = dict(
        Person.objects.filter(
            pk__range=(lo, hi),
            agency_id__in=list(rates.agencies),
            category=PersonCategory.FLEXIBLE,
            employer__isnull=True,
        ).values_list("pk", "agency_id")
    )
    enrolments = list(
        Enrolment.objects.filter(person_id__in=list(persons), employer__isnull=True)
        .filter(_in_force(month))
        .values_list("person_id", "insurance_type_id")
    )
    choices = _latest(
        ((c[0], c[1]), c[2])
        for c in PersonContributionChoice.objects.filter(
            person_id__in=list(persons), base__isnull=False, valid_from__lte=month, superseded_by__isnull=True
        )
        .order_by("valid_from")
        .values_list("person_id", "insurance_type_id", "base")
    )
    covered = _covered(rates, list(persons))
    lines = []
    for person_id, code in sorted(enrolments):
        rate_set = rates.for_agency(persons[person_id])
        rate, base = rate_set.flexible.get(code), choices.get((person_id, code))
        if rate is None or base is None or rate == 0 or (person_id, code) in covered:
            continue
        covered.add((person_id, code))
        lines.append(_line(rate_set, persons[person_id], None, person_id, code, base, Decimal(0), rate, month))
    return _write(run, lines)

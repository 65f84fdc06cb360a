"""02020101 费率核定, region-wide: the initial work-injury rate of every active employer that has none, set-based.

`contributions determine-rates --region R --from YYYY-MM [--grade 1.0]` runs `employer_rate_determine_region`: one
`INSERT … SELECT … RETURNING` per agency region under R (its parameters may differ), the rate of each risk class
computed once by `rates_rules.injury_rate`, one audit row per rate written with COPY. Employers skipped: those with
a 410 rate already, with an open rate case, or with 410 months already assessed on or after their first month
(those need a case with the adjustment path). Rerunning adds nothing for employers it already rated.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone

from shebao.core import validation as v
from shebao.core.access import is_staff, require_grant
from shebao.core.audit import AuditEntry, audit_write_many
from shebao.core.cases import next_number
from shebao.core.choices import Action
from shebao.core.errors import ApplicationError
from shebao.core.models import Agency, CaseKey, Region
from shebao.registration.models import Employer, EmployerInsurance

from ..choices import ASSESSED_KINDS
from ..models import EmployerRate, Receivable
from . import rates_rules as rules
from .rates import INJURY, rate_key


@dataclass
class RegionDetermination:
    """What a region-wide determination did: rates created per risk class and agency, and what it skipped."""

    region: str
    from_month: dt.date
    float_grade: Decimal
    created: int = 0
    by_class: dict[int, int] = field(default_factory=dict)
    by_agency: dict[str, int] = field(default_factory=dict)
    classes_refused: dict[int, str] = field(default_factory=dict)  # class → why no rate (grade not allowed…)
    skipped_assessed: int = 0


def _agencies_under(region: Region, actor) -> dict[str, list[int]]:
    """agency region code → agency ids of the agencies in `region` (and, for staff, within their scope)."""
    out: dict[str, list[int]] = {}
    qs = Agency.objects.select_related("region__parent__parent")
    if actor is not None and is_staff(actor):
        qs = qs.filter(path__startswith=actor.agency.path)
    for agency in qs:
        if region.code in agency.region.lineage_codes():
            out.setdefault(agency.region_id, []).append(agency.pk)
    return out


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


def _insert_sql(classes: list[int], agency_count: int) -> str:
    rate, emp, ins = (_q(m._meta.db_table) for m in (EmployerRate, Employer, EmployerInsurance))
    keys, recv = _q(CaseKey._meta.db_table), _q(Receivable._meta.db_table)
    case = " ".join(["WHEN %s THEN %s"] * len(classes))
    first = "CASE WHEN ei.start_month > %s THEN ei.start_month ELSE %s END"
    kinds = ", ".join(["%s"] * len(ASSESSED_KINDS))
    agencies = ", ".join(["%s"] * agency_count)
    return (
        f"INSERT INTO {rate} (employer_id, insurance_type_id, valid_from, risk_class, float_grade, employer_rate, "
        "case_id, created_at) "
        f"SELECT e.id, %s, {first}, e.injury_risk_class, %s, CASE e.injury_risk_class {case} END, NULL, %s "
        f"FROM {emp} e JOIN {ins} ei ON ei.employer_id = e.id AND ei.insurance_type_id = %s AND ei.active "
        f"WHERE e.status = 'active' AND e.agency_id IN ({agencies}) "
        f"AND e.injury_risk_class IN ({', '.join(['%s'] * len(classes))}) "
        f"AND NOT EXISTS (SELECT 1 FROM {rate} r WHERE r.employer_id = e.id AND r.insurance_type_id = %s) "
        f"AND NOT EXISTS (SELECT 1 FROM {keys} k WHERE k.{_q('key')} = %s || CAST(e.id AS TEXT)) "
        f"AND NOT EXISTS (SELECT 1 FROM {recv} x WHERE x.employer_id = e.id AND x.insurance_type_id = %s "
        f"AND x.kind IN ({kinds}) AND x.period >= {first}) "
        "RETURNING id, employer_id, valid_from, risk_class, employer_rate"
    )


def _skipped_assessed(agency_ids: list[int], month) -> int:
    """Employers without a rate left out because 410 months from their first month are already assessed."""
    from django.db.models import Exists, OuterRef

    assessed = Receivable.objects.filter(
        employer_id=OuterRef("employer_id"),
        insurance_type_id=INJURY,
        kind__in=ASSESSED_KINDS,
        period__gte=month,
    ).filter(period__gte=OuterRef("start_month"))
    return (
        EmployerInsurance.objects.filter(
            employer__agency_id__in=agency_ids,
            employer__status="active",
            insurance_type_id=INJURY,
            active=True,
        )
        .exclude(employer__rates__insurance_type_id=INJURY)
        .filter(Exists(assessed))
        .count()
    )


@transaction.atomic
def employer_rate_determine_region(*, actor=None, region: str, from_month, float_grade="1.0") -> RegionDetermination:
    """02020101 费率核定 for a whole region: every active employer in work-injury insurance without a 410 rate gets
    its class's base rate × `float_grade` (default 1.0) from max(`from_month`, its 410 start month)."""
    if actor is not None:
        require_grant(actor, "02020101", Action.HANDLE)
    errors = v.Errors()
    place = Region.objects.select_related("parent__parent").filter(code=str(region or "").strip()).first()
    if place is None:
        errors.add("region", f"未知的行政区划代码 {region}")
    month = errors.capture(v.parse_month, from_month, "from_month", "起始月")
    grade = errors.capture(rules.parse_decimal, float_grade, "float_grade", "浮动费率档次", places=3)
    errors.raise_if_any()
    next_number("contributions.determine_rates")  # row lock: concurrent region runs queue instead of colliding
    agencies = _agencies_under(place, actor)
    if not agencies:
        raise ApplicationError(f"区划 {place.code} 下没有您可办理的经办机构", field="region")
    out = RegionDetermination(region=place.code, from_month=month, float_grade=grade)
    now = timezone.now()
    created: list[tuple] = []
    for agency_region, agency_ids in sorted(agencies.items()):
        rates: dict[int, Decimal] = {}
        for risk_class in range(1, 9):
            try:
                rates[risk_class] = rules.injury_rate(risk_class, grade, region=agency_region, on=month).employer_rate
            except ApplicationError as exc:
                out.classes_refused[risk_class] = exc.message
        out.skipped_assessed += _skipped_assessed(agency_ids, month)
        if not rates:
            continue
        classes = sorted(rates)
        day = connection.ops.adapt_datefield_value(month)
        params = [
            INJURY,
            day,
            day,
            grade.quantize(rules.GRADE_PLACES),
            *[x for c in classes for x in (c, rates[c])],
            connection.ops.adapt_datetimefield_value(now),
            INJURY,
            *agency_ids,
            *classes,
            INJURY,
            rate_key(0).key[:-1],  # "0202:employer-rate:" — the open-case key prefix
            INJURY,
            *ASSESSED_KINDS,
            day,
            day,
        ]
        with connection.cursor() as cur:
            cur.execute(_insert_sql(classes, len(agency_ids)), params)
            rows = cur.fetchall()
        created += rows
        out.by_agency[agency_region] = len(rows)
    for _, _, _, risk_class, _ in created:
        out.by_class[risk_class] = out.by_class.get(risk_class, 0) + 1
    out.created = len(created)
    audit_write_many(
        actor=actor,
        item_code="02020101",
        entries=[
            AuditEntry(
                "employer_rate.determine_region",
                "employer_rate",
                str(pk),
                None,
                {
                    "employer": employer_id,
                    "insurance_type": INJURY,
                    "valid_from": str(valid_from)[:10],
                    "risk_class": risk_class,
                    "float_grade": grade,
                    "employer_rate": Decimal(str(rate)),
                    "region": place.code,
                },
            )
            for pk, employer_id, valid_from, risk_class, rate in created
        ],
    )
    return out

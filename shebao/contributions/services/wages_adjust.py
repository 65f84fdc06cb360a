"""020103 缴费基数调整: a person's base corrected for past months (audit finding, ruling, supervision, self-report,
or a change of national rules), with the differences written to the receivable ledger.

A case names the person, the months (from–to, within one contribution year), the corrected base and the source.
On approval:
- a new `ContributionBase` row (source `adjusted`) from the first month supersedes the person's rows of that year
  starting inside the months; when the months end before the year does, the base in force before the correction
  resumes the month after (a new row copying it);
- for each month already in the ledger and each insurance type the person was assessed for that month, one
  ADJUSTMENT line = what the corrected base owes (rates in force that month: `contribution.rate.<type>.*`, work
  injury from the unit's `EmployerRate` else its risk class's base rate) minus what the ledger already holds for
  that person, type and month (assessed, supplementary, back-payment and earlier adjustment lines), each part
  rounded to the fen once; negative when the base goes down (the refund itself is 020304's);
- where the unit is at fault (an under-declaration found by audit, supervision or a ruling, or self-reported) and
  the difference is owed, a LATE_FEE line per month and type: 0.05% a day of the difference from the day after
  that month's due date to the approval date (社会保险法第八十六条); a change of national rules carries none.
Months not yet assessed get no line: the monthly assessment reads the new base.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone

from shebao.core import validation as v
from shebao.core.audit import audit_write
from shebao.core.cases import case_open, subject_key
from shebao.core.choices import Role
from shebao.core.errors import ApplicationError, ConflictError
from shebao.core.materials import SubmittedMaterials
from shebao.core.models import Case
from shebao.core.money import to_fen
from shebao.core.payloads import Payload, load_payload
from shebao.core.records import channel_for
from shebao.registration.choices import PersonCategory
from shebao.registration.models import Employer, Person
from shebao.registration.services.common import ensure_person_scope

from ..choices import ASSESSED_KINDS, BaseSource, ReceivableKind
from ..models import ContributionBase, EmployerRate, Receivable
from ..selectors.wages import base_in_force
from . import wages_rules as rules
from .wages import _parse_wage
from .wages_bases import supersede

ITEM = "020103"
SOURCES = {
    "audit": "稽核查处",
    "supervision": "基金监管、劳动保障监察查处",
    "ruling": "劳动人事争议仲裁、法院裁决",
    "self_report": "单位自查申报",
    "policy": "国家规定调整",
}
SOURCE_CHOICES = list(SOURCES.items())  # the API schema names this enum (settings ENUM_NAME_OVERRIDES)
# The unit's fault (under-declared wages): the difference carries the late fee from each month's due date.
LATE_FEE_SOURCES = ("audit", "supervision", "ruling", "self_report")
OWED_KINDS = (*ASSESSED_KINDS, ReceivableKind.BACK_PAYMENT, ReceivableKind.ADJUSTMENT)


@dataclass
class BaseAdjustPayload(Payload):
    """020103 request: person, months, corrected base, source, document number and reason."""

    person: int
    employer: int | None
    year: int
    from_month: dt.date
    to_month: dt.date
    base: Decimal
    source: str
    document_no: str = ""
    reason: str = ""


@transaction.atomic
def contribution_base_adjust(
    *,
    actor,
    person: Person,
    from_month,
    to_month,
    base,
    source: str,
    reason: str = "",
    document_no: str = "",
    channel: str | None = None,
    materials: SubmittedMaterials | None = None,
) -> Case:
    """020103 缴费基数调整: correct a person's base for past months; the differences are assessed on approval."""
    ensure_person_scope(actor, person)  # 404 outside scope
    if person.category != PersonCategory.EMPLOYEE:
        raise ApplicationError("该人员不是单位职工（灵活就业人员的基数请办理费额调整）", field="person")
    region = person.agency.region_id
    errors = v.Errors()
    allowed = ("self_report",) if actor.role == Role.EMPLOYER else tuple(SOURCES)
    if source not in allowed:
        names = "、".join(SOURCES[s] for s in allowed)
        errors.add("source", f"调整依据无效（{names}）")
    first = errors.capture(v.parse_month, from_month, "from_month", "调整起始月")
    last = errors.capture(v.parse_month, to_month, "to_month", "调整截止月")
    this_month = timezone.localdate().replace(day=1)
    year = None
    if first and last:
        if last < first:
            errors.add("to_month", "调整截止月不能早于起始月")
        elif last > this_month:
            errors.add("to_month", f"调整截止月不能晚于本月（{this_month:%Y-%m}）；以后月份的基数请办理缴费基数核定")
        else:
            year = rules.contribution_year_of(first, region)
            if rules.contribution_year_of(last, region) != year:
                start, end = rules.year_months(year, region)
                errors.add("to_month", f"调整月份应在同一缴费年度内（{start:%Y-%m}至{end:%Y-%m}），跨年度请分别申报")
                year = None
    amount = None
    text = str(base if base is not None else "").strip()
    if not text:
        errors.add("base", "调整后缴费基数不能为空")
    else:
        amount, problem = _parse_wage(text)
        if problem:
            errors.add("base", f"调整后缴费基数{problem}")
        elif year is not None:
            b = rules.base_bounds(region=region, year=year)
            if not b.lower <= amount <= b.upper:
                errors.add("base", f"调整后缴费基数应在{year}缴费年度的基数上下限之间（{b.lower}至{b.upper}元）")
    reason_text = errors.capture(v.required, reason, "reason", "调整原因", max_length=200)
    doc = errors.capture(v.optional, document_no, "document_no", "文书编号", max_length=50)
    errors.raise_if_any()
    payload = BaseAdjustPayload(
        person=person.pk,
        employer=person.employer_id,
        year=year,
        from_month=first,
        to_month=last,
        base=to_fen(amount),
        source=source,
        document_no=doc or "",
        reason=reason_text,
    )
    return case_open(
        actor=actor,
        item_code=ITEM,
        agency=person.agency,
        channel=channel_for(actor, channel),
        summary=f"缴费基数调整：{person.name} {first:%Y-%m}至{last:%Y-%m} 调整为{payload.base}元（{SOURCES[source]}）",
        person=person,
        employer=person.employer,
        payload=payload,
        keys=[subject_key(ITEM, "person", person.pk, field="person", label="该人员")],
        materials=materials,
    )


def _months(first: dt.date, last: dt.date) -> list[dt.date]:
    out, month = [], first
    while month <= last:
        out.append(month)
        month = v.month_add(month, 1)
    return out


def _adjust_bases(case: Case, p: BaseAdjustPayload, person: Person) -> tuple[ContributionBase, list, list]:
    """The corrected row from the first month, the displaced rows superseded, the earlier base resuming after."""
    region = person.agency.region_id
    _, year_end = rules.year_months(p.year, region)
    after = v.month_add(p.to_month, 1)
    resume = base_in_force(person.pk, after, p.year) if after <= year_end else None
    old = list(
        ContributionBase.objects.select_for_update().filter(
            person=person,
            year=p.year,
            valid_from__gte=p.from_month,
            valid_from__lte=p.to_month,
            superseded_by__isnull=True,
        )
    )
    employer_id = p.employer or (old[0].employer_id if old else None)
    row = supersede(
        old,
        ContributionBase(
            person=person,
            employer_id=employer_id,
            year=p.year,
            valid_from=p.from_month,
            base=p.base,
            source=BaseSource.ADJUSTED,
            case=case,
        ),
    )
    created = [row]
    if resume is not None and resume.valid_from <= p.to_month:
        created.append(
            ContributionBase.objects.create(
                person=person,
                employer_id=resume.employer_id,
                year=p.year,
                valid_from=after,
                base=resume.base,
                declared_wage=resume.declared_wage,
                source=resume.source,
                case=case,
            )
        )
    return row, old, created


def _owed(person: Person, p: BaseAdjustPayload) -> dict[tuple, dict]:
    """(month, type, unit) → what the ledger already holds for the person, for groups holding an owed line."""
    rows = (
        Receivable.objects.filter(person=person, period__gte=p.from_month, period__lte=p.to_month)
        .exclude(kind__in=[ReceivableKind.LATE_FEE, ReceivableKind.REFUND])
        .values("period", "insurance_type_id", "employer_id")
        .annotate(
            employer_amount=Sum("employer_amount"),
            individual_amount=Sum("individual_amount"),
            owed=Count("pk", filter=Q(kind__in=OWED_KINDS)),
        )
        .order_by("period", "insurance_type_id")
    )
    return {(r["period"], r["insurance_type_id"], r["employer_id"]): r for r in rows if r["owed"]}


def _injury_rate(employer_id: int | None, month: dt.date) -> Decimal | None:
    if employer_id is None:
        return None
    row = (
        EmployerRate.objects.filter(employer_id=employer_id, insurance_type_id=rules.INJURY, valid_from__lte=month)
        .order_by("-valid_from")
        .first()
    )
    return row.employer_rate if row else None


def _ledger_lines(
    case: Case, p: BaseAdjustPayload, person: Person, today: dt.date
) -> tuple[list[Receivable], set[dt.date]]:
    """The ADJUSTMENT and LATE_FEE lines, and the months the ledger already held (assessed months)."""
    region = case.agency.region_id
    classes = dict(Employer.objects.filter(pk__in={p.employer} - {None}).values_list("pk", "injury_risk_class"))
    lines: list[Receivable] = []
    late = p.source in LATE_FEE_SOURCES
    owed = _owed(person, p)
    for (month, code, employer_id), held in owed.items():
        if employer_id not in classes and employer_id is not None:
            classes[employer_id] = Employer.objects.values_list("injury_risk_class", flat=True).get(pk=employer_id)
        rates = rules.contribution_rates(
            insurance_type=code,
            month=month,
            region=region,
            employer_rate=_injury_rate(employer_id, month) if code == rules.INJURY else None,
            risk_class=classes.get(employer_id),
        )
        employer_diff = to_fen(p.base * rates.employer) - to_fen(held["employer_amount"] or 0)
        individual_diff = to_fen(p.base * rates.individual) - to_fen(held["individual_amount"] or 0)
        if not employer_diff and not individual_diff:
            continue
        due = rules.due_date(month, region)
        common = {
            "agency": case.agency,
            "employer_id": employer_id,
            "person": person,
            "insurance_type_id": code,
            "period": month,
            "case": case,
        }
        lines.append(
            Receivable(
                kind=ReceivableKind.ADJUSTMENT,
                base=p.base,
                employer_rate=rates.employer,
                employer_amount=employer_diff,
                individual_rate=rates.individual,
                individual_amount=individual_diff,
                due_date=due,
                note=f"缴费基数调整为{p.base}元的差额（{SOURCES[p.source]}）",
                **common,
            )
        )
        principal = employer_diff + individual_diff
        if late and principal > 0:
            fee = rules.late_fee(principal=principal, due=due, until=today, region=region)
            if fee.amount > 0:
                lines.append(
                    Receivable(
                        kind=ReceivableKind.LATE_FEE,
                        base=principal,
                        employer_rate=fee.rate,
                        employer_amount=fee.amount,
                        due_date=today,
                        note=(
                            f"滞纳金：差额{principal}元×日{fee.rate}×{fee.days}天"
                            f"（{due + dt.timedelta(days=1)}至{today}；此后至缴纳之日续计）"
                        ),
                        **common,
                    )
                )
    return lines, {month for month, _, _ in owed}


def apply_base_adjust(*, case: Case, actor) -> dict:
    """Applier of 020103: the corrected base rows and the ADJUSTMENT (and LATE_FEE) lines of the assessed months."""
    p: BaseAdjustPayload = load_payload(case)
    person = Person.objects.select_for_update(of=("self",)).select_related("agency").get(pk=p.person)
    if person.category != PersonCategory.EMPLOYEE:
        raise ConflictError("该人员已不是单位职工，请退回", field="person")
    today = timezone.localdate()
    row, old, created = _adjust_bases(case, p, person)
    lines, assessed = _ledger_lines(case, p, person, today)
    Receivable.objects.bulk_create(lines)
    adjustments = [x for x in lines if x.kind == ReceivableKind.ADJUSTMENT]
    fees = [x for x in lines if x.kind == ReceivableKind.LATE_FEE]
    totals = {
        "employer_diff": str(sum((x.employer_amount for x in adjustments), Decimal("0.00"))),
        "individual_diff": str(sum((x.individual_amount for x in adjustments), Decimal("0.00"))),
        "late_fee": str(sum((x.employer_amount for x in fees), Decimal("0.00"))),
    }
    by_month: dict[str, list[str]] = defaultdict(list)
    for x in adjustments:
        by_month[x.period.isoformat()[:7]].append(x.insurance_type_id)
    audit_write(
        actor=actor,
        action="contribution_base.adjust",
        item_code=ITEM,
        object_type="person",
        object_id=person.pk,
        before={"bases": [{"valid_from": r.valid_from, "base": str(r.base), "source": r.source} for r in old]},
        after={
            "year": p.year,
            "from_month": p.from_month,
            "to_month": p.to_month,
            "base": str(p.base),
            "source": p.source,
            "rows": [r.pk for r in created],
            "lines": len(adjustments),
            "late_fee_lines": len(fees),
            **totals,
        },
        case=case,
    )
    return {
        "person_id": person.pk,
        "base_id": row.pk,
        "rows": [r.pk for r in created],
        "superseded": len(old),
        "lines": len(adjustments),
        "late_fee_lines": len(fees),
        "months": dict(sorted(by_month.items())),
        "not_assessed": [m.isoformat()[:7] for m in _months(p.from_month, p.to_month) if m not in assessed],
        **totals,
    }

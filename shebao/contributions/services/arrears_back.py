"""020303 补缴核定: months paid late — 应保未保, a base or rate adjustment, a person's lump sum, a lapsed deferral.

Amounts come from the rules library: each month's lines are `rules.contribution` (the function `back_payment`,
hence the `back-payment` calculator, uses), so a month's principal equals the calculator's; the late fee of a
month is `arrears_late_fee` on the month's whole amount (employer and individual part, which the unit withholds)
from the month's due date to the payment date, skipping the days a deferral covered. A month's fee is split over
its insurance types in proportion to their amounts (largest remainder, to the fen), so the lines of a month add up
to the calculator's fee exactly. Late fees are charged only where the unit is at fault (`LATE_FEE_REASONS`, unit
as payer); a person paying alone (lump sum, 灵活就业) pays none. For an adjustment the base is the difference of
the bases (补差).

On approval: one BACK_PAYMENT line per month and type and one LATE_FEE line per month and type with a fee, with
the ORIGINAL due date of the month (the fee lines fall due on the payment date); then any credit is applied.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from shebao.core import validation as v
from shebao.core.audit import audit_write
from shebao.core.cases import case_open, subject_key
from shebao.core.errors import ApplicationError, ConflictError
from shebao.core.models import Case
from shebao.core.payloads import Payload, load_payload
from shebao.core.records import channel_for
from shebao.registration.models import Employer, Person
from shebao.registration.services.common import ensure_employer_scope, ensure_person_scope
from shebao.rules import EMPLOYEE, FLEXIBLE, INSURANCE_TYPE_NAMES, RATED_TYPES, contribution, due_date
from shebao.rules.late_fees import MAX_BACK_PAYMENT_MONTHS, months_between

from ..choices import LATE_FEE_REASONS, BackPaymentReason, ReceivableKind
from ..models import Receivable
from .arrears_latefee import arrears_late_fee, deferral_windows
from .collection import parse_amount
from .collection_alloc import allocate_payers, lock_payers

ITEM = "020303"
ZERO = Decimal("0.00")


@dataclass
class BackPaymentPayload(Payload):
    """补缴申请: the payer (a unit, optionally for one employee; or a person alone), months, base, types, reason."""

    employer: int | None = None
    person: int | None = None
    from_month: dt.date | None = None
    to_month: dt.date | None = None
    base: Decimal = ZERO
    insurance_types: list[str] = field(default_factory=list)
    reason: str = ""
    paid_date: dt.date | None = None
    note: str = ""


@dataclass
class PlannedLine:
    """One line the approval will write."""

    kind: str
    insurance_type: str
    period: dt.date
    due_date: dt.date
    base: Decimal
    employer_rate: Decimal
    employer_amount: Decimal
    individual_rate: Decimal
    individual_amount: Decimal
    note: str = ""

    @property
    def total(self) -> Decimal:
        return self.employer_amount + self.individual_amount


def split_fen(total: Decimal, weights: list[Decimal]) -> list[Decimal]:
    """`total` split in proportion to `weights`, to the fen, the leftover fen to the largest remainders."""
    whole = sum(weights, ZERO)
    if not weights:
        return []
    if whole == 0:
        return [total] + [ZERO] * (len(weights) - 1)
    fen = int(total * 100)
    raw = [Decimal(fen) * w / whole for w in weights]
    parts = [int(r) for r in raw]
    order = sorted(range(len(raw)), key=lambda i: (raw[i] - parts[i], weights[i]), reverse=True)
    for i in order[: fen - sum(parts)]:
        parts[i] += 1
    return [Decimal(p) / 100 for p in parts]


def plan_lines(p: BackPaymentPayload, *, region: str | None, injury_class: int | None) -> list[PlannedLine]:
    """The ledger lines of a back-payment (pure but for reading deferrals): principal, then late fee, per month."""
    category = EMPLOYEE if p.employer else FLEXIBLE
    charge = bool(p.employer) and p.reason in LATE_FEE_REASONS
    fee_in_employer_part = bool(p.employer)
    windows = {t: deferral_windows(employer_id=p.employer, insurance_type=t) for t in p.insurance_types}
    out: list[PlannedLine] = []
    for month in months_between(p.from_month, p.to_month):
        owed = contribution(
            month=month,
            base=p.base,
            insurance_types=p.insurance_types,
            region=region,
            category=category,
            injury_class=injury_class if "410" in p.insurance_types else None,
        )
        due = due_date(month=month, region=region).date
        for line in owed.lines:
            out.append(
                PlannedLine(
                    ReceivableKind.BACK_PAYMENT,
                    line.insurance_type,
                    month,
                    due,
                    p.base,
                    line.employer_rate,
                    line.employer_amount,
                    line.individual_rate,
                    line.individual_amount,
                    f"补缴：{BackPaymentReason(p.reason).label}",
                )
            )
        if not charge:
            continue
        groups: dict[tuple, list] = {}
        for line in owed.lines:
            groups.setdefault(tuple(windows[line.insurance_type]), []).append(line)
        for group_windows, lines in groups.items():
            principal = sum((ln.employer_amount + ln.individual_amount for ln in lines), ZERO)
            fee = arrears_late_fee(
                principal=principal, due_date=due, paid_date=p.paid_date, region=region, windows=group_windows
            )
            if not fee.late_fee:
                continue
            shares = split_fen(fee.late_fee, [ln.employer_amount + ln.individual_amount for ln in lines])
            note = f"滞纳金：{due + dt.timedelta(days=1)} 至 {p.paid_date}，计 {fee.charged_days} 天"
            if fee.deferred_days:
                note += f"（缓缴期内 {fee.deferred_days} 天不计）"
            for ln, share in zip(lines, shares, strict=True):
                if share:
                    e, i = (share, ZERO) if fee_in_employer_part else (ZERO, share)
                    out.append(
                        PlannedLine(
                            ReceivableKind.LATE_FEE, ln.insurance_type, month, p.paid_date, ZERO, ZERO, e, ZERO, i, note
                        )
                    )
    return out


def _existing(p: BackPaymentPayload) -> Receivable | None:
    qs = Receivable.objects.filter(
        kind=ReceivableKind.BACK_PAYMENT,
        insurance_type_id__in=p.insurance_types,
        period__gte=p.from_month,
        period__lte=p.to_month,
    )
    qs = (
        qs.filter(employer_id=p.employer, person_id=p.person)
        if p.employer
        else qs.filter(employer__isnull=True, person_id=p.person)
    )
    return qs.order_by("period").first()


@transaction.atomic
def back_payment_assess(
    *,
    actor,
    employer: Employer | None = None,
    person: Person | None = None,
    from_month,
    to_month,
    base,
    insurance_types,
    reason,
    paid_date=None,
    note: str = "",
    channel: str | None = None,
) -> Case:
    """020303 补缴核定: months owed late by a unit (for itself or one employee) or by a person alone."""
    if employer is not None:
        ensure_employer_scope(actor, employer)
        if person is not None and person.employer_id != employer.pk:
            raise ApplicationError("该人员不是本单位职工", field="person")
    elif person is not None:
        ensure_person_scope(actor, person)
    else:
        raise ApplicationError("请指定补缴单位或个人", field="employer")
    agency = employer.agency if employer is not None else person.agency
    region = agency.region_id
    today = timezone.localdate()
    errors = v.Errors()
    first = errors.capture(v.parse_month, from_month, "from_month", "补缴起始月")
    last = errors.capture(v.parse_month, to_month, "to_month", "补缴截止月")
    amount = errors.capture(parse_amount, base, "base", "缴费基数")
    allowed = {c: INSURANCE_TYPE_NAMES[c] for c in RATED_TYPES}
    types = errors.capture(v.code_list, insurance_types, "insurance_types", allowed, "补缴险种") or []
    if not types and "insurance_types" not in errors.errors:
        errors.add("insurance_types", "请选择补缴险种")
    if reason not in BackPaymentReason.values:
        errors.add("reason", "补缴原因无效（应保未保、缴费基数或费率调整、一次性补缴、缓缴期满补缴）")
    elif reason == BackPaymentReason.LUMP_SUM and employer is not None:
        errors.add("reason", "一次性补缴仅适用于个人缴费人员，单位补缴请选择其他原因")
    elif reason == BackPaymentReason.DEFERRAL and employer is None:
        errors.add("reason", "缓缴期满补缴仅适用于单位")
    day = today if paid_date in (None, "") else errors.capture(v.parse_date, paid_date, "paid_date", "缴纳日期")
    if day and day < today:
        errors.add("paid_date", "缴纳日期不能早于今天（滞纳金计算到实际缴纳之日）")
    text = errors.capture(v.optional, note, "note", "说明", max_length=200)
    if first and last:
        if last < first:
            errors.add("to_month", "补缴截止月不能早于补缴起始月")
        elif len(months_between(first, last)) > MAX_BACK_PAYMENT_MONTHS:
            errors.add("to_month", f"一次补缴最多{MAX_BACK_PAYMENT_MONTHS}个月")
        elif last >= today.replace(day=1):
            errors.add("to_month", "补缴截止月应早于本月（本月及以后按月核定）")
    errors.raise_if_any()
    payload = BackPaymentPayload(
        employer=employer.pk if employer else None,
        person=person.pk if person else None,
        from_month=first,
        to_month=last,
        base=amount,
        insurance_types=types,
        reason=reason,
        paid_date=day,
        note=text,
    )
    lines = plan_lines(payload, region=region, injury_class=employer.injury_risk_class if employer else None)
    dup = _existing(payload)
    if dup is not None:
        raise ConflictError(
            f"{dup.period:%Y-%m} {dup.insurance_type_id} 已有补缴记录，不能重复补缴", field="from_month"
        )
    total = sum((ln.total for ln in lines), ZERO)
    payer = employer.name if employer else person.name
    key = f"e{employer.pk}" if employer else f"p{person.pk}"
    return case_open(
        actor=actor,
        item_code=ITEM,
        agency=agency,
        channel=channel_for(actor, channel),
        summary=f"补缴核定：{payer} {first:%Y-%m}至{last:%Y-%m}（{BackPaymentReason(reason).label}）{total:,.2f} 元",
        employer=employer,
        person=person,
        payload=payload,
        keys=[subject_key(ITEM, "payer", key, field="non_field_errors", label="该缴费主体")],
    )


def apply_back_payment(*, case: Case, actor) -> dict:
    """On approval: lock the payer, write the lines (recomputed from the payload), apply any credit."""
    p: BackPaymentPayload = load_payload(case)
    employer = Employer.objects.get(pk=p.employer) if p.employer else None
    lock_payers(employer_ids=[p.employer] if p.employer else [], person_ids=[] if p.employer else [p.person])
    if _existing(p) is not None:
        raise ConflictError("该期间已有补缴记录，不能重复补缴", field="from_month")
    lines = plan_lines(p, region=case.agency.region_id, injury_class=employer.injury_risk_class if employer else None)
    Receivable.objects.bulk_create(
        [
            Receivable(
                kind=ln.kind,
                agency=case.agency,
                employer_id=p.employer,
                person_id=p.person,
                insurance_type_id=ln.insurance_type,
                period=ln.period,
                base=ln.base,
                employer_rate=ln.employer_rate,
                employer_amount=ln.employer_amount,
                individual_rate=ln.individual_rate,
                individual_amount=ln.individual_amount,
                due_date=ln.due_date,
                case=case,
                note=ln.note[:200],
            )
            for ln in lines
        ]
    )
    principal = sum((ln.total for ln in lines if ln.kind == ReceivableKind.BACK_PAYMENT), ZERO)
    fee = sum((ln.total for ln in lines if ln.kind == ReceivableKind.LATE_FEE), ZERO)
    applied = allocate_payers(
        employer_ids=[p.employer] if p.employer else [], person_ids=[] if p.employer else [p.person]
    )
    audit_write(
        actor=actor,
        action="back_payment.assess",
        item_code=ITEM,
        object_type="employer" if p.employer else "person",
        object_id=p.employer or p.person,
        after={
            "from_month": p.from_month,
            "to_month": p.to_month,
            "reason": p.reason,
            "lines": len(lines),
            "principal": principal,
            "late_fee": fee,
        },
        case=case,
    )
    return {"lines": len(lines), "principal": str(principal), "late_fee": str(fee), "allocations": applied}

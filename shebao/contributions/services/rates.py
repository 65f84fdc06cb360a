"""02020101 费率核定 and 02020201 费率调整: an employer's own work-injury rate (410), dated, never edited.

The statutory types (110, 120, 210, 310, 510) take the region's dated parameters; only the work-injury rate is the
employer's own: the base rate of its risk class × its floating grade, recorded as an `EmployerRate` row from a
month. A change adds a row from its effective month; `employer_rate_for(employer, type, month)` returns the row in
force. Months already assessed are not re-rated silently: an effective month on or before the last assessed month
is refused unless the case asks for the adjustment path (`adjust_assessed`), whose applier hands the months to
`RATE_ADJUSTMENT_HOOKS` (020303 补缴核定 creates the differences there).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from shebao.core import validation as v
from shebao.core.access import require_grant
from shebao.core.audit import audit_write
from shebao.core.cases import CaseKeySpec, case_open, subject_key
from shebao.core.choices import Action
from shebao.core.errors import ApplicationError, ConflictError
from shebao.core.models import Case
from shebao.core.payloads import Payload, load_payload
from shebao.core.records import channel_for
from shebao.registration.choices import EmployerStatus
from shebao.registration.models import Employer, EmployerInsurance
from shebao.registration.services.common import ensure_employer_scope

from ..choices import ASSESSED_KINDS, RateChangeReason
from ..models import EmployerRate, Receivable
from . import rates_rules as rules

INJURY = rules.INJURY_TYPE

# Callables (employer, insurance_type, from_month, to_month, old_rate, new_rate, case, actor) run when an approved
# rate change reaches back into assessed months (the adjustment path); 020303 registers the difference lines here.
RATE_ADJUSTMENT_HOOKS: list[Callable[..., None]] = []


@dataclass
class EmployerRateDeterminePayload(Payload):
    """02020101 费率核定 request: the employer's risk class and floating grade → its 410 rate from a month."""

    employer: int
    insurance_type: str
    risk_class: int
    float_grade: Decimal
    base_rate: Decimal
    employer_rate: Decimal
    valid_from: dt.date
    reference: str = ""
    adjust_assessed: bool = False
    note: str = ""


@dataclass
class EmployerRateChangePayload(Payload):
    """02020201 费率调整 request: new grade (yearly evaluation) or class (industry change) from an effective month."""

    employer: int
    insurance_type: str
    reason: str
    risk_class: int
    float_grade: Decimal
    base_rate: Decimal
    employer_rate: Decimal
    valid_from: dt.date
    previous: int | None = None  # the EmployerRate row in force before
    previous_risk_class: int | None = None
    previous_float_grade: Decimal | None = None
    previous_rate: Decimal | None = None
    reference: str = ""
    adjust_assessed: bool = False
    note: str = ""


def rate_key(employer_id: int) -> CaseKeySpec:
    """One open rate case (determination or change) per employer."""
    return subject_key("0202", "employer-rate", employer_id, label="该单位")


# ----------------------------------------------------------------------------------------------------------------
# Reads: the row in force, the last assessed month
# ----------------------------------------------------------------------------------------------------------------


def employer_rate_for(employer: Employer | int, insurance_type: str, month: dt.date) -> EmployerRate | None:
    """02020201: the employer's own rate row in force in `month` (latest valid_from ≤ month), or None."""
    employer_id = employer if isinstance(employer, int) else employer.pk
    return (
        EmployerRate.objects.filter(
            employer_id=employer_id, insurance_type_id=insurance_type, valid_from__lte=month.replace(day=1)
        )
        .order_by("-valid_from")
        .first()
    )


def employer_rates_in_force(month: dt.date, insurance_type: str = INJURY, *, employers=None):
    """The rows in force in `month` for many employers at once (one query; for the assessment batch)."""
    from django.db.models import OuterRef, Subquery

    month = month.replace(day=1)
    latest = (
        EmployerRate.objects.filter(
            employer_id=OuterRef("employer_id"), insurance_type_id=insurance_type, valid_from__lte=month
        )
        .order_by("-valid_from")
        .values("valid_from")[:1]
    )
    qs = EmployerRate.objects.filter(insurance_type_id=insurance_type, valid_from=Subquery(latest))
    if employers is not None:
        qs = qs.filter(employer__in=employers)
    return qs


def last_assessed_month(employer: Employer, insurance_type: str = INJURY) -> dt.date | None:
    """The latest month the monthly assessment has put on the ledger for this employer and type (or None)."""
    return Receivable.objects.filter(
        employer=employer, insurance_type_id=insurance_type, kind__in=ASSESSED_KINDS
    ).aggregate(last=Max("period"))["last"]


def _injury_insurance(employer: Employer) -> EmployerInsurance | None:
    return (
        EmployerInsurance.objects.filter(employer=employer, insurance_type_id=INJURY, active=True)
        .order_by("start_month")
        .first()
    )


def _pct(rate: Decimal) -> str:
    return f"{(rate * 100).normalize():f}%"


def _check_month(
    errors: v.Errors,
    employer: Employer,
    month: dt.date,
    *,
    today: dt.date,
    adjust_assessed: bool,
    not_before: dt.date | None,
    not_before_text: str,
) -> None:
    """The effective month: not before `not_before`, not beyond the advance limit, not into assessed months."""
    if not_before and month < not_before:
        errors.add("valid_from", f"费率生效月不能早于{not_before_text} {not_before:%Y-%m}")
        return
    limit = errors.capture(rules.advance_limit, region=employer.agency.region_id, today=today)
    if limit and month > limit:
        errors.add("valid_from", f"费率生效月不能晚于 {limit:%Y-%m}")
        return
    last = last_assessed_month(employer)
    if last and month <= last and not adjust_assessed:
        errors.add(
            "valid_from",
            f"{last:%Y-%m} 及以前的月份已核定应缴费额，费率生效月应晚于该月；"
            "如需自更早月份起执行，请选择“已核定月份按新费率补差”（转补缴核定）",
        )


def _require_open_unit(actor, code: str, employer: Employer) -> None:
    require_grant(actor, code, Action.HANDLE)  # the grant before any work
    ensure_employer_scope(actor, employer)  # 404 outside scope
    if employer.status != EmployerStatus.ACTIVE:
        raise ApplicationError(
            f"该单位状态为「{employer.get_status_display()}」，不能办理费率业务", field="non_field_errors"
        )


# ----------------------------------------------------------------------------------------------------------------
# 02020101 费率核定
# ----------------------------------------------------------------------------------------------------------------


@transaction.atomic
def employer_rate_determine(
    *,
    actor,
    employer: Employer,
    float_grade="1.0",
    valid_from=None,
    adjust_assessed: bool = False,
    note: str = "",
    channel: str | None = None,
) -> Case:
    """02020101 费率核定: the unit's work-injury risk class (from its registration) and floating grade → its 410
    rate from a month (default: the month it joined work-injury insurance)."""
    _require_open_unit(actor, "02020101", employer)
    insurance = _injury_insurance(employer)
    if insurance is None:
        raise ApplicationError("该单位未参加工伤保险，不能核定工伤保险费率", field="non_field_errors")
    existing = EmployerRate.objects.filter(employer=employer, insurance_type_id=INJURY).order_by("valid_from").first()
    if existing:
        raise ConflictError(
            f"该单位已核定工伤保险费率（自 {existing.valid_from:%Y-%m} 起 {_pct(existing.employer_rate)}），"
            "请办理费率调整（02020201）",
            field="non_field_errors",
        )
    errors = v.Errors()
    today = timezone.localdate()
    month = insurance.start_month if valid_from in (None, "") else None
    if month is None:
        month = errors.capture(v.parse_month, valid_from, "valid_from", "费率生效月")
    grade = errors.capture(rules.parse_decimal, float_grade, "float_grade", "浮动费率档次", places=3)
    note_text = errors.capture(v.optional, note, "note", "说明", max_length=200) or ""
    rate = None
    if month:
        _check_month(
            errors,
            employer,
            month,
            today=today,
            adjust_assessed=adjust_assessed,
            not_before=insurance.start_month,
            not_before_text="单位参加工伤保险的起始月",
        )
        if grade is not None:
            rate = errors.capture(
                rules.injury_rate, employer.injury_risk_class, grade, region=employer.agency.region_id, on=month
            )
    errors.raise_if_any()
    payload = EmployerRateDeterminePayload(
        employer=employer.pk,
        insurance_type=INJURY,
        risk_class=rate.risk_class,
        float_grade=rate.float_grade,
        base_rate=rate.base_rate,
        employer_rate=rate.employer_rate,
        valid_from=month,
        reference=rate.reference,
        adjust_assessed=bool(adjust_assessed),
        note=note_text,
    )
    return case_open(
        actor=actor,
        item_code="02020101",
        agency=employer.agency,
        channel=channel_for(actor, channel),
        summary=f"工伤保险费率核定：{employer.name}（{rate.risk_class}类，档次 {rules.grade_str(rate.float_grade)}，"
        f"费率 {_pct(rate.employer_rate)}，{month:%Y-%m} 起）",
        payload=payload,
        employer=employer,
        keys=[rate_key(employer.pk)],
    )


def _recomputed(p, employer: Employer) -> rules.InjuryRate:
    """The rate again at approval (parameters may have been overridden since submission); refused if now invalid."""
    try:
        return rules.injury_rate(p.risk_class, p.float_grade, region=employer.agency.region_id, on=p.valid_from)
    except ApplicationError as exc:
        raise ConflictError(f"费率参数已变化，不能按原申报核定：{exc.message}", field="float_grade") from None


def _lock_active(employer_id: int) -> Employer:
    employer = Employer.objects.select_for_update().select_related("agency").get(pk=employer_id)
    if employer.status != EmployerStatus.ACTIVE:
        raise ConflictError("该单位已注销，不能核定费率", field="non_field_errors")
    return employer


def _record(*, actor, case: Case, employer: Employer, p, action: str, extra: dict) -> tuple[EmployerRate, dict]:
    rate = _recomputed(p, employer)
    if EmployerRate.objects.filter(
        employer=employer, insurance_type_id=p.insurance_type, valid_from=p.valid_from
    ).exists():
        raise ConflictError(f"该单位自 {p.valid_from:%Y-%m} 起已有费率记录", field="valid_from")
    last = last_assessed_month(employer, p.insurance_type)
    reassess = [p.valid_from, last] if last and p.valid_from <= last else None
    if reassess and not p.adjust_assessed:
        raise ConflictError(
            f"{last:%Y-%m} 及以前的月份已核定应缴费额，请按“已核定月份按新费率补差”重新申报", field="valid_from"
        )
    row = EmployerRate.objects.create(
        employer=employer,
        insurance_type_id=p.insurance_type,
        valid_from=p.valid_from,
        risk_class=rate.risk_class,
        float_grade=rate.float_grade,
        employer_rate=rate.employer_rate,
        case=case,
    )
    after = {
        "employer": employer.pk,
        "insurance_type": p.insurance_type,
        "valid_from": p.valid_from,
        "risk_class": rate.risk_class,
        "float_grade": rate.float_grade,
        "base_rate": rate.base_rate,
        "employer_rate": rate.employer_rate,
        "reassess": reassess,
        **extra,
    }
    audit_write(
        actor=actor,
        action=action,
        item_code=case.item_id,
        object_type="employer_rate",
        object_id=row.pk,
        after=after,
        case=case,
    )
    result = {
        "rate_id": row.pk,
        "employer_id": employer.pk,
        "insurance_type": p.insurance_type,
        "valid_from": p.valid_from.isoformat(),
        "risk_class": rate.risk_class,
        "float_grade": str(rate.float_grade),
        "employer_rate": str(rate.employer_rate),
        "reassess_from": reassess[0].isoformat() if reassess else None,
        "reassess_to": reassess[1].isoformat() if reassess else None,
    }
    return row, result


def apply_employer_rate_determine(*, case: Case, actor) -> dict:
    """Applier of 02020101: the employer's first 410 rate row (refused if one appeared meanwhile)."""
    p: EmployerRateDeterminePayload = load_payload(case)
    employer = _lock_active(p.employer)
    if EmployerRate.objects.filter(employer=employer, insurance_type_id=p.insurance_type).exists():
        raise ConflictError("该单位已核定工伤保险费率，请办理费率调整（02020201）", field="non_field_errors")
    row, result = _record(actor=actor, case=case, employer=employer, p=p, action="employer_rate.determine", extra={})
    _run_hooks(employer, p, None, row, case, actor, result)
    return result


def _run_hooks(employer, p, previous: EmployerRate | None, row: EmployerRate, case, actor, result: dict) -> None:
    if result.get("reassess_from"):
        for hook in RATE_ADJUSTMENT_HOOKS:
            hook(
                employer=employer,
                insurance_type=p.insurance_type,
                from_month=dt.date.fromisoformat(result["reassess_from"]),
                to_month=dt.date.fromisoformat(result["reassess_to"]),
                old_rate=previous,
                new_rate=row,
                case=case,
                actor=actor,
            )


# ----------------------------------------------------------------------------------------------------------------
# 02020201 费率调整
# ----------------------------------------------------------------------------------------------------------------


@transaction.atomic
def employer_rate_change(
    *,
    actor,
    employer: Employer,
    valid_from,
    reason: str,
    float_grade=None,
    adjust_assessed: bool = False,
    note: str = "",
    channel: str | None = None,
) -> Case:
    """02020201 费率调整: a new floating grade (yearly work-injury evaluation) or the risk class of a changed industry
    (from the unit's registration), as a new rate row from its effective month."""
    _require_open_unit(actor, "02020201", employer)
    current = EmployerRate.objects.filter(employer=employer, insurance_type_id=INJURY).order_by("-valid_from").first()
    if current is None:
        raise ApplicationError("该单位尚未核定工伤保险费率，请先办理费率核定（02020101）", field="non_field_errors")
    errors = v.Errors()
    today = timezone.localdate()
    if reason not in RateChangeReason.values:
        errors.add("reason", "调整原因无效（浮动费率年度评估、行业变更调整风险类别、核定差错更正、其他）")
    month = errors.capture(v.parse_month, valid_from, "valid_from", "费率生效月")
    if float_grade in (None, ""):
        grade = current.float_grade
    else:
        grade = errors.capture(rules.parse_decimal, float_grade, "float_grade", "浮动费率档次", places=3)
    note_text = errors.capture(v.optional, note, "note", "说明", max_length=200) or ""
    risk_class = employer.injury_risk_class
    if reason in (RateChangeReason.OTHER, RateChangeReason.CORRECTION) and not note_text:
        errors.add("note", "调整原因为「核定差错更正」或「其他」时须填写说明")
    if reason == RateChangeReason.INDUSTRY and risk_class == current.risk_class:
        errors.add(
            "reason",
            f"单位登记的工伤风险类别未变化（{risk_class}类）；行业变更请先办理单位变更登记（01010102）",
        )
    if grade is not None and risk_class == current.risk_class and grade == current.float_grade:
        errors.add(
            "float_grade", f"费率未发生变化（现行：{risk_class}类，档次 {rules.grade_str(current.float_grade)}）"
        )
    rate = None
    if month:
        _check_month(
            errors,
            employer,
            month,
            today=today,
            adjust_assessed=adjust_assessed,
            not_before=v.month_add(current.valid_from, 1),
            not_before_text="现行费率起始月的次月",
        )
        if grade is not None:
            rate = errors.capture(rules.injury_rate, risk_class, grade, region=employer.agency.region_id, on=month)
    errors.raise_if_any()
    payload = EmployerRateChangePayload(
        employer=employer.pk,
        insurance_type=INJURY,
        reason=reason,
        risk_class=rate.risk_class,
        float_grade=rate.float_grade,
        base_rate=rate.base_rate,
        employer_rate=rate.employer_rate,
        valid_from=month,
        previous=current.pk,
        previous_risk_class=current.risk_class,
        previous_float_grade=current.float_grade,
        previous_rate=current.employer_rate,
        reference=rate.reference,
        adjust_assessed=bool(adjust_assessed),
        note=note_text,
    )
    return case_open(
        actor=actor,
        item_code="02020201",
        agency=employer.agency,
        channel=channel_for(actor, channel),
        summary=f"工伤保险费率调整：{employer.name}（{RateChangeReason(reason).label}，{_pct(current.employer_rate)} → "
        f"{_pct(rate.employer_rate)}，{month:%Y-%m} 起）",
        payload=payload,
        employer=employer,
        keys=[rate_key(employer.pk)],
    )


def apply_employer_rate_change(*, case: Case, actor) -> dict:
    """Applier of 02020201: a new rate row from the effective month (the rows before it stay as they were)."""
    p: EmployerRateChangePayload = load_payload(case)
    employer = _lock_active(p.employer)
    latest = (
        EmployerRate.objects.filter(employer=employer, insurance_type_id=p.insurance_type)
        .order_by("-valid_from")
        .first()
    )
    if latest is None or latest.pk != p.previous:
        raise ConflictError("该单位的费率已被其他业务调整，请按现行费率重新申报", field="non_field_errors")
    row, result = _record(
        actor=actor,
        case=case,
        employer=employer,
        p=p,
        action="employer_rate.change",
        extra={"reason": p.reason, "previous": latest.pk, "previous_rate": latest.employer_rate},
    )
    result["previous_rate"] = str(latest.employer_rate)
    _run_hooks(employer, p, latest, row, case, actor, result)
    return result

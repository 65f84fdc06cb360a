"""020302 缓缴额核定: a unit's deferral agreement — which insurance types, which months, no late fee meanwhile.

Limits are dated parameters read through the rules library (`rules.deferral_limits`: the types whose employer
part may be deferred and the longest period). On approval a `Deferral` row is written and the signed agreement
(缓缴协议) is printed through `core.verification` (the case's receipt). The late fee skips the deferred days
(`arrears_latefee.arrears_late_fee`); what is unpaid at expiry is arrears from the original due dates.
"""

from __future__ import annotations

import datetime as dt
from calendar import monthrange
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from shebao.core import validation as v
from shebao.core.audit import audit_write
from shebao.core.cases import case_open, subject_key
from shebao.core.errors import ApplicationError, ConflictError
from shebao.core.models import Case
from shebao.core.payloads import Payload, load_payload
from shebao.core.records import channel_for
from shebao.registration.models import Employer, EmployerStatus
from shebao.registration.services.common import ensure_employer_scope
from shebao.rules import INSURANCE_TYPE_NAMES, deferral_limits

from ..models import Deferral

ITEM = "020302"


@dataclass
class DeferralApplyPayload(Payload):
    """缓缴申请: the unit, the insurance types and the months deferred, and why."""

    employer: int
    insurance_types: list[str] = field(default_factory=list)
    start_month: dt.date | None = None
    end_month: dt.date | None = None
    reason: str = ""


def month_last_day(month: dt.date) -> dt.date:
    """The last day of the month of `month`."""
    return month.replace(day=monthrange(month.year, month.month)[1])


def months_count(start: dt.date, end: dt.date) -> int:
    return (end.year - start.year) * 12 + end.month - start.month + 1


def _overlapping(employer_id: int, start: dt.date, end: dt.date, types: list[str]) -> Deferral | None:
    for d in Deferral.objects.filter(employer_id=employer_id, start_month__lte=end, end_month__gte=start):
        if set(d.types) & set(types):
            return d
    return None


@transaction.atomic
def deferral_apply(
    *, actor, employer: Employer, insurance_types, start_month, end_month, reason, channel: str | None = None
) -> Case:
    """020302 缓缴额核定: a unit asks to defer some types' contributions for some months (reviewed, then agreed)."""
    ensure_employer_scope(actor, employer)
    if employer.status != EmployerStatus.ACTIVE:
        raise ApplicationError("该单位不是正常参保状态，不能申请缓缴", field="employer")
    region = employer.agency.region_id
    errors = v.Errors()
    start = errors.capture(v.parse_month, start_month, "start_month", "缓缴起始月")
    end = errors.capture(v.parse_month, end_month, "end_month", "缓缴截止月")
    text = errors.capture(v.required, reason, "reason", "缓缴原因", max_length=200)
    limits = None
    if start:
        try:
            limits = deferral_limits(on=start, region=region)
        except ApplicationError as exc:
            errors.add("start_month", exc.message)
    types: list[str] = []
    if limits is not None:
        allowed = {code: INSURANCE_TYPE_NAMES.get(code, code) for code in limits.insurance_types}
        types = errors.capture(v.code_list, insurance_types, "insurance_types", allowed, "缓缴险种") or []
        if not types and "insurance_types" not in errors.errors:
            names = "、".join(f"{c} {n}" for c, n in allowed.items())
            errors.add("insurance_types", f"请选择缓缴险种（可以缓缴的险种：{names}）")
    if start and end:
        if end < start:
            errors.add("end_month", "缓缴截止月不能早于缓缴起始月")
        elif limits is not None and months_count(start, end) > limits.max_months:
            errors.add("end_month", f"缓缴期限最长{limits.max_months}个月（本次{months_count(start, end)}个月）")
    errors.raise_if_any()
    other = _overlapping(employer.pk, start, end, types)
    if other is not None:
        raise ConflictError(
            f"该单位已有 {other.start_month:%Y-%m} 至 {other.end_month:%Y-%m} 的缓缴协议，期间与险种不能重叠",
            field="start_month",
        )
    names = "、".join(INSURANCE_TYPE_NAMES.get(c, c) for c in types)
    return case_open(
        actor=actor,
        item_code=ITEM,
        agency=employer.agency,
        channel=channel_for(actor, channel),
        summary=f"缓缴申请：{employer.name} {start:%Y-%m}至{end:%Y-%m}（{names}）",
        employer=employer,
        payload=DeferralApplyPayload(
            employer=employer.pk, insurance_types=types, start_month=start, end_month=end, reason=text
        ),
        keys=[subject_key(ITEM, "employer", employer.pk, field="non_field_errors", label="该单位")],
    )


def apply_deferral(*, case: Case, actor) -> dict:
    """On approval: write the agreement (`Deferral`), re-checking that no other agreement overlaps it."""
    p: DeferralApplyPayload = load_payload(case)
    employer = Employer.objects.select_for_update().get(pk=p.employer)
    other = _overlapping(employer.pk, p.start_month, p.end_month, p.insurance_types)
    if other is not None:
        raise ConflictError("该单位已有期间重叠的缓缴协议", field="start_month")
    deferral = Deferral.objects.create(
        employer=employer,
        agency=employer.agency,
        insurance_types=",".join(p.insurance_types),
        start_month=p.start_month,
        end_month=p.end_month,
        expires_on=month_last_day(p.end_month),
        reason=p.reason,
        case=case,
        approved_by=actor,
    )
    audit_write(
        actor=actor,
        action="deferral.approve",
        item_code=ITEM,
        object_type="deferral",
        object_id=deferral.pk,
        after={
            "employer": employer.reg_no,
            "insurance_types": deferral.insurance_types,
            "start_month": p.start_month,
            "end_month": p.end_month,
            "expires_on": deferral.expires_on,
        },
        case=case,
    )
    return {"deferral_id": deferral.pk, "expires_on": deferral.expires_on.isoformat()}


def deferrals_expired_unpaid(*, employer: Employer, today: dt.date | None = None) -> list[Deferral]:
    """Agreements of the unit that expired (for information: their unpaid months are ordinary arrears now)."""
    today = today or timezone.localdate()
    return list(Deferral.objects.filter(employer=employer, expires_on__lt=today).order_by("start_month"))

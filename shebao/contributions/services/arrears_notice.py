"""020502 欠费处理: 责令限期缴纳通知书, deadline tracking, escalation steps, settlement.

A clerk proposes a notice for a unit with overdue arrears; on approval it is issued (`ArrearsAction` notice, with
the deadline today + `contribution.arrears.notice_days` and the overdue amount) and printed (the case's receipt).
After the deadline the clerk records escalation steps (查询存款账户, 申请强制执行 — 社会保险法第六十三条) as
actions with who, when and notes. When the unit's overdue arrears reach zero the handling is closed
(`arrears_settle` for one unit, `arrears_close_settled` for every open notice of an agency): the notice gets
`closed_on` and a 欠费结清 action is recorded.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone

from shebao.core import validation as v
from shebao.core.access import require_grant
from shebao.core.audit import audit_write
from shebao.core.cases import case_open, subject_key
from shebao.core.choices import Action
from shebao.core.errors import ApplicationError, ConflictError
from shebao.core.models import Case
from shebao.core.payloads import Payload, load_payload
from shebao.core.records import channel_for
from shebao.registration.models import Employer
from shebao.registration.services.common import ensure_employer_scope
from shebao.rules import arrears_notice_days

from ..choices import ESCALATIONS, ArrearsActionKind
from ..models import ArrearsAction, ArrearsLine

ITEM = "020502"
ZERO = Decimal("0.00")


def overdue_of(employer_id: int, on: dt.date | None = None) -> Decimal:
    """The unit's overdue arrears on `on` (contributions and late fees past their due date), no scope check."""
    on = on or timezone.localdate()
    total = ArrearsLine.objects.filter(employer_id=employer_id, due_date__lt=on).aggregate(
        e=Sum("employer_arrears"), i=Sum("individual_arrears")
    )
    return (total["e"] or ZERO) + (total["i"] or ZERO)


def outstanding_of(employer_id: int) -> Decimal:
    """Everything the unit still owes (due or not yet due), no scope check."""
    total = ArrearsLine.objects.filter(employer_id=employer_id).aggregate(
        e=Sum("employer_arrears"), i=Sum("individual_arrears")
    )
    return (total["e"] or ZERO) + (total["i"] or ZERO)


def deregistration_blocker(employer: Employer) -> list[str]:
    """Registered with core (`employer.deregister`): a unit that still owes contributions cannot deregister."""
    owed = outstanding_of(employer.pk)
    if owed > 0:
        return [f"单位尚欠社会保险费及滞纳金 {owed:,.2f} 元，请结清后再办理注销"]
    return []


def open_notice(employer_id: int) -> ArrearsAction | None:
    """The unit's latest notice whose handling is not closed."""
    return (
        ArrearsAction.objects.filter(employer_id=employer_id, kind=ArrearsActionKind.NOTICE, closed_on__isnull=True)
        .order_by("-acted_on", "-id")
        .first()
    )


@dataclass
class ArrearsNoticePayload(Payload):
    """责令限期缴纳: the unit and the clerk's note."""

    employer: int
    note: str = ""


@transaction.atomic
def arrears_notice_issue(*, actor, employer: Employer, note: str = "", channel: str | None = None) -> Case:
    """020502 欠费处理: propose a 责令限期缴纳通知书 for a unit with overdue arrears (issued on approval)."""
    require_grant(actor, ITEM, Action.HANDLE)
    ensure_employer_scope(actor, employer)
    errors = v.Errors()
    text = errors.capture(v.optional, note, "note", "说明", max_length=200)
    errors.raise_if_any()
    owed = overdue_of(employer.pk)
    if owed <= 0:
        raise ApplicationError("该单位没有逾期欠费，无需责令限期缴纳", field="employer")
    pending = open_notice(employer.pk)
    if pending is not None and pending.deadline and pending.deadline >= timezone.localdate():
        raise ConflictError(
            f"该单位已于 {pending.acted_on} 送达责令限期缴纳通知书，缴纳期限 {pending.deadline} 尚未届满",
            field="employer",
        )
    return case_open(
        actor=actor,
        item_code=ITEM,
        agency=employer.agency,
        channel=channel_for(actor, channel),
        summary=f"责令限期缴纳：{employer.name} 逾期欠费 {owed:,.2f} 元",
        employer=employer,
        payload=ArrearsNoticePayload(employer=employer.pk, note=text),
        keys=[subject_key(ITEM, "employer", employer.pk, field="non_field_errors", label="该单位")],
    )


def apply_arrears_notice(*, case: Case, actor) -> dict:
    """On approval: issue the notice — overdue amount now, deadline today + notice days."""
    p: ArrearsNoticePayload = load_payload(case)
    employer = Employer.objects.select_for_update().get(pk=p.employer)
    today = timezone.localdate()
    owed = overdue_of(employer.pk, today)
    if owed <= 0:
        raise ConflictError("该单位已无逾期欠费，无需再发责令限期缴纳通知书", field="employer")
    days = arrears_notice_days(on=today, region=employer.agency.region_id)
    notice = ArrearsAction.objects.create(
        employer=employer,
        agency=employer.agency,
        kind=ArrearsActionKind.NOTICE,
        acted_on=today,
        deadline=today + dt.timedelta(days=days),
        amount=owed,
        notes=p.note,
        case=case,
        actor=actor,
    )
    # An earlier notice still open is superseded by this one.
    ArrearsAction.objects.filter(employer=employer, kind=ArrearsActionKind.NOTICE, closed_on__isnull=True).exclude(
        pk=notice.pk
    ).update(closed_on=today)
    audit_write(
        actor=actor,
        action="arrears.notice",
        item_code=ITEM,
        object_type="employer",
        object_id=employer.pk,
        after={"amount": owed, "deadline": notice.deadline},
        case=case,
    )
    return {"notice_id": notice.pk, "amount": str(owed), "deadline": notice.deadline.isoformat()}


@transaction.atomic
def arrears_action_record(*, actor, employer: Employer, kind, notes, acted_on=None) -> ArrearsAction:
    """020502: record an escalation step (查询存款账户 / 申请强制执行) after an unheeded notice."""
    require_grant(actor, ITEM, Action.HANDLE)
    ensure_employer_scope(actor, employer)
    today = timezone.localdate()
    errors = v.Errors()
    if kind not in ESCALATIONS:
        errors.add("kind", "处理步骤无效（查询存款账户、申请强制执行）")
    text = errors.capture(v.required, notes, "notes", "处理情况说明", max_length=500, multiline=True)
    day = today if acted_on in (None, "") else errors.capture(v.parse_date, acted_on, "acted_on", "办理日期")
    if day:
        errors.capture(v.not_future, day, today, "acted_on", "办理日期")
    errors.raise_if_any()
    notice = open_notice(employer.pk)
    if notice is None:
        raise ApplicationError("该单位没有未结的责令限期缴纳通知，请先发出通知书", field="kind")
    if notice.deadline and day <= notice.deadline:
        raise ApplicationError(f"责令限期缴纳的期限（{notice.deadline}）届满后才能采取该措施", field="acted_on")
    if kind == ArrearsActionKind.ENFORCEMENT and not notice.steps.filter(kind=ArrearsActionKind.BANK_INQUIRY).exists():
        raise ApplicationError("申请强制执行前应先查询单位存款账户", field="kind")
    action = ArrearsAction.objects.create(
        employer=employer,
        agency=employer.agency,
        kind=kind,
        acted_on=day,
        amount=overdue_of(employer.pk, today),
        notes=text,
        notice=notice,
        actor=actor,
    )
    audit_write(
        actor=actor,
        action=f"arrears.{kind}",
        item_code=ITEM,
        object_type="employer",
        object_id=employer.pk,
        after={"kind": kind, "acted_on": day, "amount": action.amount, "notice": notice.pk},
    )
    return action


def _close(actor, notice: ArrearsAction, today: dt.date) -> ArrearsAction:
    ArrearsAction.objects.filter(pk=notice.pk).update(closed_on=today)
    settled = ArrearsAction.objects.create(
        employer_id=notice.employer_id,
        agency_id=notice.agency_id,
        kind=ArrearsActionKind.SETTLED,
        acted_on=today,
        notes="逾期欠费已全部缴清",
        notice=notice,
        actor=actor,
    )
    audit_write(
        actor=actor,
        action="arrears.settled",
        item_code=ITEM,
        object_type="employer",
        object_id=notice.employer_id,
        after={"notice": notice.pk, "closed_on": today},
    )
    return settled


@transaction.atomic
def arrears_settle(*, actor, employer: Employer) -> ArrearsAction:
    """020502 欠费结清: close the unit's handling once its overdue arrears are zero (409 naming the rest otherwise)."""
    require_grant(actor, ITEM, Action.HANDLE)
    ensure_employer_scope(actor, employer)
    Employer.objects.select_for_update().filter(pk=employer.pk).values("pk").first()
    notice = open_notice(employer.pk)
    if notice is None:
        raise ApplicationError("该单位没有未结的欠费处理", field="employer")
    owed = overdue_of(employer.pk)
    if owed > 0:
        raise ConflictError(f"该单位仍有逾期欠费 {owed:,.2f} 元，不能结清", field="employer")
    return _close(actor, notice, timezone.localdate())


@transaction.atomic
def arrears_close_settled(*, actor, agency_ids: list[int]) -> int:
    """020502: close every open notice of these agencies whose unit no longer has overdue arrears; returns how many."""
    require_grant(actor, ITEM, Action.HANDLE)
    today = timezone.localdate()
    closed = 0
    notices = ArrearsAction.objects.filter(
        Q(agency_id__in=agency_ids), kind=ArrearsActionKind.NOTICE, closed_on__isnull=True
    ).select_for_update()
    for notice in notices:
        if overdue_of(notice.employer_id, today) <= 0:
            _close(actor, notice, today)
            closed += 1
    return closed

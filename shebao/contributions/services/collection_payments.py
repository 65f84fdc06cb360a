"""020402 征缴社会保险费: counter payments (a case, reviewed before posting), online payments, applying credit."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction

from shebao.core import validation as v
from shebao.core.access import is_staff, require_grant
from shebao.core.audit import audit_write
from shebao.core.cases import case_open, subject_key
from shebao.core.choices import Action, Role
from shebao.core.errors import ApplicationError, ConflictError
from shebao.core.materials import SubmittedMaterials
from shebao.core.models import Case
from shebao.core.payloads import Payload, load_payload
from shebao.core.records import channel_for
from shebao.registration.models import Employer
from shebao.registration.services.common import ensure_employer_scope

from ..choices import CounterMethod, PaymentChannel
from ..models import Payment
from ..selectors.collection import credit_of
from .collection import (
    ensure_agency_collects,
    parse_amount,
    parse_paid_on,
    parse_reference,
    payment_applied,
    post_payment,
)
from .collection_alloc import allocate_payers, lock_payers

ITEM = "020402"
_REQUEST_ID = re.compile(r"[0-9a-f]{32}", re.ASCII)


@dataclass
class PaymentCounterPayload(Payload):
    """窗口缴费登记: the unit, the money handed in and the slip it came with."""

    employer: int
    amount: Decimal
    paid_on: dt.date
    reference: str
    method: str
    note: str = ""


def _counter_key(reference: str):
    return subject_key(ITEM, "ref", f"counter:{reference}", field="reference", label="该缴费凭证号")


@transaction.atomic
def payment_counter(
    *,
    actor,
    employer: Employer,
    amount,
    paid_on,
    reference,
    method: str = CounterMethod.CASH,
    note: str = "",
    channel: str | None = None,
    materials: SubmittedMaterials | None = None,
) -> Case:
    """020402 窗口缴费登记: a clerk records money a unit paid at the counter; it posts when a reviewer confirms."""
    require_grant(actor, ITEM, Action.HANDLE)
    ensure_employer_scope(actor, employer)
    if not is_staff(actor):
        raise ApplicationError("窗口缴费登记仅限经办机构工作人员办理，单位请使用网上缴费", field="non_field_errors")
    errors = v.Errors()
    money = errors.capture(parse_amount, amount, "amount", "缴费金额")
    day = errors.capture(parse_paid_on, paid_on, "paid_on", "缴费日期")
    ref = errors.capture(parse_reference, reference, "reference", "缴费凭证号")
    if method not in CounterMethod.values:
        errors.add("method", "缴费方式无效（现金、银行卡（POS）、转账支票/电汇）")
    text = errors.capture(v.optional, note, "note", "备注", max_length=200)
    errors.raise_if_any()
    ensure_agency_collects(employer.agency.region_id, day)
    if Payment.objects.filter(channel=PaymentChannel.COUNTER, reference=ref).exists():
        raise ConflictError(f"缴费凭证号 {ref} 已入账，不能重复登记", field="reference")
    return case_open(
        actor=actor,
        item_code=ITEM,
        agency=employer.agency,
        channel=channel_for(actor, channel),
        summary=f"窗口缴费：{employer.name} {money:,.2f}元（凭证号 {ref}）",
        employer=employer,
        payload=PaymentCounterPayload(
            employer=employer.pk, amount=money, paid_on=day, reference=ref, method=method, note=text
        ),
        materials=materials,
        keys=[_counter_key(ref)],
    )


def apply_payment_counter(*, case: Case, actor) -> dict:
    """On confirmation: post the payment and apply it (with any credit) to the unit's dues, oldest first."""
    p: PaymentCounterPayload = load_payload(case)
    employer = Employer.objects.select_related("agency").get(pk=p.employer)
    payment, applied = post_payment(
        actor=actor,
        employer=employer,
        agency=employer.agency,
        channel=PaymentChannel.COUNTER,
        reference=p.reference,
        amount=p.amount,
        paid_on=p.paid_on,
        case=case,
    )
    return {
        "payment_id": payment.pk,
        "amount": str(p.amount),
        "applied": str(applied),
        "credit": str(credit_of(employer_id=employer.pk)),
    }


@transaction.atomic
def payment_online(*, actor, employer: Employer, amount, request_id: str) -> Payment:
    """020402 网上缴费: the unit pays online; the payment platform's confirmation posts it at once.

    `request_id` (32 hex characters, issued with the payment form) is the order number at the platform: the same
    confirmation arriving twice (double click, retried notification) finds the posted payment and pays nothing more.
    """
    require_grant(actor, ITEM, Action.HANDLE)
    ensure_employer_scope(actor, employer)
    if getattr(actor, "role", None) != Role.EMPLOYER:
        raise ApplicationError("网上缴费由参保单位在网上经办中办理", field="non_field_errors")
    errors = v.Errors()
    money = errors.capture(parse_amount, amount, "amount", "缴费金额")
    order = str(request_id or "").strip().lower()
    if not _REQUEST_ID.fullmatch(order):
        errors.add("request_id", "支付订单号无效，请刷新页面后重新缴费")
    errors.raise_if_any()
    from django.utils import timezone

    today = timezone.localdate()
    ensure_agency_collects(employer.agency.region_id, today)
    reference = f"WY{employer.pk}-{order}"
    existing = Payment.objects.filter(channel=PaymentChannel.ONLINE, reference=reference).first()
    if existing is not None:
        if existing.amount != money or existing.employer_id != employer.pk:
            raise ConflictError("该支付订单已使用，请刷新页面后重新缴费", field="request_id")
        existing.replayed = True
        return existing
    payment, _ = post_payment(
        actor=actor,
        employer=employer,
        agency=employer.agency,
        channel=PaymentChannel.ONLINE,
        reference=reference,
        amount=money,
        paid_on=today,
    )
    payment.replayed = False
    return payment


@transaction.atomic
def credit_apply(*, actor, employer: Employer) -> Decimal:
    """020402 余额冲抵: apply money a unit paid earlier and not yet used to its dues now open; returns the amount."""
    require_grant(actor, ITEM, Action.HANDLE)
    ensure_employer_scope(actor, employer)
    if not is_staff(actor):
        raise ApplicationError("余额冲抵由经办机构办理", field="non_field_errors")
    lock_payers(employer_ids=[employer.pk])
    before = credit_of(employer_id=employer.pk)
    rows = allocate_payers(employer_ids=[employer.pk])
    applied = before - credit_of(employer_id=employer.pk)
    if rows == 0:
        raise ApplicationError("该单位没有可冲抵的余额或没有待缴的应收", field="non_field_errors")
    audit_write(
        actor=actor,
        action="payment.credit_apply",
        item_code=ITEM,
        object_type="employer",
        object_id=employer.pk,
        before={"credit": before},
        after={"applied": applied, "allocations": rows},
    )
    return applied


__all__ = [
    "PaymentCounterPayload",
    "apply_payment_counter",
    "credit_apply",
    "payment_applied",
    "payment_counter",
    "payment_online",
]

"""Collection (020401 制定征收计划, 020402 征缴社会保险费, 020501 建立欠费台账): shared checks and money posting.

The area's services live in `collection_*.py` next to this module:
`collection_alloc` (applying money to dues), `collection_payments` (counter and online payments, credit),
`collection_bank` (托收 mandates, collection files, bank return files), `collection_tax` (tax-collection mode),
`collection_plan` (020401) and `collection_ledger` (020501 and the ledger check).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from decimal import Decimal, InvalidOperation

from django.utils import timezone

from shebao.core import validation as v
from shebao.core.access import is_staff
from shebao.core.audit import audit_write
from shebao.core.errors import ApplicationError, ConflictError, NotFoundError
from shebao.core.models import Agency
from shebao.core.money import to_fen

from ..choices import Collector, PaymentChannel
from ..models import Payment
from ..selectors.collection import collector_for
from .collection_alloc import allocate_payers, lock_payers

# A technical bound, not a legal value: no single payment or record of a file comes near it (the ledger column
# holds up to 10^12); anything above is a keying or file error.
MAX_AMOUNT = Decimal("1000000000.00")
_REFERENCE = re.compile(r"[0-9A-Za-z][0-9A-Za-z_\-:.]{0,63}", re.ASCII)


def parse_amount(value, field: str = "amount", label: str = "金额", *, allow_zero: bool = False) -> Decimal:
    """A money amount in yuan with at most two decimals, positive (or zero), below the technical bound."""
    if isinstance(value, float):
        raise ApplicationError(f"{label}应以文本或定点数提供，不能使用浮点数", field=field)
    text = unicodedata.normalize("NFKC", "" if value is None else str(value)).strip().replace(",", "")
    if not text:
        raise ApplicationError(f"{label}不能为空", field=field)
    if not re.fullmatch(r"-?[0-9]{1,13}(\.[0-9]{1,2})?", text, re.ASCII):
        raise ApplicationError(f"{label}格式不正确（应为元，最多两位小数）", field=field)
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise ApplicationError(f"{label}格式不正确", field=field) from None
    if amount < 0:
        raise ApplicationError(f"{label}不能为负数", field=field)
    if amount == 0 and not allow_zero:
        raise ApplicationError(f"{label}应大于0", field=field)
    if amount >= MAX_AMOUNT:
        raise ApplicationError(f"{label}超出允许范围（应小于{MAX_AMOUNT:,.0f}元），请核对", field=field)
    return to_fen(amount)


def parse_reference(value, field: str = "reference", label: str = "缴费凭证号") -> str:
    """A receipt or bank reference: letters, digits and - _ : . (at most 64), as printed on the slip."""
    text = unicodedata.normalize("NFKC", "" if value is None else str(value)).strip()
    if not text:
        raise ApplicationError(f"{label}不能为空", field=field)
    if not _REFERENCE.fullmatch(text):
        raise ApplicationError(f"{label}只能由字母、数字及 - _ : . 组成，最长64位", field=field)
    return text


def parse_paid_on(value, field: str = "paid_on", label: str = "缴费日期", *, today: dt.date | None = None) -> dt.date:
    """The day the money was received: not in the future, not more than a year back."""
    today = today or timezone.localdate()
    day = v.parse_date(value, field, label)
    v.not_future(day, today, field, label)
    if day < today - dt.timedelta(days=366):
        raise ApplicationError(f"{label}不能早于一年前（更早的款项请按历史数据核对后补录）", field=field)
    return day


def parse_period(value, field: str = "period", label: str = "费款所属期", *, today: dt.date | None = None) -> dt.date:
    """A month YYYY-MM that has begun (no plans, ledgers or files for months still ahead)."""
    today = today or timezone.localdate()
    month = v.parse_month(value, field, label)
    if month > today.replace(day=1):
        raise ApplicationError(f"{label}不能晚于本月", field=field)
    if month.year < 1990:
        raise ApplicationError(f"{label}不是有效的月份", field=field)
    return month


def ensure_agency_scope(actor, agency: Agency) -> None:
    """The agency is the actor's own or lies below it (404 otherwise, for staff; employers have none)."""
    if not is_staff(actor) or not agency.is_within(actor.agency):
        raise NotFoundError("经办机构不存在")


def ensure_agency_collects(agency_region: str, on: dt.date, *, field: str = "non_field_errors") -> None:
    """Refuse agency-side collection where the tax authority collects."""
    if collector_for(agency_region, on) == Collector.TAX:
        raise ApplicationError("本地区社会保险费由税务机关征收，请通过税务机关缴纳（经办机构不直接收款）", field=field)


def ensure_tax_collects(agency_region: str, on: dt.date, *, field: str = "non_field_errors") -> None:
    """Refuse tax-mode exchanges where the agency itself collects."""
    if collector_for(agency_region, on) != Collector.TAX:
        raise ApplicationError("本地区社会保险费由经办机构征收，无需与税务机关交换征收数据", field=field)


def post_payment(
    *,
    actor,
    employer=None,
    person=None,
    agency: Agency,
    channel: str,
    reference: str,
    amount: Decimal,
    paid_on: dt.date,
    case=None,
    item_code: str = "020402",
) -> tuple[Payment, Decimal]:
    """Post one payment and apply it (with any earlier credit) to the payer's dues; returns (payment, applied).

    Locks the payer first; a reference already posted on the channel is a 409 (the same slip or bank record never
    posts twice).
    """
    lock_payers(
        employer_ids=[employer.pk] if employer else [], person_ids=[person.pk] if person and not employer else []
    )
    if Payment.objects.filter(channel=channel, reference=reference).exists():
        raise ConflictError(
            f"缴费凭证号 {reference} 已入账（{PaymentChannel(channel).label}），不能重复入账", field="reference"
        )
    payment = Payment.objects.create(
        agency=agency,
        employer=employer,
        person=person if employer is None else None,
        channel=channel,
        reference=reference,
        amount=amount,
        paid_on=paid_on,
        case=case,
        created_by=actor,
    )
    allocate_payers(
        employer_ids=[employer.pk] if employer else [], person_ids=[person.pk] if person and not employer else []
    )
    applied = payment_applied(payment)
    audit_write(
        actor=actor,
        action="payment.post",
        item_code=item_code,
        object_type="payment",
        object_id=payment.pk,
        after={
            "channel": channel,
            "reference": reference,
            "amount": amount,
            "paid_on": paid_on,
            "employer": employer.pk if employer else None,
            "person": person.pk if person and not employer else None,
            "applied": applied,
        },
        case=case,
    )
    return payment, applied


def payment_applied(payment: Payment) -> Decimal:
    """How much of a payment has been applied to dues."""
    from django.db.models import F, Sum

    total = payment.allocations.aggregate(v=Sum(F("employer_part") + F("individual_part")))["v"]
    return to_fen(total or 0)

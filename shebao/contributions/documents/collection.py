"""020402 社会保险费缴费凭证: the printed receipt of a payment (counter, online, bank collection or tax record).

It certifies the payment and how it was applied, by month, insurance type and class (no personal data: the
allocations are summed over persons). Issued through `core.verification` like registration's receipts: a reprint
of the same content carries the same signed verification code.
"""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Sum

from shebao.core.audit import mask_account
from shebao.core.documents import issued_document_pdf
from shebao.core.models import Case
from shebao.core.verification import Certified, DocumentKind, document_issue, register_document_kind

from ..choices import PaymentChannel
from ..models import Payment, PaymentAllocation

KIND = "receipt.020402"
register_document_kind(
    DocumentKind(
        key=KIND,
        title="社会保险费缴费凭证",
        certifies="本凭证证明经办机构已收到上述社会保险费并按所列明细冲抵应缴费款。",
    )
)
NOTICE = "款项按“先到期先冲抵；同月先社会保险费后滞纳金；先个人部分后单位部分”的顺序冲抵，未冲抵部分为预缴余额。"

_DIGITS = "零壹贰叁肆伍陆柒捌玖"
_UNITS = ["", "拾", "佰", "仟"]
_GROUPS = ["", "万", "亿", "万亿"]


def _four(n: int) -> str:
    """0–9999 in capital numerals, with 零 for inner gaps."""
    out, zero = "", False
    for i in range(3, -1, -1):
        d = n // 10**i % 10
        if d == 0:
            zero = bool(out)
            continue
        if zero:
            out += "零"
            zero = False
        out += _DIGITS[d] + _UNITS[i]
    return out


def rmb_upper(amount: Decimal) -> str:
    """An amount in 人民币大写 as on Chinese receipts: 1234.50 → 壹仟贰佰叁拾肆元伍角整."""
    if amount < 0:
        return "负" + rmb_upper(-amount)
    fen_total = int((amount * 100).to_integral_value())
    yuan, jiao, fen = fen_total // 100, fen_total // 10 % 10, fen_total % 10
    parts, groups, i, pending_zero = [], [], 0, False
    n = yuan
    while n:
        groups.append(n % 10000)
        n //= 10000
    for i in range(len(groups) - 1, -1, -1):
        g = groups[i]
        if g == 0:
            pending_zero = bool(parts)
            continue
        if parts and (pending_zero or g < 1000):
            parts.append("零")
        parts.append(_four(g) + _GROUPS[i])
        pending_zero = False
    text = "".join(parts)
    if not text and not (jiao or fen):
        return "零元整"
    if text:
        text += "元"
    if jiao:
        text += _DIGITS[jiao] + "角"
    elif text and fen:
        text += "零"
    if fen:
        text += _DIGITS[fen] + "分"
    else:
        text += "整"
    return text


def _payer(payment: Payment) -> list[tuple[str, str]]:
    if payment.employer_id:
        e = payment.employer
        return [("缴费单位", e.name), ("社会保险登记编号", e.reg_no), ("统一社会信用代码", e.uscc)]
    return [("缴费人", payment.person.name)]


def payment_certified(payment: Payment) -> Certified:
    """What the receipt certifies: payer, channel, reference, date, amount, and the application by month and type."""
    rows = (
        PaymentAllocation.objects.filter(payment=payment)
        .values("receivable__period", "receivable__insurance_type_id", "receivable__insurance_type__name")
        .annotate(e=Sum("employer_part"), i=Sum("individual_part"))
        .order_by("receivable__period", "receivable__insurance_type_id")
    )
    late = dict(
        PaymentAllocation.objects.filter(payment=payment, receivable__kind="late_fee")
        .values("receivable__period", "receivable__insurance_type_id")
        .annotate(t=Sum("employer_part") + Sum("individual_part"))
        .values_list("receivable__period", "t")
    )
    applied = sum((r["e"] + r["i"] for r in rows), Decimal("0.00"))
    table = [
        [
            f"{r['receivable__period']:%Y-%m}",
            f"{r['receivable__insurance_type_id']} {r['receivable__insurance_type__name']}",
            f"{r['i']:,.2f}",
            f"{r['e']:,.2f}",
            f"{r['e'] + r['i']:,.2f}",
        ]
        for r in rows
    ]
    fields = [
        *_payer(payment),
        ("缴费渠道", PaymentChannel(payment.channel).label),
        ("缴费流水号", payment.reference),
        ("缴费日期", f"{payment.paid_on.year}年{payment.paid_on.month}月{payment.paid_on.day}日"),
        ("缴费金额（小写）", f"¥{payment.amount:,.2f}"),
        ("缴费金额（大写）", rmb_upper(payment.amount)),
        ("本次冲抵应缴", f"¥{applied:,.2f}"),
    ]
    late_fee = sum(late.values(), Decimal("0.00"))
    if late_fee:
        fields.append(("其中滞纳金", f"¥{late_fee:,.2f}"))
    if payment.amount != applied:
        fields.append(("转为预缴余额", f"¥{payment.amount - applied:,.2f}"))
    record = payment.bankrecord_set.exclude(account="").first()
    if record is not None:
        fields.append(("扣款账号", mask_account(record.account)))
    return Certified(
        fields=fields,
        tables=[
            {
                "title": "冲抵明细（按费款所属期和险种）",
                "headers": ["费款所属期", "险种", "个人部分", "单位部分", "合计"],
                "rows": table,
            }
        ],
    )


def payment_receipt(payment: Payment, *, actor=None) -> tuple[str, bytes]:
    """社会保险费缴费凭证 (PDF) of one payment: (file name, bytes)."""
    doc = document_issue(
        kind=KIND,
        certified=payment_certified(payment),
        agency=payment.agency,
        case=payment.case,
        object_type="payment",
        object_id=payment.pk,
        actor=actor,
    )
    pdf = issued_document_pdf(
        doc, notice=NOTICE, dated=payment.paid_on, number_label="缴费流水号", number=payment.reference
    )
    return f"payment-{payment.pk}.pdf", pdf


def receipt_020402(case: Case) -> tuple[str, bytes]:
    """The receipt of a completed 窗口缴费 case: the receipt of the payment it posted."""
    payment = Payment.objects.select_related("employer", "person", "agency", "case").get(case=case)
    return payment_receipt(payment)

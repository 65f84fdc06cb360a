"""020304 退费: money paid back after review — on lines paid by mistake, or credit paid beyond what was owed.

Model (docs/decisions.md "Arrears"), consistent with collection's two append-only ledgers and `check-ledgers`:

* the refund is one `Payment` of channel `refund` with a NEGATIVE amount (the money leaving), reference
  `TF<case number>`; collection never allocates refund payments automatically;
* a refund of a paid line (误缴) appends a REFUND receivable line with negative parts that `reverses` the line,
  and allocates the refund payment's negative parts to it: the due and what was paid on it both go down by the
  same amount, so the unit's arrears do not move;
* a refund of credit (溢缴: money received and applied to nothing) appends a positive REFUND line 退还溢缴款 for the
  insurance type the clerk names and allocates the credit of the named payment to it, so the credit is used up
  and can never be applied again; the refund payment records the money leaving.

At most what was paid can be refunded: per line and part, what was applied to it less earlier refunds; per
payment, what is still unapplied (and at most the payer's credit). More → 400 naming the line.

The bank instruction (退费指令) is a `RefundInstruction` with its CSV (format in docs/collection-files.md).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from shebao.core import validation as v
from shebao.core.audit import audit_write, mask_account
from shebao.core.cases import case_open, subject_key
from shebao.core.errors import ApplicationError, ConflictError
from shebao.core.models import Case
from shebao.core.payloads import Payload, load_payload
from shebao.core.records import channel_for
from shebao.registration.models import Employer, Person
from shebao.registration.services.common import ensure_employer_scope, ensure_person_scope
from shebao.rules import INSURANCE_TYPE_NAMES

from ..choices import PaymentChannel, ReceivableKind
from ..models import Payment, PaymentAllocation, Receivable, RefundInstruction
from ..selectors.collection import credit_of
from .collection import parse_amount
from .collection_alloc import lock_payers

ITEM = "020304"
ZERO = Decimal("0.00")
MAX_LINES = 200


@dataclass
class RefundEntry(Payload):
    """One thing refunded: a paid receivable line (both parts) or credit left on a payment."""

    receivable: int | None = None
    payment: int | None = None
    employer_amount: Decimal = ZERO
    individual_amount: Decimal = ZERO
    amount: Decimal = ZERO
    insurance_type: str = ""


@dataclass
class RefundPayload(Payload):
    """退费申请: the payer, what is refunded, the account it goes to and why."""

    employer: int | None = None
    person: int | None = None
    entries: list[RefundEntry] = field(default_factory=list)
    bank_name: str = ""
    bank_account: str = ""
    account_name: str = ""
    reason: str = ""

    @property
    def total(self) -> Decimal:
        return sum((e.employer_amount + e.individual_amount + e.amount for e in self.entries), ZERO)


def _payer_filter(qs, employer_id, person_id):
    if employer_id:
        return qs.filter(employer_id=employer_id)
    return qs.filter(employer__isnull=True, person_id=person_id)


def refundable_on_line(line: Receivable) -> tuple[Decimal, Decimal]:
    """(employer part, individual part) that may still be refunded on a line: applied less refunded before."""
    paid = PaymentAllocation.objects.filter(receivable=line).aggregate(e=Sum("employer_part"), i=Sum("individual_part"))
    back = PaymentAllocation.objects.filter(
        receivable__reverses=line, receivable__kind=ReceivableKind.REFUND
    ).aggregate(e=Sum("employer_part"), i=Sum("individual_part"))
    return (paid["e"] or ZERO) + (back["e"] or ZERO), (paid["i"] or ZERO) + (back["i"] or ZERO)


def unapplied_on_payment(payment: Payment) -> Decimal:
    """What of a payment was applied to nothing (its share of the payer's credit)."""
    applied = payment.allocations.aggregate(e=Sum("employer_part"), i=Sum("individual_part"))
    return payment.amount - (applied["e"] or ZERO) - (applied["i"] or ZERO)


def _check_entries(raw, employer_id, person_id, errors: v.Errors) -> list[RefundEntry]:
    """Parse and bound each entry; every error names `lines` and the entry's number."""
    if not isinstance(raw, list | tuple) or not raw:
        errors.add("lines", "请列出退费的应收明细或缴费记录")
        return []
    if len(raw) > MAX_LINES:
        errors.add("lines", f"一次退费最多{MAX_LINES}条")
        return []
    out: list[RefundEntry] = []
    credit = credit_of(employer_id=employer_id) if employer_id else credit_of(person_id=person_id)
    credit_wanted = ZERO
    seen: set = set()
    for n, item in enumerate(raw, start=1):
        where = f"第{n}条"
        if not isinstance(item, dict):
            errors.add("lines", f"{where}：格式不正确")
            continue
        if bool(item.get("receivable")) == bool(item.get("payment")):
            errors.add("lines", f"{where}：请指定应收明细（receivable）或缴费记录（payment）其中之一")
            continue
        key = ("r", item.get("receivable")) if item.get("receivable") else ("p", item.get("payment"))
        if key in seen:
            errors.add("lines", f"{where}：与前面重复")
            continue
        seen.add(key)
        try:
            if item.get("receivable"):
                line = _payer_filter(
                    Receivable.objects.filter(pk=int(item["receivable"])), employer_id, person_id
                ).first()
                if line is None or line.kind == ReceivableKind.REFUND:
                    raise ApplicationError(f"{where}：应收明细不存在或不属于该缴费主体", field="lines")
                e = parse_amount(
                    item.get("employer_amount") or "0", "lines", f"{where}单位部分退费金额", allow_zero=True
                )
                i = parse_amount(
                    item.get("individual_amount") or "0", "lines", f"{where}个人部分退费金额", allow_zero=True
                )
                if not e and not i:
                    raise ApplicationError(f"{where}：退费金额应大于0", field="lines")
                can_e, can_i = refundable_on_line(line)
                if e > can_e or i > can_i:
                    raise ApplicationError(
                        f"{where}：退费金额超过已缴金额（{line.period:%Y-%m} {line.insurance_type_id} 单位部分可退 "
                        f"{can_e:,.2f} 元、个人部分可退 {can_i:,.2f} 元）",
                        field="lines",
                    )
                out.append(RefundEntry(receivable=line.pk, employer_amount=e, individual_amount=i))
            else:
                pay = _payer_filter(
                    Payment.objects.filter(pk=int(item["payment"])).exclude(channel=PaymentChannel.REFUND),
                    employer_id,
                    person_id,
                ).first()
                if pay is None:
                    raise ApplicationError(f"{where}：缴费记录不存在或不属于该缴费主体", field="lines")
                amount = parse_amount(item.get("amount"), "lines", f"{where}退费金额")
                itype = str(item.get("insurance_type") or "")
                if itype not in INSURANCE_TYPE_NAMES:
                    raise ApplicationError(f"{where}：请指定退款所出的险种", field="lines")
                left = unapplied_on_payment(pay)
                credit_wanted += amount
                if amount > left or credit_wanted > credit:
                    raise ApplicationError(
                        f"{where}：退费金额超过溢缴金额（该笔缴费未冲抵 {left:,.2f} 元，预缴余额 {credit:,.2f} 元）",
                        field="lines",
                    )
                out.append(RefundEntry(payment=pay.pk, amount=amount, insurance_type=itype))
        except (ValueError, TypeError):
            errors.add("lines", f"{where}：编号格式不正确")
        except ApplicationError as exc:
            errors.add("lines", exc.message)
    return out


@transaction.atomic
def refund_request(
    *,
    actor,
    employer: Employer | None = None,
    person: Person | None = None,
    lines,
    bank_name="",
    bank_account="",
    account_name="",
    reason,
    channel: str | None = None,
) -> Case:
    """020304 退费: a refund of over- or mis-paid contributions, paid to the payer's account after review."""
    if employer is not None:
        ensure_employer_scope(actor, employer)
        agency, payer = employer.agency, employer
    elif person is not None:
        ensure_person_scope(actor, person)
        agency, payer = person.agency, person
    else:
        raise ApplicationError("请指定退费单位或个人", field="employer")
    errors = v.Errors()
    text = errors.capture(v.required, reason, "reason", "退费原因", max_length=200)
    bank = errors.capture(
        v.required, bank_name or getattr(payer, "bank_name", ""), "bank_name", "收款银行", max_length=100
    )
    account = errors.capture(
        v.bank_account, bank_account or getattr(payer, "bank_account", ""), "bank_account", allow_blank=False
    )
    holder = errors.capture(v.required, account_name or payer.name, "account_name", "收款户名", max_length=200)
    entries = _check_entries(lines, employer.pk if employer else None, None if employer else person.pk, errors)
    errors.raise_if_any()
    payload = RefundPayload(
        employer=employer.pk if employer else None,
        person=None if employer else person.pk,
        entries=entries,
        bank_name=bank,
        bank_account=account,
        account_name=holder,
        reason=text,
    )
    key = f"e{employer.pk}" if employer else f"p{person.pk}"
    return case_open(
        actor=actor,
        item_code=ITEM,
        agency=agency,
        channel=channel_for(actor, channel),
        summary=f"退费：{payer.name} 合计 {payload.total:,.2f} 元",
        employer=employer,
        person=person,
        payload=payload,
        keys=[subject_key(ITEM, "payer", key, field="non_field_errors", label="该缴费主体")],
    )


def instruction_csv(
    *,
    reference: str,
    agency_code: str,
    day: dt.date,
    holder: str,
    bank: str,
    account: str,
    amount: Decimal,
    reason: str,
) -> str:
    """The bank instruction: header H and one detail line D (UTF-8 CSV, CRLF; docs/collection-files.md)."""
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\r\n")
    w.writerow(["H", "SBTF01", reference, agency_code, f"{day:%Y%m%d}", "1", f"{amount:.2f}"])
    w.writerow(["D", "1", reference, holder, bank, account, f"{amount:.2f}", reason])
    return out.getvalue()


def apply_refund(*, case: Case, actor) -> dict:
    """On approval: re-check under the payer's lock, write the refund payment, the REFUND lines, the allocations
    and the bank instruction."""
    p: RefundPayload = load_payload(case)
    lock_payers(employer_ids=[p.employer] if p.employer else [], person_ids=[] if p.employer else [p.person])
    errors = v.Errors()
    raw = [
        {"receivable": e.receivable, "employer_amount": e.employer_amount, "individual_amount": e.individual_amount}
        if e.receivable
        else {"payment": e.payment, "amount": e.amount, "insurance_type": e.insurance_type}
        for e in p.entries
    ]
    _check_entries(raw, p.employer, p.person, errors)
    if errors.errors:
        raise ConflictError(errors.errors["lines"][0], field="lines")
    today = timezone.localdate()
    reference = f"TF{case.number}"
    refund = Payment.objects.create(
        agency=case.agency,
        employer_id=p.employer,
        person_id=p.person,
        channel=PaymentChannel.REFUND,
        reference=reference,
        amount=-p.total,
        paid_on=today,
        case=case,
        created_by=actor,
    )
    for e in p.entries:
        if e.receivable:
            line = Receivable.objects.get(pk=e.receivable)
            back = Receivable.objects.create(
                kind=ReceivableKind.REFUND,
                agency=line.agency,
                employer_id=line.employer_id,
                person_id=line.person_id,
                insurance_type_id=line.insurance_type_id,
                period=line.period,
                base=ZERO,
                employer_amount=-e.employer_amount,
                individual_amount=-e.individual_amount,
                due_date=line.due_date,
                case=case,
                reverses=line,
                note=f"退费冲减（{reference}）",
            )
            PaymentAllocation.objects.create(
                payment=refund, receivable=back, employer_part=-e.employer_amount, individual_part=-e.individual_amount
            )
        else:
            source = Payment.objects.get(pk=e.payment)
            e_part, i_part = (e.amount, ZERO) if p.employer else (ZERO, e.amount)
            back = Receivable.objects.create(
                kind=ReceivableKind.REFUND,
                agency=case.agency,
                employer_id=p.employer,
                person_id=p.person,
                insurance_type_id=e.insurance_type,
                period=today.replace(day=1),
                employer_amount=e_part,
                individual_amount=i_part,
                due_date=today,
                case=case,
                note=f"退还溢缴款（缴费流水号 {source.reference}，{reference}）",
            )
            PaymentAllocation.objects.create(
                payment=source, receivable=back, employer_part=e_part, individual_part=i_part
            )
    instruction = RefundInstruction.objects.create(
        case=case,
        agency=case.agency,
        employer_id=p.employer,
        person_id=p.person,
        reference=reference,
        bank_name=p.bank_name,
        bank_account=p.bank_account,
        account_name=p.account_name,
        amount=p.total,
        content=instruction_csv(
            reference=reference,
            agency_code=case.agency.code,
            day=today,
            holder=p.account_name,
            bank=p.bank_name,
            account=p.bank_account,
            amount=p.total,
            reason=p.reason,
        ),
    )
    audit_write(
        actor=actor,
        action="refund.approve",
        item_code=ITEM,
        object_type="refund",
        object_id=instruction.pk,
        after={
            "reference": reference,
            "amount": p.total,
            "entries": len(p.entries),
            "bank_account": mask_account(p.bank_account),
        },
        case=case,
    )
    return {"payment_id": refund.pk, "instruction_id": instruction.pk, "reference": reference, "amount": str(p.total)}

"""How the case page shows the arrears area's requests: 缓缴 (020302), 补缴 (020303), 退费 (020304), 责令限期缴纳
(020502). Each reads the typed payload; a completed case also shows what the approval wrote."""

from __future__ import annotations

from decimal import Decimal

from shebao.core.models import Case
from shebao.core.payloads import load_payload
from shebao.core.views import CaseView
from shebao.registration.models import Employer, Person
from shebao.rules import INSURANCE_TYPE_NAMES

from ..choices import BackPaymentReason
from ..models import Receivable


def _unit(pk) -> str:
    row = Employer.objects.filter(pk=pk).values_list("name", "reg_no").first()
    return f"{row[0]}（{row[1]}）" if row else "—"


def _person(pk) -> str:
    return Person.objects.filter(pk=pk).values_list("name", flat=True).first() or "—"


def _types(codes) -> str:
    return "、".join(f"{c} {INSURANCE_TYPE_NAMES.get(c, '')}" for c in codes) or "—"


def present_deferral(case: Case, actor) -> CaseView:
    """缓缴申请: the unit, types, months and reason; once approved, the expiry."""
    p = load_payload(case)
    fields = [
        ("缓缴单位", _unit(p.employer)),
        ("缓缴险种", _types(p.insurance_types)),
        ("缓缴期间", f"{p.start_month:%Y-%m} 至 {p.end_month:%Y-%m}"),
        ("缓缴原因", p.reason),
    ]
    if (case.result or {}).get("expires_on"):
        fields.append(("缓缴期满日", case.result["expires_on"]))
    return CaseView(fields=fields)


def present_back_payment(case: Case, actor) -> CaseView:
    """补缴核定: payer, months, base, types, reason; the lines once written."""
    p = load_payload(case)
    fields = [
        ("补缴单位", _unit(p.employer) if p.employer else "—（个人缴费）"),
        ("补缴人员", _person(p.person) if p.person else "—（单位）"),
        ("补缴期间", f"{p.from_month:%Y-%m} 至 {p.to_month:%Y-%m}"),
        ("缴费基数", f"{p.base:,.2f} 元"),
        ("补缴险种", _types(p.insurance_types)),
        ("补缴原因", BackPaymentReason(p.reason).label if p.reason in BackPaymentReason.values else "—"),
        ("滞纳金计算至", str(p.paid_date)),
        ("说明", p.note or "—"),
    ]
    result = case.result or {}
    if "principal" in result:
        fields += [
            ("补缴本金", f"{Decimal(result['principal']):,.2f} 元"),
            ("滞纳金", f"{Decimal(result['late_fee']):,.2f} 元"),
        ]
    lines = Receivable.objects.filter(case=case).order_by("period", "kind", "insurance_type_id")
    rows = [
        [
            f"{r.period:%Y-%m}",
            r.get_kind_display(),
            r.insurance_type_id,
            f"{r.employer_amount:,.2f}",
            f"{r.individual_amount:,.2f}",
            str(r.due_date),
        ]
        for r in lines[:100]
    ]
    tables = []
    if rows:
        tables.append(
            {"title": "应收明细", "headers": ["所属期", "类别", "险种", "单位", "个人", "截止日"], "rows": rows}
        )
    return CaseView(fields=fields, tables=tables)


def present_refund(case: Case, actor) -> CaseView:
    """退费: payer, what is refunded, to which account, why."""
    p = load_payload(case)
    fields = [
        ("退费单位", _unit(p.employer) if p.employer else _person(p.person)),
        ("退费合计", f"{p.total:,.2f} 元"),
        ("收款银行", p.bank_name),
        ("收款户名", p.account_name),
        ("退费原因", p.reason),
    ]
    if (case.result or {}).get("reference"):
        fields.append(("退费流水号", case.result["reference"]))
    rows = []
    for n, e in enumerate(p.entries, start=1):
        if e.receivable:
            rows.append(
                [str(n), f"应收明细 {e.receivable}", f"{e.employer_amount:,.2f}", f"{e.individual_amount:,.2f}"]
            )
        else:
            rows.append([str(n), f"缴费记录 {e.payment}（溢缴，{e.insurance_type}）", f"{e.amount:,.2f}", "—"])
    return CaseView(
        fields=fields,
        tables=[{"title": "退费明细", "headers": ["序号", "来源", "单位部分/金额", "个人部分"], "rows": rows}],
    )


def present_arrears_notice(case: Case, actor) -> CaseView:
    """责令限期缴纳: the unit and note; once issued, the amount and deadline."""
    p = load_payload(case)
    fields = [("欠费单位", _unit(p.employer)), ("说明", p.note or "—")]
    result = case.result or {}
    if result.get("deadline"):
        fields += [("逾期欠费", f"{Decimal(result['amount']):,.2f} 元"), ("缴纳期限", result["deadline"])]
    return CaseView(fields=fields)

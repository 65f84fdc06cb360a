"""How the case page shows the requests of collection: 020401 征收计划, 020402 窗口缴费, 020501 欠费台账."""

from __future__ import annotations

from decimal import Decimal

from shebao.core.models import Agency, Case
from shebao.core.views import CaseView
from shebao.registration.models import Employer

from ..choices import CollectionChannel, CounterMethod
from ..models import ArrearsLedger, CollectionPlan


def _month(value) -> str:
    text = str(value or "")
    return f"{text[:4]}年{int(text[5:7])}月" if len(text) >= 7 and text[5:7].isdigit() else "—"


def _agency_name(pk) -> str:
    return Agency.objects.filter(pk=pk).values_list("name", flat=True).first() or "—"


def present_payment_counter(case: Case, actor) -> CaseView:
    """窗口缴费: the unit, the amount, the slip; once posted, how much was applied and the credit left."""
    p = case.payload
    employer = Employer.objects.filter(pk=p.get("employer")).values_list("name", "reg_no").first() or ("—", "—")
    method = p.get("method")
    fields = [
        ("缴费单位", f"{employer[0]}（{employer[1]}）"),
        ("缴费金额", f"{Decimal(p.get('amount') or 0):,.2f} 元"),
        ("缴费日期", p.get("paid_on") or "—"),
        ("缴费方式", CounterMethod(method).label if method in CounterMethod.values else "—"),
        ("缴费凭证号", p.get("reference") or "—"),
        ("备注", p.get("note") or "—"),
    ]
    result = case.result or {}
    if result.get("payment_id"):
        fields += [
            ("已冲抵应缴", f"{Decimal(result.get('applied') or 0):,.2f} 元"),
            ("单位预缴余额", f"{Decimal(result.get('credit') or 0):,.2f} 元"),
        ]
    return CaseView(fields=fields)


def present_collection_plan(case: Case, actor) -> CaseView:
    """制定征收计划: agency and month; once approved, the plan lines by channel and insurance type."""
    p = case.payload
    view = CaseView(
        fields=[
            ("经办机构", _agency_name(p.get("agency"))),
            ("计划月份", _month(p.get("period"))),
            ("说明", p.get("note") or "—"),
        ]
    )
    plan = CollectionPlan.objects.filter(case=case).first()
    if plan is not None:
        view.fields.append(("计划征收合计", f"{plan.total:,.2f} 元"))
        rows = [
            [
                CollectionChannel(ln.channel).label,
                f"{ln.insurance_type_id} {ln.insurance_type.name}",
                f"{ln.current_amount:,.2f}",
                f"{ln.arrears_amount:,.2f}",
                f"{ln.total:,.2f}",
                str(ln.payers),
            ]
            for ln in plan.lines.select_related("insurance_type").order_by("channel", "insurance_type_id")
        ]
        view.tables.append(
            {
                "title": "征收计划明细",
                "headers": ["征收渠道", "险种", "本期应征", "往期欠费", "合计", "缴费主体数"],
                "rows": rows,
                "more": 0,
            }
        )
    return view


def present_arrears_ledger(case: Case, actor) -> CaseView:
    """建立欠费台账: agency and month; once approved, the ledger's totals."""
    p = case.payload
    view = CaseView(
        fields=[
            ("经办机构", _agency_name(p.get("agency"))),
            ("台账月份", _month(p.get("period"))),
            ("说明", p.get("note") or "—"),
        ]
    )
    ledger = ArrearsLedger.objects.filter(case=case).first()
    if ledger is not None:
        view.fields += [
            ("账龄计算日", str(ledger.as_of)),
            ("欠费主体数", str(ledger.payers)),
            ("单位欠缴合计", f"{ledger.employer_arrears:,.2f} 元"),
            ("个人欠缴合计", f"{ledger.individual_arrears:,.2f} 元"),
            ("欠缴滞纳金合计", f"{ledger.late_fee_arrears:,.2f} 元"),
            ("其中未到期", f"{ledger.not_due:,.2f} 元"),
        ]
    return view

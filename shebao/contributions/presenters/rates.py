"""Cluster 02 (rates): how the cases of 02020101–02020202 are shown on the case page."""

from __future__ import annotations

from decimal import Decimal

from shebao.core.models import Case
from shebao.core.views import CaseView
from shebao.registration.models import InsuranceType

from ..choices import ChoiceKind, RateChangeReason
from ..services.rates_rules import grade_str


def pct(value) -> str:
    """A ratio as a percentage ("0.0024" → "0.24%"), "—" when empty."""
    if value in (None, ""):
        return "—"
    return f"{(Decimal(str(value)) * 100).normalize():f}%"


def grade_text(value) -> str:
    """A floating grade as the parameters write it ("1.200" → "1.2", "1.000" → "1.0")."""
    return "—" if value in (None, "") else grade_str(value)


def month_text(value) -> str:
    """ "2027-03-01" → "2027-03"."""
    return str(value or "")[:7] or "—"


def period_text(kind: str, value) -> str:
    """A choice's period: "2027年度" for a resident tier, "2027-03" for a flexible base."""
    text = str(value or "")
    return f"{text[:4]}年度" if kind == ChoiceKind.TIER and text else month_text(text)


def amount_text(kind: str, value) -> str:
    """A tier as 元/年, a base as 元/月."""
    if value in (None, ""):
        return "—"
    if kind == ChoiceKind.TIER:
        return f"{Decimal(str(value)).normalize():f} 元/年"
    return f"{Decimal(str(value)):.2f} 元/月"


def _types(codes) -> str:
    names = dict(InsuranceType.objects.filter(code__in=codes or []).values_list("code", "name"))
    return "、".join(f"{c} {names.get(c, '')}".strip() for c in codes or []) or "—"


def _rate_fields(p: dict) -> list[tuple[str, str]]:
    return [
        ("险种", _types([p.get("insurance_type", "410")])),
        ("工伤风险类别", f"{p.get('risk_class')}类"),
        ("浮动费率档次", grade_text(p.get("float_grade"))),
        ("行业基准费率", pct(p.get("base_rate"))),
        ("单位费率", pct(p.get("employer_rate"))),
        ("生效月", month_text(p.get("valid_from"))),
        ("政策依据", p.get("reference") or "—"),
        ("已核定月份按新费率补差", "是" if p.get("adjust_assessed") else "否"),
    ]


def present_employer_rate_determine(case: Case, actor) -> CaseView:
    """02020101 费率核定: class, grade, base rate and the resulting rate from its month."""
    p = case.payload
    return CaseView(fields=[*_rate_fields(p), ("说明", p.get("note") or "—")])


def present_employer_rate_change(case: Case, actor) -> CaseView:
    """02020201 费率调整: the reason, the rate before and after, from the effective month."""
    p = case.payload
    reason = p.get("reason", "")
    fields = [("调整原因", RateChangeReason(reason).label if reason in RateChangeReason.values else reason)]
    fields += [
        (
            "调整前",
            f"{p.get('previous_risk_class')}类，档次 {grade_text(p.get('previous_float_grade'))}，"
            f"费率 {pct(p.get('previous_rate'))}",
        ),
        *_rate_fields(p),
        ("说明", p.get("note") or "—"),
    ]
    return CaseView(fields=fields)


def _choice_fields(p: dict) -> list[tuple[str, str]]:
    kind = p.get("kind", "")
    fields = [
        ("类别", ChoiceKind(kind).label if kind in ChoiceKind.values else kind),
        ("险种", _types(p.get("insurance_types"))),
        ("缴费档次" if kind == ChoiceKind.TIER else "缴费基数", amount_text(kind, p.get("amount"))),
        ("生效期", period_text(kind, p.get("valid_from"))),
    ]
    if kind == ChoiceKind.TIER:
        fields.append(("政府缴费补贴", f"{p.get('subsidy') or '—'} 元/年"))
    else:
        fields.append(("缴费基数范围", f"{p.get('lower') or '—'}–{p.get('upper') or '—'} 元/月"))
    return fields


def present_person_choice_determine(case: Case, actor) -> CaseView:
    """02020102 费额核定: the tier or base chosen and from when."""
    p = case.payload
    return CaseView(fields=[*_choice_fields(p), ("说明", p.get("note") or "—")])


def present_person_choice_change(case: Case, actor) -> CaseView:
    """02020202 费额调整: what was in force, what it becomes, from the next period."""
    p = case.payload
    kind = p.get("kind", "")
    before = "；".join(
        f"{code} {amount_text(kind, row.get('amount'))}（{period_text(kind, row.get('valid_from'))} 起）"
        for code, row in (p.get("previous") or {}).items()
    )
    return CaseView(fields=[("调整前", before or "—"), *_choice_fields(p), ("说明", p.get("note") or "—")])

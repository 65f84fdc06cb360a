"""Case pages of 020101–020103: each request as the clerk and the reviewer read it (ID numbers masked)."""

from __future__ import annotations

from decimal import Decimal

from shebao.core.identifiers import mask_id
from shebao.core.models import Case
from shebao.core.payloads import load_payload
from shebao.core.views.presenting import CaseView
from shebao.registration.models import Employer, InsuranceType, Person

from ..choices import BaseSource

SHOWN_LINES = 100


def present_wage_declaration(case: Case, actor) -> CaseView:
    """020101: unit, year, totals, and the first lines of the declaration."""
    p = load_payload(case)
    employer = Employer.objects.filter(pk=p.employer).first()
    average = (p.wage_total / p.headcount / 12).quantize(Decimal("0.01")) if p.headcount else Decimal("0.00")
    fields = [
        ("参保单位", f"{employer.name}（{employer.reg_no}）" if employer else "—"),
        ("缴费年度", f"{p.year}年度（申报{p.year - 1}年度工资）"),
        ("申报人数", f"{p.headcount} 人"),
        ("上年度工资总额", f"{p.wage_total} 元"),
        ("人均月工资", f"{average} 元"),
    ]
    rows = [
        [
            str(line["row"]),
            mask_id(line["id_number"]),
            line["name"],
            line["annual_wage"],
            str(line["months"]),
            line["monthly_wage"],
        ]
        for line in p.lines[:SHOWN_LINES]
    ]
    table = {
        "title": "申报明细",
        "headers": ["行号", "社会保障号码", "姓名", "上年度工资收入（元）", "在岗月数", "月平均工资（元）"],
        "rows": rows,
        "more": len(p.lines) - len(rows),
    }
    return CaseView(fields=fields, tables=[table])


def _person(pk: int) -> Person | None:
    return Person.objects.select_related("employer").filter(pk=pk).first()


def present_base_determine(case: Case, actor) -> CaseView:
    """020102 (single case): the person, kind, month, wage and the base it gives (bounded to the year's bounds)."""
    from ..services.wages_bases import KINDS, preview_base

    p = load_payload(case)
    person = _person(p.person)
    fields = [
        ("参保人", f"{person.name}（{mask_id(person.id_number)}）" if person else "—"),
        ("所在单位", person.employer.name if person and person.employer else "—"),
        ("核定类别", KINDS.get(p.kind, p.kind)),
        ("缴费年度", f"{p.year}年度"),
        ("适用起始月", f"{p.valid_from:%Y-%m}"),
        ("月工资收入", f"{p.monthly_wage} 元" if p.monthly_wage is not None else "未填写（按年度工资申报或下限核定）"),
    ]
    if case.result:
        source = dict(BaseSource.choices).get(case.result.get("source", ""), "")
        fields.append(("核定的月缴费基数", f"{case.result.get('base')} 元（{source}）"))
    else:
        _, source, result = preview_base(p)
        label = dict(BaseSource.choices).get(str(source), "")
        fields.append(
            ("核定的月缴费基数（预计）", f"{result.base} 元（{label}；下限 {result.lower}，上限 {result.upper}）")
        )
    if p.note:
        fields.append(("说明", p.note))
    return CaseView(fields=fields)


def present_base_adjust(case: Case, actor) -> CaseView:
    """020103: the person, months, corrected base and source; once approved, the differences assessed."""
    from ..services.wages_adjust import SOURCES

    p = load_payload(case)
    person = _person(p.person)
    fields = [
        ("参保人", f"{person.name}（{mask_id(person.id_number)}）" if person else "—"),
        ("所在单位", person.employer.name if person and person.employer else "—"),
        ("调整月份", f"{p.from_month:%Y-%m} 至 {p.to_month:%Y-%m}（{p.year}缴费年度）"),
        ("调整后月缴费基数", f"{p.base} 元"),
        ("调整依据", SOURCES.get(p.source, p.source)),
        ("文书编号", p.document_no or "—"),
        ("调整原因", p.reason or "—"),
    ]
    tables = []
    r = case.result or {}
    if r:
        fields += [
            ("单位部分应缴差额", f"{r.get('employer_diff')} 元"),
            ("个人部分应缴差额", f"{r.get('individual_diff')} 元"),
            ("滞纳金（计至办结日）", f"{r.get('late_fee')} 元"),
            ("未核定月份（按新基数核定）", "、".join(r.get("not_assessed") or []) or "—"),
        ]
        names = dict(InsuranceType.objects.values_list("code", "name"))
        rows = [[m, "、".join(names.get(c, c) for c in codes)] for m, codes in (r.get("months") or {}).items()]
        if rows:
            tables.append({"title": "已记入应收台账的差额", "headers": ["费款所属期", "险种"], "rows": rows, "more": 0})
    return CaseView(fields=fields, tables=tables)

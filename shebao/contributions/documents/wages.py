"""Receipts (回执) of 020101 工资总额审核, 020102 缴费基数核定 and 020103 缴费基数调整.

Built from the completed case (payload and result), so a reprint certifies the same content and carries the same
verification code; ID numbers masked. Each is the item's `receipt` in `items/wages.py`.
"""

from __future__ import annotations

from django.utils import timezone

from shebao.core.documents import issued_document_pdf
from shebao.core.identifiers import mask_id
from shebao.core.models import Case
from shebao.core.payloads import load_payload
from shebao.core.verification import Certified, DocumentKind, document_issue, register_document_kind
from shebao.registration.models import Employer, InsuranceType, Person

from ..choices import BaseSource

TITLES = {
    "020101": "工资总额审核回执",
    "020102": "缴费基数核定回执",
    "020103": "缴费基数调整回执",
}
NOTICES = {
    "020101": "贵单位申报的上年度职工工资已审核通过，将作为所列缴费年度核定职工个人缴费基数的依据。",
    "020102": "上述人员的月缴费基数已核定，自所列起始月起适用，按月缴纳社会保险费时以此为基数。",
    "020103": "上述人员的缴费基数已调整；已核定月份的应缴差额（及滞纳金）已记入应收台账，请按期缴纳。",
}
for _code, _title in TITLES.items():
    register_document_kind(
        DocumentKind(
            key=f"receipt.{_code}",
            title=_title,
            certifies=f"本回执证明经办机构已办结上述「{_title.removesuffix('回执')}」业务。",
        )
    )


def _print(case: Case, certified: Certified, *, object_type: str, object_id, number=("", "")) -> tuple[str, bytes]:
    doc = document_issue(
        kind=f"receipt.{case.item_id}",
        certified=certified,
        agency=case.agency,
        case=case,
        object_type=object_type,
        object_id=object_id,
    )
    dated = timezone.localtime(case.completed_at).date() if case.completed_at else None
    pdf = issued_document_pdf(doc, notice=NOTICES[case.item_id], dated=dated, number_label=number[0], number=number[1])
    return f"receipt-{case.item_id}-{case.number}.pdf", pdf


def receipt_020101(case: Case) -> tuple[str, bytes]:
    """工资总额审核回执: the unit, the contribution year, headcount and wage total (the lines stay in the system)."""
    p = load_payload(case)
    employer = Employer.objects.get(pk=p.employer)
    fields = [
        ("参保单位", employer.name),
        ("缴费年度", f"{p.year}年度（申报{p.year - 1}年度工资）"),
        ("申报人数", f"{p.headcount} 人"),
        ("上年度工资总额", f"{p.wage_total} 元"),
        ("业务流水号", case.number),
    ]
    return _print(
        case,
        Certified(fields=fields),
        object_type="wage_declaration",
        object_id=case.result.get("declaration_id", case.pk),
        number=("社会保险登记编号", employer.reg_no),
    )


def _person_fields(person: Person) -> list[tuple[str, str]]:
    return [("姓名", person.name), ("社会保障号码", mask_id(person.id_number))]


def receipt_020102(case: Case) -> tuple[str, bytes]:
    """缴费基数核定回执: the person, the year, the first month and the base determined."""
    p, r = load_payload(case), case.result or {}
    person = Person.objects.get(pk=p.person)
    employer = Employer.objects.filter(pk=p.employer).first()
    source = dict(BaseSource.choices).get(r.get("source", ""), "")
    fields = [
        *_person_fields(person),
        ("所在单位", employer.name if employer else "—"),
        ("缴费年度", f"{p.year}年度"),
        ("适用起始月", f"{p.valid_from:%Y-%m}"),
        ("月缴费基数", f"{r.get('base', '')} 元"),
        ("核定方式", source),
    ]
    return _print(case, Certified(fields=fields), object_type="person", object_id=person.pk)


def receipt_020103(case: Case) -> tuple[str, bytes]:
    """缴费基数调整回执: the person, the months, the corrected base and the differences assessed."""
    from ..services.wages_adjust import SOURCES

    p, r = load_payload(case), case.result or {}
    person = Person.objects.get(pk=p.person)
    names = dict(InsuranceType.objects.values_list("code", "name"))
    fields = [
        *_person_fields(person),
        ("调整月份", f"{p.from_month:%Y-%m}至{p.to_month:%Y-%m}"),
        ("调整后月缴费基数", f"{p.base} 元"),
        ("调整依据", SOURCES.get(p.source, p.source)),
        ("文书编号", p.document_no or "—"),
        ("单位部分应缴差额", f"{r.get('employer_diff', '0.00')} 元"),
        ("个人部分应缴差额", f"{r.get('individual_diff', '0.00')} 元"),
        ("滞纳金", f"{r.get('late_fee', '0.00')} 元"),
    ]
    rows = [[month, "、".join(names.get(c, c) for c in codes)] for month, codes in (r.get("months") or {}).items()]
    tables = [{"title": "已核定月份的差额险种", "headers": ["费款所属期", "险种"], "rows": rows}] if rows else []
    return _print(case, Certified(fields=fields, tables=tables), object_type="person", object_id=person.pk)

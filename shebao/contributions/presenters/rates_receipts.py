"""Receipts (回执) of 02020101–02020202: what each completed case certifies, printed through `core.documents`.

Built from the completed case (payload + result), so a reprint certifies the same thing and carries the same
verification code; ID numbers are masked.
"""

from __future__ import annotations

from django.utils import timezone

from shebao.core.documents import issued_document_pdf
from shebao.core.identifiers import mask_id
from shebao.core.models import Case
from shebao.core.verification import Certified, DocumentKind, document_issue, register_document_kind
from shebao.registration.models import Employer, Person

from .rates import (
    present_employer_rate_change,
    present_employer_rate_determine,
    present_person_choice_change,
    present_person_choice_determine,
)

TITLES = {
    "02020101": "工伤保险费率核定通知书",
    "02020201": "工伤保险费率调整通知书",
    "02020102": "社会保险费缴费档次（基数）核定回执",
    "02020202": "社会保险费缴费档次（基数）调整回执",
}
NOTICES = {
    "02020101": "贵单位的工伤保险费率已核定如上，自所列生效月起按此费率缴纳工伤保险费。",
    "02020201": "贵单位的工伤保险费率已调整如上，自所列生效月起按调整后的费率缴纳；此前月份仍按原费率。",
    "02020102": "上述缴费档次（基数）已核定，自所列生效期起按此缴费。",
    "02020202": "上述缴费档次（基数）已调整，自所列生效期起按调整后的档次（基数）缴费；此前各期不变。",
}
for _code, _title in TITLES.items():
    register_document_kind(
        DocumentKind(
            key=f"receipt.{_code}",
            title=_title,
            certifies=f"本文书证明经办机构已办结「{_title.removesuffix('回执').removesuffix('通知书')}」业务。",
        )
    )


def _print(case: Case, certified: Certified, *, object_type: str, object_id, number: tuple[str, str]):
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


def _employer_receipt(case: Case, present) -> tuple[str, bytes]:
    employer = Employer.objects.get(pk=case.payload["employer"])
    fields = [("单位名称", employer.name), ("统一社会信用代码", employer.uscc), *present(case, None).fields]
    return _print(
        case,
        Certified(fields=fields),
        object_type="employer",
        object_id=employer.pk,
        number=("社会保险登记编号", employer.reg_no),
    )


def _person_receipt(case: Case, present) -> tuple[str, bytes]:
    person = Person.objects.get(pk=case.payload["person"])
    fields = [("姓名", person.name), ("社会保障号码", mask_id(person.id_number)), *present(case, None).fields]
    return _print(case, Certified(fields=fields), object_type="person", object_id=person.pk, number=("", ""))


def receipt_02020101(case: Case) -> tuple[str, bytes]:
    """工伤保险费率核定通知书: the unit, its class, grade and rate from the month."""
    return _employer_receipt(case, present_employer_rate_determine)


def receipt_02020201(case: Case) -> tuple[str, bytes]:
    """工伤保险费率调整通知书: the rate before and after, from the effective month."""
    return _employer_receipt(case, present_employer_rate_change)


def receipt_02020102(case: Case) -> tuple[str, bytes]:
    """缴费档次（基数）核定回执: the person (ID masked), the tier or base and from when."""
    return _person_receipt(case, present_person_choice_determine)


def receipt_02020202(case: Case) -> tuple[str, bytes]:
    """缴费档次（基数）调整回执: what was in force and what it becomes, from the next period."""
    return _person_receipt(case, present_person_choice_change)

"""Documents of the arrears area: 缓缴协议 (020302, the receipt of an approved deferral) and 责令限期缴纳通知书
(020502, the receipt of an approved notice). Built from the completed case's record, issued through
`core.verification` (a reprint of the same content carries the same signed verification code)."""

from __future__ import annotations

from shebao.core.documents import issued_document_pdf
from shebao.core.models import Case
from shebao.core.verification import Certified, DocumentKind, document_issue, register_document_kind
from shebao.rules import INSURANCE_TYPE_NAMES

from ..models import ArrearsAction, Deferral

DEFERRAL = "agreement.020302"
NOTICE = "notice.020502"
register_document_kind(
    DocumentKind(
        key=DEFERRAL,
        title="社会保险费缓缴协议",
        certifies="经办机构同意上述单位在缓缴期内缓缴所列险种的单位缴费部分，缓缴期内免收滞纳金。",
    )
)
register_document_kind(
    DocumentKind(
        key=NOTICE,
        title="社会保险费责令限期缴纳通知书",
        certifies="经办机构责令上述单位在缴纳期限内足额缴纳所欠社会保险费。",
    )
)


def _day(d) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def _unit(employer) -> list[tuple[str, str]]:
    return [("单位名称", employer.name), ("社会保险登记编号", employer.reg_no), ("统一社会信用代码", employer.uscc)]


def receipt_020302(case: Case) -> tuple[str, bytes]:
    """缓缴协议 (PDF) of an approved deferral."""
    d = Deferral.objects.select_related("employer", "agency").get(case=case)
    fields = [
        *_unit(d.employer),
        ("缓缴险种", "、".join(INSURANCE_TYPE_NAMES.get(t, t) for t in d.types)),
        ("缓缴期间", f"{d.start_month:%Y年%m月}至{d.end_month:%Y年%m月}"),
        ("缓缴期满日", _day(d.expires_on)),
        ("缓缴原因", d.reason),
        (
            "约定",
            "缓缴期内免收滞纳金；缓缴期满未足额补缴的，自原缴费截止日起计为欠费，"
            "并按日加收滞纳金（缓缴期内的天数不计）。",
        ),
    ]
    doc = document_issue(
        kind=DEFERRAL,
        certified=Certified(fields=fields),
        agency=d.agency,
        case=case,
        object_type="deferral",
        object_id=d.pk,
    )
    pdf = issued_document_pdf(doc, dated=d.created_at.date(), number_label="协议编号", number=case.number)
    return f"deferral-{d.pk}.pdf", pdf


def receipt_020502(case: Case) -> tuple[str, bytes]:
    """责令限期缴纳通知书 (PDF) of an issued notice."""
    n = ArrearsAction.objects.select_related("employer", "agency").get(case=case, kind="notice")
    fields = [
        *_unit(n.employer),
        ("逾期欠费金额（截至通知日）", f"¥{n.amount:,.2f}"),
        ("通知日期", _day(n.acted_on)),
        ("缴纳期限", f"{_day(n.deadline)}前"),
        (
            "依据",
            "《中华人民共和国社会保险法》第六十三条、第八十六条：逾期仍不缴纳的，经办机构可以查询其存款账户，"
            "申请有关部门作出划拨决定，或者申请人民法院强制执行，并自欠缴之日起按日加收万分之五的滞纳金。",
        ),
    ]
    doc = document_issue(
        kind=NOTICE,
        certified=Certified(fields=fields),
        agency=n.agency,
        case=case,
        object_type="employer",
        object_id=n.employer_id,
    )
    pdf = issued_document_pdf(doc, dated=n.acted_on, number_label="通知书编号", number=case.number)
    return f"notice-{n.pk}.pdf", pdf

"""Receipts (回执) of the six cluster-01 items: what each certifies, masked, printed through `core.documents`.

Each `receipt_<code>(case)` returns `(filename, pdf bytes)` and is declared as the item's `receipt` in `items.py`.
The content comes from the completed case (its payload and result), so a reprint certifies the same thing and
carries the same verification code. ID numbers and bank accounts are masked on paper as on the verification page.
"""

from __future__ import annotations

from collections.abc import Callable

from django.utils import timezone

from shebao.core.audit import mask_account
from shebao.core.documents import issued_document_pdf
from shebao.core.identifiers import mask_id
from shebao.core.models import Case, Region
from shebao.core.payloads import load_payload
from shebao.core.verification import Certified, DocumentKind, document_issue, register_document_kind

from .choices import ContributionMethod, Gender, PersonCategory, TerminationReason, UnitType
from .models import Employer, InsuranceType, Person
from .presenters import employer_change_fields, restructure_fields, transfer_fields
from .services.restructure import EmployerRestructurePayload, EmployerTransferPayload

TITLES = {
    "01010101": "单位参保登记回执",
    "01010102": "单位变更登记回执",
    "01010103": "单位注销登记回执",
    "01010201": "个人参保登记回执",
    "01010202": "个人变更登记回执",
    "01010203": "社会保险关系终止回执",
}
for _code, _title in TITLES.items():
    register_document_kind(
        DocumentKind(
            key=f"receipt.{_code}",
            title=_title,
            certifies=f"本回执证明经办机构已办结上述「{_title.removesuffix('回执')}」业务。",
        )
    )

NOTICES = {
    "01010101": "贵单位已依法办理社会保险登记。请妥善保管本回执，单位信息发生变更或依法终止的，应当自变更或终止之日起"
    "三十日内到经办机构办理变更或注销登记。",
    "01010102": "上述变更已记入社会保险登记信息，自所列生效月起执行。",
    "01010103": "贵单位的社会保险登记已注销，其参保险种及职工的参保关系已同时终止。",
    "01010201": "上述人员已办理社会保险参保登记，自所列起始月起参保。",
    "01010202": "上述变更已记入个人社会保险登记信息。",
    "01010203": "上述人员的社会保险关系已终止，其各险种参保登记同时终止。",
}

_EMPLOYER_LABELS = {
    "uscc": "统一社会信用代码",
    "name": "单位名称",
    "unit_type": "单位类型",
    "legal_rep": "法定代表人",
    "address": "单位地址",
    "region": "所在区划",
    "industry_code": "行业代码",
    "injury_risk_class": "工伤风险类别",
    "contact_name": "联系人",
    "contact_phone": "联系电话",
    "bank_name": "开户银行",
    "bank_account": "银行账号",
}
_PERSON_LABELS = {
    "id_number": "社会保障号码",
    "name": "姓名",
    "ethnicity": "民族",
    "phone": "联系电话",
    "address": "居住地址",
    "contribution_method": "缴费方式",
    "benefit_bank_name": "待遇发放银行",
    "benefit_bank_account": "待遇发放账号",
}


def _type_names() -> dict[str, str]:
    return dict(InsuranceType.objects.values_list("code", "name"))


def _names(codes, names: dict[str, str]) -> str:
    return "、".join(f"{c} {names.get(c, '')}".strip() for c in codes or []) or "—"


def _month(value) -> str:
    text = str(value or "")
    return f"{text[:4]}年{int(text[5:7])}月" if len(text) >= 7 and text[5:7].isdigit() else "—"


def _date(value) -> str:
    text = str(value or "")
    return f"{text[:4]}年{int(text[5:7])}月{int(text[8:10])}日" if len(text) >= 10 else "—"


def _region_label(code: str) -> str:
    region = Region.objects.filter(code=code).first()
    if region is None:
        return code
    names = dict(Region.objects.filter(code__in=region.lineage_codes()).values_list("code", "name"))
    return "".join(names[c] for c in reversed(region.lineage_codes()) if c in names)


def _value(key: str, value) -> str:
    """A changed or registered value as printed (secrets masked, codes by their names)."""
    if value in (None, "", []):
        return "—"
    if key == "id_number":
        return mask_id(str(value))
    if key in ("bank_account", "benefit_bank_account"):
        return mask_account(str(value))
    if key == "unit_type":
        return UnitType(value).label if value in UnitType.values else str(value)
    if key == "contribution_method":
        return ContributionMethod(value).label if value in ContributionMethod.values else str(value)
    if key == "region":
        return _region_label(str(value))
    if key == "injury_risk_class":
        return f"{value}类"
    return str(value)


def _issue_and_print(case: Case, certified: Certified, *, object_type: str, object_id, number: tuple[str, str]):
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


# --------------------------------------------------------------------------------------------------------------
# 单位: 01010101 参保登记, 01010102 变更登记, 01010103 注销登记
# --------------------------------------------------------------------------------------------------------------


def _employer_fields(data: dict, reg_no: str, registered_on: str) -> list[tuple[str, str]]:
    keys = ("name", "uscc", "unit_type", "legal_rep", "address", "region", "industry_code", "injury_risk_class")
    return [
        ("社会保险登记编号", reg_no),
        *((_EMPLOYER_LABELS[k], _value(k, data.get(k))) for k in keys),
        ("登记日期", registered_on),
    ]


def _insurance_table(rows: list[list[str]]) -> dict:
    return {"title": "参保险种", "headers": ["险种编码", "险种名称", "参保起始月"], "rows": rows}


def receipt_01010101(case: Case) -> tuple[str, bytes]:
    """单位参保登记回执: the unit as registered by the case (details, registration number, insurance types)."""
    p = case.payload
    employer = Employer.objects.get(pk=case.employer_id)
    names = _type_names()
    registered = _date(timezone.localtime(case.completed_at).date() if case.completed_at else employer.registered_on)
    certified = Certified(
        fields=_employer_fields(p, employer.reg_no, registered),
        tables=[_insurance_table([[c, names.get(c, ""), _month(p.get("start_month"))] for c in p["insurances"]])],
    )
    return _issue_and_print(
        case, certified, object_type="employer", object_id=employer.pk, number=("社会保险登记编号", employer.reg_no)
    )


def employer_receipt_pdf(*, employer: Employer, case: Case | None = None) -> bytes:
    """单位参保登记回执 of a unit: from its registration case, or from the record for units imported without one."""
    case = case or (
        Case.objects.filter(item_id="01010101", employer=employer, status="completed")
        .order_by("completed_at", "pk")
        .first()
    )
    if case is not None:
        return receipt_01010101(case)[1]
    insurances = employer.insurances.filter(active=True).order_by("insurance_type_id").select_related("insurance_type")
    data = {k: getattr(employer, k) for k in _EMPLOYER_LABELS if k != "region"} | {"region": employer.region_id}
    certified = Certified(
        fields=_employer_fields(data, employer.reg_no, _date(employer.registered_on)),
        tables=[
            _insurance_table(
                [[i.insurance_type_id, i.insurance_type.name, _month(i.start_month.isoformat())] for i in insurances]
            )
        ],
    )
    doc = document_issue(
        kind="receipt.01010101",
        certified=certified,
        agency=employer.agency,
        object_type="employer",
        object_id=employer.pk,
    )
    return issued_document_pdf(doc, notice=NOTICES["01010101"], number_label="社会保险登记编号", number=employer.reg_no)


def _unit_fields(case: Case, employer: Employer) -> list[tuple[str, str]]:
    return [
        ("单位名称", case.applicant_name),
        ("社会保险登记编号", employer.reg_no),
        ("统一社会信用代码", employer.uscc),
    ]


def receipt_01010102(case: Case) -> tuple[str, bytes]:
    """单位变更登记回执: the changed details and insurance types, a 分立合并 or a 成建制转移, as approved."""
    p, names, result = load_payload(case), _type_names(), case.result or {}
    if isinstance(p, EmployerRestructurePayload):
        certified = Certified(fields=restructure_fields(p, month=_month, moved=result.get("moved", len(p.moves))))
        return _issue_and_print(case, certified, object_type="case", object_id=case.pk, number=("", ""))
    employer = Employer.objects.get(pk=p.employer)
    fields = _unit_fields(case, employer)
    if isinstance(p, EmployerTransferPayload):
        fields += transfer_fields(p, month=_month, moved=result.get("moved", 0))
    else:
        changed = [(f"{_EMPLOYER_LABELS.get(k, k)}（变更后）", _value(k, v)) for k, v in (p.changes or {}).items()]
        fields += employer_change_fields(p, changed, names, month=_month)
    return _issue_and_print(
        case,
        Certified(fields=fields),
        object_type="employer",
        object_id=employer.pk,
        number=("社会保险登记编号", employer.reg_no),
    )


def receipt_01010103(case: Case) -> tuple[str, bytes]:
    """单位注销登记回执: the unit, the date and the reason of its deregistration."""
    p = load_payload(case)
    employer = Employer.objects.get(pk=p.employer)
    fields = [*_unit_fields(case, employer), ("注销日期", _date(p.date)), ("注销原因", p.reason)]
    return _issue_and_print(
        case,
        Certified(fields=fields),
        object_type="employer",
        object_id=employer.pk,
        number=("社会保险登记编号", employer.reg_no),
    )


# --------------------------------------------------------------------------------------------------------------
# 个人: 01010201 参保登记 (one or many persons), 01010202 变更登记, 01010203 关系终止
# --------------------------------------------------------------------------------------------------------------


def receipt_01010201(case: Case) -> tuple[str, bytes]:
    """个人参保登记回执: the unit, the category and every person enrolled by the case (ID numbers masked)."""
    p, names = load_payload(case), _type_names()
    employer = Employer.objects.filter(pk=p.employer).first() if p.employer else None
    rows = [
        [
            str(i),
            mask_id(r["id_number"]),
            r["name"],
            Gender(r["gender"]).label if r.get("gender") in Gender.values else "",
            _names(r.get("insurances"), names),
            _month(r.get("start_month")),
        ]
        for i, r in enumerate(p.rows, start=1)
    ]
    fields = [
        ("参保单位", employer.name if employer else "—"),
        ("人员类别", PersonCategory(p.category).label if p.category in PersonCategory.values else "—"),
        ("登记人数", f"{len(rows)} 人"),
    ]
    if len(rows) == 1:
        fields[:0] = [("姓名", rows[0][2]), ("社会保障号码", rows[0][1])]
    table = {
        "title": "参保人员",
        "headers": ["序号", "社会保障号码", "姓名", "性别", "参保险种", "起始月"],
        "rows": rows,
    }
    object_type, object_id = ("person", case.person_id) if case.person_id and len(rows) == 1 else ("case", case.pk)
    number = ("社会保险登记编号", employer.reg_no) if employer else ("", "")
    return _issue_and_print(
        case, Certified(fields=fields, tables=[table]), object_type=object_type, object_id=object_id, number=number
    )


def _person_fields(case: Case, person: Person) -> list[tuple[str, str]]:
    return [("姓名", case.applicant_name or person.name), ("社会保障号码", mask_id(person.id_number))]


def receipt_01010202(case: Case) -> tuple[str, bytes]:
    """个人变更登记回执: the changed details (secrets masked) and the insurance types added, 停保 or 续保."""
    p, names = load_payload(case), _type_names()
    person = Person.objects.get(pk=p.person)
    fields = _person_fields(case, person)
    fields += [(f"{_PERSON_LABELS.get(k, k)}（变更后）", _value(k, v)) for k, v in (p.changes or {}).items()]
    for label, codes in (("增加险种", p.add), ("停保险种", p.suspend), ("续保险种", p.resume)):
        if codes:
            fields.append((label, _names(codes, names)))
    if p.month:
        fields.append(("险种变更月份", _month(p.month)))
    if p.reason:
        fields.append(("变更原因", p.reason))
    return _issue_and_print(case, Certified(fields=fields), object_type="person", object_id=person.pk, number=("", ""))


def receipt_01010203(case: Case) -> tuple[str, bytes]:
    """社会保险关系终止回执: the person, the reason and date of termination and how many enrolments ended."""
    p = load_payload(case)
    person = Person.objects.get(pk=p.person)
    reason = TerminationReason(p.reason).label if p.reason in TerminationReason.values else p.reason
    fields = [
        *_person_fields(case, person),
        ("终止原因", reason),
        ("终止日期", _date(p.date)),
        ("说明", p.note or "—"),
        ("终止参保险种", f"{(case.result or {}).get('enrolments_ended', 0)} 项"),
    ]
    return _issue_and_print(case, Certified(fields=fields), object_type="person", object_id=person.pk, number=("", ""))


RECEIPTS: dict[str, Callable[[Case], tuple[str, bytes]]] = {
    "01010101": receipt_01010101,
    "01010102": receipt_01010102,
    "01010103": receipt_01010103,
    "01010201": receipt_01010201,
    "01010202": receipt_01010202,
    "01010203": receipt_01010203,
}

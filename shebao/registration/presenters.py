"""How the workbench shows the request of each cluster-01 item's case, read from its typed payload."""

from __future__ import annotations

from shebao.core.access import can_view_full_id
from shebao.core.identifiers import mask_id
from shebao.core.models import Agency, Case
from shebao.core.payloads import load_payload
from shebao.core.pdaccess import log_full_view
from shebao.core.views import CaseView

from . import forms as f
from .choices import Gender, PersonCategory, TerminationReason
from .models import Employer
from .services.employers import EmployerChangePayload, EmployerDeregisterPayload, EmployerEnrolPayload
from .services.enrolment import PersonEnrolPayload
from .services.persons import PersonChangePayload, PersonTerminatePayload
from .services.restructure import EmployerRestructurePayload, EmployerTransferPayload
from .views.common import _FIELD_LABELS, _display, _names, _type_names

# --------------------------------------------------------------------------------------------------------------
# Case presenters (core's `present_case` calls them only for cases whose payload is of the item's types)
# --------------------------------------------------------------------------------------------------------------


def _month(day) -> str:
    return f"{day:%Y-%m}" if day else ""


def _changes(changes: dict, names: dict[str, str], *, full: bool) -> list[tuple[str, str]]:
    """The changed details, each labelled "…（变更后）"."""
    return [(f"{_FIELD_LABELS.get(k, k)}（变更后）", _display(k, val, names, full=full)) for k, val in changes.items()]


def present_employer_enrol(case: Case, actor) -> CaseView:
    p: EmployerEnrolPayload = load_payload(case)
    names = _type_names()
    keys = [*f.EMPLOYER_DETAIL_FIELDS, "insurances", "start_month"]
    fields = [
        (_FIELD_LABELS[k] if k != "name" else "单位名称", _display(k, getattr(p, k), names, full=True)) for k in keys
    ]
    return CaseView(fields=fields)


def restructure_fields(p: EmployerRestructurePayload, *, month=_month, moved: int | None = None) -> list:
    """分立合并 as shown on the case page and printed on the receipt (`moved`: the count once applied)."""
    units = dict(Employer.objects.filter(pk__in=[*p.sources, *p.targets]).values_list("pk", "name"))
    return [
        ("变更类型", "单位分立" if p.kind == "split" else "单位合并"),
        ("原单位", "、".join(units.get(pk, str(pk)) for pk in p.sources)),
        ("承继单位", "、".join(units.get(pk, str(pk)) for pk in p.targets)),
        ("转移人数", f"{len(p.moves) if moved is None else moved} 人"),
        ("生效月", month(p.month)),
        ("注销原单位", "是" if p.cancel else "否"),
    ]


def transfer_fields(p: EmployerTransferPayload, *, month=_month, moved: int | None = None) -> list:
    """成建制转移 as shown on the case page and printed on the receipt (`moved`: the count once applied)."""
    agencies = dict(Agency.objects.filter(pk__in=[p.from_agency, p.to_agency]).values_list("pk", "name"))
    fields = [
        ("变更类型", "成建制转移"),
        ("转出经办机构", agencies.get(p.from_agency, "")),
        ("转入经办机构", agencies.get(p.to_agency, "")),
    ]
    if moved is not None:
        fields.append(("随同转移人数", f"{moved} 人"))
    return [*fields, ("生效月", month(p.month))]


def employer_change_fields(p: EmployerChangePayload, changed: list, names: dict[str, str], *, month=_month) -> list:
    """单位信息及险种变更 as shown on the case page and printed on the receipt (`changed`: the details, labelled)."""
    fields = [("变更类型", "单位信息及险种变更"), *changed]
    if p.add:
        fields.append(("增加险种", _names(p.add, names)))
    if p.remove:
        fields.append(("减少险种", _names(p.remove, names)))
    if p.month:
        fields.append(("险种变更生效月", month(p.month)))
    return fields


def present_employer_change(case: Case, actor) -> CaseView:
    """01010102 has three requests: details and insurance types, 分立合并, 成建制转移 (one payload type each)."""
    p = load_payload(case)
    if isinstance(p, EmployerRestructurePayload):
        return CaseView(fields=restructure_fields(p))
    if isinstance(p, EmployerTransferPayload):
        return CaseView(fields=transfer_fields(p))
    names = _type_names()
    return CaseView(fields=employer_change_fields(p, _changes(p.changes, names, full=True), names))


def present_employer_deregister(case: Case, actor) -> CaseView:
    p: EmployerDeregisterPayload = load_payload(case)
    return CaseView(fields=[("注销原因", p.reason), ("注销日期", str(p.date))])


def present_person_enrol(case: Case, actor) -> CaseView:
    p: PersonEnrolPayload = load_payload(case)
    names, rows = _type_names(), p.rows
    employer = Employer.objects.filter(pk=p.employer).only("name").first() if p.employer else None
    full = len(rows) == 1 and can_view_full_id(actor, person_id=case.person_id, employer_id=case.employer_id)
    if full:
        log_full_view(actor, "case", case.pk, "id_number", f"业务经办单 {case.number}")
    view = CaseView(
        fields=[
            ("人员类别", PersonCategory(p.category).label if p.category in PersonCategory.values else "—"),
            ("参保单位", employer.name if employer else "—"),
            ("人数", f"{len(rows)} 人"),
        ]
    )
    table = [
        [
            r["id_number"] if full else mask_id(r["id_number"]),
            r["name"],
            Gender(r["gender"]).label if r.get("gender") in Gender.values else "",
            r.get("birth_date", "") if full else str(r.get("birth_date", ""))[:4] + "-**-**",
            _names(r.get("insurances"), names),
            r.get("start_month", "")[:7],
        ]
        for r in rows[:200]
    ]
    view.tables.append(
        {
            "title": "参保人员",
            "headers": ["社会保障号码", "姓名", "性别", "出生日期", "险种", "起始月"],
            "rows": table,
            "more": max(len(rows) - 200, 0),
        }
    )
    return view


def present_person_change(case: Case, actor) -> CaseView:
    p: PersonChangePayload = load_payload(case)
    names = _type_names()
    full = can_view_full_id(actor, person_id=case.person_id, employer_id=case.employer_id)
    if full and p.changes.get("benefit_bank_account"):
        log_full_view(actor, "case", case.pk, "bank_account", f"业务经办单 {case.number}")
    view = CaseView(fields=_changes(p.changes, names, full=full))
    for key, codes in (("add", p.add), ("suspend", p.suspend), ("resume", p.resume)):
        if codes:
            view.fields.append((_FIELD_LABELS[key], _names(codes, names)))
    if p.month:
        view.fields.append(("险种变更月份", _month(p.month)))
    if p.reason:
        view.fields.append(("变更原因", p.reason))
    if p.needs_material:
        view.fields.append(("证明材料", "变更姓名须有证明材料（见申请材料）"))
    return view


def present_person_terminate(case: Case, actor) -> CaseView:
    p: PersonTerminatePayload = load_payload(case)
    reason = TerminationReason(p.reason).label if p.reason in TerminationReason.values else ""
    return CaseView(fields=[("终止原因", reason), ("终止日期", str(p.date)), ("说明", p.note or "—")])

"""How the workbench shows the request (payload) of each cluster-01 item's case."""

from __future__ import annotations

from shebao.core.access import can_view_full_id
from shebao.core.identifiers import mask_id
from shebao.core.models import Agency, Case
from shebao.core.pdaccess import log_full_view
from shebao.core.views import (
    CaseView,
)

from . import forms as f
from .choices import (
    Gender,
    PersonCategory,
    TerminationReason,
)
from .models import Employer
from .views.common import _FIELD_LABELS, _display, _names, _type_names

# --------------------------------------------------------------------------------------------------------------
# Case presenters (how the workbench shows the request of each item)
# --------------------------------------------------------------------------------------------------------------


def present_employer_enrol(case: Case, actor) -> CaseView:
    p, names = case.payload, _type_names()
    keys = [*f.EMPLOYER_DETAIL_FIELDS, "insurances", "start_month"]
    fields = [(_FIELD_LABELS[k] if k != "name" else "单位名称", _display(k, p.get(k), names, full=True)) for k in keys]
    return CaseView(fields=fields)


def present_employer_change(case: Case, actor) -> CaseView:
    p, names = case.payload, _type_names()
    kind = p.get("_type")
    view = CaseView()
    if kind == "EmployerRestructurePayload":
        units = dict(Employer.objects.filter(pk__in=[*p["sources"], *p["targets"]]).values_list("pk", "name"))
        view.fields = [
            ("类型", "单位分立" if p.get("kind") == "split" else "单位合并"),
            ("原单位", "、".join(units.get(pk, str(pk)) for pk in p["sources"])),
            ("承继单位", "、".join(units.get(pk, str(pk)) for pk in p["targets"])),
            ("转移人数", f"{len(p.get('moves', {}))} 人"),
            ("生效月", p.get("month", "")[:7]),
            ("注销原单位", "是" if p.get("cancel") else "否"),
        ]
    elif kind == "EmployerTransferPayload":
        agencies = dict(Agency.objects.filter(pk__in=[p["from_agency"], p["to_agency"]]).values_list("pk", "name"))
        view.fields = [
            ("类型", "成建制转移"),
            ("转出机构", agencies.get(p["from_agency"], "")),
            ("转入机构", agencies.get(p["to_agency"], "")),
            ("生效月", p.get("month", "")[:7]),
        ]
    else:
        view.fields = [("类型", "单位信息及险种变更")]
        view.fields += [
            (f"{_FIELD_LABELS.get(k, k)}（变更后）", _display(k, val, names, full=True))
            for k, val in (p.get("changes") or {}).items()
        ]
        if p.get("add"):
            view.fields.append(("增加险种", _names(p["add"], names)))
        if p.get("remove"):
            view.fields.append(("减少险种", _names(p["remove"], names)))
        if p.get("month"):
            view.fields.append(("险种变更生效月", p["month"][:7]))
    return view


def present_employer_deregister(case: Case, actor) -> CaseView:
    p = case.payload
    return CaseView(fields=[("注销原因", p.get("reason", "")), ("注销日期", p.get("date", ""))])


def present_person_enrol(case: Case, actor) -> CaseView:
    p, names = case.payload, _type_names()
    rows = p.get("rows") or []
    employer = Employer.objects.filter(pk=p.get("employer")).only("name").first() if p.get("employer") else None
    full = len(rows) == 1 and can_view_full_id(actor, person_id=case.person_id, employer_id=case.employer_id)
    if full:
        log_full_view(actor, "case", case.pk, "id_number", f"业务经办单 {case.number}")
    view = CaseView(
        fields=[
            ("人员类别", PersonCategory(p["category"]).label if p.get("category") in PersonCategory.values else "—"),
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
    p, names = case.payload, _type_names()
    full = can_view_full_id(actor, person_id=case.person_id, employer_id=case.employer_id)
    if full and (p.get("changes") or {}).get("benefit_bank_account"):
        log_full_view(actor, "case", case.pk, "bank_account", f"业务经办单 {case.number}")
    view = CaseView(
        fields=[
            (f"{_FIELD_LABELS.get(k, k)}（变更后）", _display(k, val, names, full=full))
            for k, val in (p.get("changes") or {}).items()
        ]
    )
    for key in ("add", "suspend", "resume"):
        if p.get(key):
            view.fields.append((_FIELD_LABELS[key], _names(p[key], names)))
    if p.get("month"):
        view.fields.append(("险种变更月份", p["month"][:7]))
    if p.get("reason"):
        view.fields.append(("变更原因", p["reason"]))
    if p.get("needs_material"):
        view.fields.append(("证明材料", "变更姓名须有证明材料（见申请材料）"))
    return view


def present_person_terminate(case: Case, actor) -> CaseView:
    p = case.payload
    reason = TerminationReason(p["reason"]).label if p.get("reason") in TerminationReason.values else ""
    return CaseView(fields=[("终止原因", reason), ("终止日期", p.get("date", "")), ("说明", p.get("note") or "—")])

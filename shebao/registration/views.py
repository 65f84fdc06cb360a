"""Cluster 01 pages: employer and person search and detail, the six registration forms, the employer portal
(网上经办: 增员/减员 online) and the insured person's own page.

Each form view parses the form, fetches scoped objects through the selectors, calls ONE service and either
redirects to the new case or re-renders the form with the service's Chinese errors next to the fields (4xx).
"""

from __future__ import annotations

import base64
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from shebao.core.access import can_view_full_id, cases_for, has_grant
from shebao.core.catalog import catalog_view
from shebao.core.choices import Action, CaseStatus, Role
from shebao.core.errors import ApplicationError, NotFoundError
from shebao.core.identifiers import mask_id
from shebao.core.models import Agency, AuditEvent, Case, Region
from shebao.core.pdaccess import log_full_view
from shebao.core.views import (
    CaseView,
    audit_label,
    error_status,
    menu_start,
    paginate,
    register_presenter,
    role_required,
    staff_required,
)

from . import forms as f
from .choices import (
    ContributionMethod,
    EmployerStatus,
    EnrolmentStatus,
    Gender,
    PersonCategory,
    PersonStatus,
    TerminationReason,
    UnitType,
)
from .models import Employer, Enrolment, InsuranceType, Person
from .selectors import (
    active_employee_count,
    employer_get_for,
    employer_search,
    enrolments_of,
    person_get_for,
    person_search,
)
from .services import (
    employer_change,
    employer_deregister,
    employer_enrol,
    employer_restructure,
    employer_transfer_agency,
    person_change,
    person_enrol,
    person_enrol_bulk,
    person_terminate,
)

XLSX = settings.SHEBAO_UPLOAD_TYPES[".xlsx"]
BULK_ERRORS_KEY = "registration.bulk_errors"

# --------------------------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------------------------


def _employer_or_404(request: HttpRequest, employer_id) -> Employer:
    try:
        return employer_get_for(actor=request.user, employer_id=employer_id)
    except NotFoundError as exc:
        raise Http404(exc.message) from None


def _person_or_404(request: HttpRequest, person_id) -> Person:
    try:
        return person_get_for(actor=request.user, person_id=person_id)
    except NotFoundError as exc:
        raise Http404(exc.message) from None


def _done(request: HttpRequest, case: Case) -> HttpResponse:
    """After a successful submission: a message and the new case."""
    if case.status == CaseStatus.SUBMITTED:
        text = f"已提交网上申报「{case.item.full_name}」，业务流水号 {case.number}，请等待经办机构受理"
    elif case.status == CaseStatus.COMPLETED:
        text = f"「{case.item.full_name}」已办结，业务流水号 {case.number}"
    else:
        text = f"已受理「{case.item.full_name}」，业务流水号 {case.number}，等待复核"
    messages.success(request, text)
    return redirect("core:case-detail", case_id=case.pk)


def _submit(request: HttpRequest, form, call: Callable[[], Case], template: str, context: dict) -> HttpResponse:
    """Validate the form, call the service; on ApplicationError re-render with the errors (nothing is saved)."""
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                return _done(request, call())
            except ApplicationError as exc:
                form.add_service_error(exc)
                status = error_status(exc)
        else:
            status = 400
    return render(request, template, {**context, "form": form}, status=status)


def _can(user, code: str) -> bool:
    return has_grant(user, code, Action.HANDLE)


def _type_names() -> dict[str, str]:
    return dict(InsuranceType.objects.values_list("code", "name"))


def _names(codes, names: dict[str, str]) -> str:
    return "、".join(f"{c} {names.get(c, '')}".strip() for c in codes or []) or "—"


_FIELD_LABELS = {
    "uscc": "统一社会信用代码",
    "name": "名称",
    "unit_type": "单位类型",
    "legal_rep": "法定代表人",
    "address": "地址",
    "region": "所在区划",
    "industry_code": "行业代码",
    "injury_risk_class": "工伤风险类别",
    "contact_name": "联系人",
    "contact_phone": "联系电话",
    "bank_name": "开户银行",
    "bank_account": "银行账号",
    "phone": "联系电话",
    "ethnicity": "民族",
    "contribution_method": "缴费方式",
    "benefit_bank_name": "待遇发放银行",
    "benefit_bank_account": "待遇发放账号",
    "status": "状态",
    "cancelled_on": "注销日期",
    "cancel_reason": "注销原因",
    "terminated_on": "终止日期",
    "termination_reason": "终止原因",
    "employer": "所在单位",
    "agency": "经办机构",
    "insurances": "险种",
    "start_month": "起始月",
    "id_number": "社会保障号码",
    "add": "增加险种",
    "remove": "减少险种",
    "suspend": "停保险种",
    "resume": "续保险种",
    "month": "月份",
    "reason": "原因",
    "note": "说明",
    "persons": "人数",
    "reg_no": "社会保险登记编号",
}
_SECRET = ("id_number", "bank_account", "benefit_bank_account")


def _display(key: str, value, names: dict[str, str], *, full: bool) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if key in _SECRET and not full:
        return mask_id(str(value))
    if key in ("insurances", "add", "remove", "suspend", "resume"):
        return _names(value, names)
    if key in ("start_month", "month"):
        return str(value)[:7]
    if key == "injury_risk_class":
        return f"{value}类"
    if key == "unit_type":
        return UnitType(value).label if value in UnitType.values else str(value)
    if key == "contribution_method":
        return ContributionMethod(value).label if value in ContributionMethod.values else str(value)
    if key == "termination_reason":
        return TerminationReason(value).label if value in TerminationReason.values else str(value)
    if key == "status":
        labels = {**dict(EmployerStatus.choices), **dict(PersonStatus.choices)}
        return labels.get(value, str(value))
    if key == "region":
        region = Region.objects.filter(code=value).first()
        return str(region) if region else str(value)
    if key == "employer" and str(value).isdigit():
        emp = Employer.objects.filter(pk=value).only("name").first()
        return emp.name if emp else str(value)
    if key == "agency" and str(value).isdigit():
        agency = Agency.objects.filter(pk=value).only("name").first()
        return agency.name if agency else str(value)
    if isinstance(value, list):
        return "、".join(str(v) for v in value)
    return str(value)


# On a creation event (no "before") only these fields are listed; the full record is on the page itself.
_CREATION_KEYS = ("reg_no", "name", "employer", "insurances", "start_month")


def change_history(object_type: str, object_id: int, *, full: bool, limit: int = 50) -> list[dict]:
    """The audit log of one employer or person as readable entries: when, who, what, field before → after."""
    names = _type_names()
    labels = {**_FIELD_LABELS, "name": "姓名" if object_type == "person" else "单位名称"}
    events = AuditEvent.objects.filter(object_type=object_type, object_id=str(object_id)).select_related("case")
    out = []
    for e in events.order_by("-seq")[:limit]:
        before, after = e.before or {}, e.after or {}
        keys = [*before, *[k for k in after if k not in before]]
        if not before:
            keys = [k for k in _CREATION_KEYS if after.get(k) not in (None, "", [])]
        rows = []
        for key in keys:
            if key not in labels:
                continue
            old, new = before.get(key), after.get(key)
            if key in before and old == new:
                continue
            rows.append(
                (
                    labels[key],
                    _display(key, old, names, full=full) if key in before else "",
                    _display(key, new, names, full=full),
                )
            )
        out.append({"event": e, "label": audit_label(e.action), "rows": rows})
    return out


def _related_cases(request: HttpRequest, *, employer: Employer | None = None, person: Person | None = None):
    """Cases of the employer or person (directly, or through the audit log, e.g. a bulk 增员), within scope."""
    obj = employer or person
    kind = "employer" if employer else "person"
    via_audit = AuditEvent.objects.filter(object_type=kind, object_id=str(obj.pk), case__isnull=False).values("case_id")
    direct = Q(employer=employer) if employer else Q(person=person)
    return (
        cases_for(request.user)
        .select_related("item__parent")
        .filter(direct | Q(pk__in=via_audit))
        .order_by("-submitted_at", "-pk")
    )


# --------------------------------------------------------------------------------------------------------------
# Case presenters (how the workbench shows the request of each item)
# --------------------------------------------------------------------------------------------------------------


@register_presenter("01010101")
def _present_employer_enrol(case: Case, actor) -> CaseView:
    p, names = case.payload, _type_names()
    keys = [*f.EMPLOYER_DETAIL_FIELDS, "insurances", "start_month"]
    fields = [(_FIELD_LABELS[k] if k != "name" else "单位名称", _display(k, p.get(k), names, full=True)) for k in keys]
    return CaseView(fields=fields)


@register_presenter("01010102")
def _present_employer_change(case: Case, actor) -> CaseView:
    p, names = case.payload, _type_names()
    kind = p.get("kind")
    view = CaseView()
    if kind in ("split", "merge"):
        units = dict(Employer.objects.filter(pk__in=[*p["sources"], *p["targets"]]).values_list("pk", "name"))
        view.fields = [
            ("类型", "单位分立" if kind == "split" else "单位合并"),
            ("原单位", "、".join(units.get(pk, str(pk)) for pk in p["sources"])),
            ("承继单位", "、".join(units.get(pk, str(pk)) for pk in p["targets"])),
            ("转移人数", f"{len(p.get('moves', {}))} 人"),
            ("生效月", p.get("month", "")[:7]),
            ("注销原单位", "是" if p.get("cancel") else "否"),
        ]
    elif kind == "agency_transfer":
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


@register_presenter("01010103")
def _present_employer_deregister(case: Case, actor) -> CaseView:
    p = case.payload
    return CaseView(fields=[("注销原因", p.get("reason", "")), ("注销日期", p.get("date", ""))])


@register_presenter("01010201")
def _present_person_enrol(case: Case, actor) -> CaseView:
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
            r.get("birth_date", ""),
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


@register_presenter("01010202")
def _present_person_change(case: Case, actor) -> CaseView:
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


@register_presenter("01010203")
def _present_person_terminate(case: Case, actor) -> CaseView:
    p = case.payload
    reason = TerminationReason(p["reason"]).label if p.get("reason") in TerminationReason.values else ""
    return CaseView(fields=[("终止原因", reason), ("终止日期", p.get("date", "")), ("说明", p.get("note") or "—")])


# --------------------------------------------------------------------------------------------------------------
# Employers (workbench)
# --------------------------------------------------------------------------------------------------------------


@staff_required
def employer_list(request: HttpRequest) -> HttpResponse:
    """单位查询: search units by name, 统一社会信用代码 or 社会保险登记编号."""
    q = request.GET.get("q", "").strip()
    status = request.GET.get("status", "")
    qs = employer_search(actor=request.user, q=q, status=status if status in EmployerStatus.values else "")
    item = request.GET.get("item", "")
    context = {
        "page": paginate(request, qs),
        "q": q,
        "status": status,
        "statuses": EmployerStatus.choices,
        "item_hint": item if item in ("01010102", "01010103", "01010201") else "",
        "can_enrol": _can(request.user, "01010101"),
    }
    template = "registration/_employer_results.html" if request.htmx else "registration/employer_list.html"
    return render(request, template, context)


@catalog_view("01010101")
@staff_required
def employer_enrol_view(request: HttpRequest) -> HttpResponse:
    """01010101 单位参保登记 at the window: the unit's declaration becomes an accepted case for review."""
    form = f.EmployerEnrolForm(
        request.POST or None,
        agency=request.user.agency,
        initial={
            "region": request.user.agency.region_id,
            "start_month": f"{timezone.localdate():%Y-%m}",
            "insurances": ["110", "210", "310", "410", "510"],
        },
    )
    return _submit(
        request,
        form,
        lambda: employer_enrol(actor=request.user, data=form.service_data()),
        "registration/employer_enrol.html",
        {"code": "01010101"},
    )


@staff_required
def employer_detail(request: HttpRequest, employer_id: int) -> HttpResponse:
    """参保单位详情: details, insurance types, employees, cases and change history, with the registration actions."""
    employer = _employer_or_404(request, employer_id)
    user = request.user
    employees = person_search(actor=user, employer_id=employer.pk).prefetch_related(
        Prefetch(
            "enrolments",
            queryset=Enrolment.objects.exclude(status="ended").select_related("insurance_type"),
            to_attr="open_enrolments",
        )
    )
    context = {
        "employer": employer,
        "insurances": employer.insurances.select_related("insurance_type").order_by("-active", "insurance_type_id"),
        "employees": paginate(request, employees),
        "active_count": active_employee_count(employer),
        "cases": _related_cases(request, employer=employer)[:20],
        "history": change_history("employer", employer.pk, full=True),
        "can": {code: _can(user, code) for code in ("01010102", "01010103", "01010201")},
        "active": employer.status == EmployerStatus.ACTIVE,
        "today": timezone.localdate(),
    }
    if request.htmx and request.GET.get("page"):
        return render(request, "registration/_employees.html", context)
    return render(request, "registration/employer_detail.html", context)


@catalog_view("01010102")
@menu_start("registration:employer-list")
@staff_required
def employer_change_view(request: HttpRequest, employer_id: int) -> HttpResponse:
    """01010102 单位变更登记: details and insurance types (the change applies when the reviewer approves)."""
    employer = _employer_or_404(request, employer_id)
    form = f.EmployerChangeForm(request.POST or None, employer=employer, agency=request.user.agency)

    def call() -> Case:
        return employer_change(
            actor=request.user,
            employer=employer,
            changes=form.details(),
            add_insurances=form.value("add_insurances", []),
            remove_insurances=form.value("remove_insurances", []),
            effective_month=form.value("effective_month") or None,
        )

    return _submit(request, form, call, "registration/employer_change.html", {"employer": employer, "code": "01010102"})


@catalog_view("01010102")
@menu_start("registration:employer-list")
@staff_required
def employer_restructure_view(request: HttpRequest, employer_id: int) -> HttpResponse:
    """01010102 单位分立合并: the unit's employees move to the successor unit(s) in one case."""
    employer = _employer_or_404(request, employer_id)
    form = f.EmployerRestructureForm(request.POST or None)

    def call() -> Case:
        data = form.parsed(request.user)
        sources = [employer, *[e for e in data["others"] if e.pk != employer.pk]]
        return employer_restructure(
            actor=request.user,
            kind=data["kind"],
            sources=sources,
            targets=data["targets"],
            assignments=data["assignments"],
            effective_month=data["effective_month"],
            cancel_sources=data["cancel_sources"],
        )

    return _submit(
        request,
        form,
        call,
        "registration/simple_form.html",
        {
            "employer": employer,
            "code": "01010102",
            "title": "单位分立合并",
            "submit": "提交分立合并",
            "back": reverse("registration:employer-detail", args=[employer.pk]),
            "intro": "原单位在职参保人员的参保关系转入承继单位，自生效月起在承继单位参保；合并时原单位默认注销。",
        },
    )


@catalog_view("01010102")
@menu_start("registration:employer-list")
@staff_required
def employer_transfer_view(request: HttpRequest, employer_id: int) -> HttpResponse:
    """01010102 成建制转移: the unit and all its employees move to another agency of this system."""
    employer = _employer_or_404(request, employer_id)
    form = f.EmployerTransferForm(request.POST or None, employer=employer)

    def call() -> Case:
        return employer_transfer_agency(
            actor=request.user,
            employer=employer,
            to_agency=form.agency(),
            effective_month=form.value("effective_month"),
        )

    return _submit(
        request,
        form,
        call,
        "registration/simple_form.html",
        {
            "employer": employer,
            "code": "01010102",
            "title": "成建制转移",
            "submit": "提交成建制转移",
            "back": reverse("registration:employer-detail", args=[employer.pk]),
            "intro": "单位及其全部在职参保人员整体转至本系统内的另一经办机构。",
        },
    )


@catalog_view("01010103")
@menu_start("registration:employer-list")
@staff_required
def employer_deregister_view(request: HttpRequest, employer_id: int) -> HttpResponse:
    """01010103 单位注销登记: refused while the unit still has insured employees (or arrears)."""
    employer = _employer_or_404(request, employer_id)
    form = f.EmployerDeregisterForm(request.POST or None, initial={"cancel_date": timezone.localdate().isoformat()})

    def call() -> Case:
        return employer_deregister(
            actor=request.user,
            employer=employer,
            reason=form.value("reason"),
            cancel_date=form.value("cancel_date") or None,
        )

    return _submit(
        request,
        form,
        call,
        "registration/simple_form.html",
        {
            "employer": employer,
            "code": "01010103",
            "title": "单位注销登记",
            "submit": "提交注销登记",
            "back": reverse("registration:employer-detail", args=[employer.pk]),
            "danger": True,
            "intro": "单位仍有在职参保人员（或欠费）时不能注销；注销后单位及其职工的参保关系全部终止。",
        },
    )


@catalog_view("01010101")
@login_required
def employer_receipt(request: HttpRequest, employer_id: int) -> HttpResponse:
    """01010101 社会保险登记回执 (PDF) of a registered unit."""
    from .documents import employer_receipt_pdf

    employer = _employer_or_404(request, employer_id)
    response = HttpResponse(employer_receipt_pdf(employer=employer), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="receipt-{employer.reg_no}.pdf"'
    return response


# --------------------------------------------------------------------------------------------------------------
# Persons (workbench)
# --------------------------------------------------------------------------------------------------------------


@staff_required
def person_list(request: HttpRequest) -> HttpResponse:
    """人员查询: by 社会保障号码 (exact) or name prefix; ID numbers masked in the list."""
    q = request.GET.get("q", "").strip()
    status = request.GET.get("status", "")
    qs = person_search(actor=request.user, q=q, status=status if status in PersonStatus.values else "")
    item = request.GET.get("item", "")
    context = {
        "page": paginate(request, qs),
        "q": q,
        "status": status,
        "statuses": PersonStatus.choices,
        "item_hint": item if item in ("01010202", "01010203") else "",
        "can_enrol": _can(request.user, "01010201"),
    }
    template = "registration/_person_results.html" if request.htmx else "registration/person_list.html"
    return render(request, template, context)


def _employer_param(request: HttpRequest) -> Employer | None:
    raw = request.GET.get("employer", "")
    return _employer_or_404(request, raw) if raw else None


@catalog_view("01010201")
@staff_required
def person_enrol_view(request: HttpRequest) -> HttpResponse:
    """01010201 个人参保登记 at the window: an employee of a unit (增员), a flexible worker or a resident."""
    employer = _employer_param(request)
    category = request.GET.get("category", "")
    initial = {"start_month": f"{timezone.localdate():%Y-%m}", "ethnicity": "汉族"}
    if category in PersonCategory.values:
        initial["category"] = category
    form = f.PersonEnrolForm(request.POST or None, employer=employer, initial=initial)

    def call() -> Case:
        return person_enrol(
            actor=request.user,
            data=form.service_data(),
            employer=form.unit(request.user),
            category=form.chosen_category(),
        )

    return _submit(request, form, call, "registration/person_enrol.html", {"employer": employer, "code": "01010201"})


def _bulk(request: HttpRequest, *, employer: Employer | None, template: str, context: dict) -> HttpResponse:
    """Shared by the workbench and the portal: read the workbook, enrol the valid rows, report the others."""
    from .excel import error_workbook, read_enrolment_rows

    form = f.BulkEnrolForm(request.POST or None, request.FILES or None, employer=employer)
    status, result, row_errors = 200, None, []
    if request.method == "POST" and form.is_valid():
        try:
            unit = form.unit(request.user)
            rows = read_enrolment_rows(form.cleaned_data.get("file"))
            result = person_enrol_bulk(actor=request.user, rows=rows, employer=unit, channel="batch")
        except ApplicationError as exc:
            form.add_service_error(exc)
            status = error_status(exc)
        else:
            row_errors = result.errors
            if row_errors:
                data = error_workbook(rows, row_errors)
                request.session[BULK_ERRORS_KEY] = base64.b64encode(data).decode("ascii")
            if result.case is None:
                form.add_error(
                    None,
                    f"所有数据行（{len(row_errors)} 处错误）均未通过校验，未保存任何数据；请下载错误清单修改后重新上传",
                )
                status = 400
            elif not row_errors:
                return _done(request, result.case)
            else:
                messages.warning(
                    request,
                    f"已提交 {result.valid} 人（业务流水号 {result.case.number}），"
                    f"另有 {len(row_errors)} 处错误的数据行未提交",
                )
    elif request.method == "POST":
        status = 400
    labels = {
        "id_number": "社会保障号码",
        "name": "姓名",
        "phone": "联系电话",
        "address": "居住地址",
        "ethnicity": "民族",
        "insurances": "参保险种",
        "start_month": "参保起始月",
    }
    errors = [{"row": e.row, "field": labels.get(e.field, e.field), "message": e.message} for e in row_errors[:500]]
    return render(
        request,
        template,
        {**context, "form": form, "result": result, "row_errors": errors, "row_error_total": len(row_errors)},
        status=status,
    )


@catalog_view("01010201")
@staff_required
def person_bulk_view(request: HttpRequest) -> HttpResponse:
    """01010201 批量增员: upload the Excel template; valid rows go into one case, invalid rows come back."""
    employer = _employer_param(request)
    return _bulk(
        request,
        employer=employer,
        template="registration/person_bulk.html",
        context={"employer": employer, "code": "01010201", "portal": False},
    )


@catalog_view("01010201")
@login_required
def person_bulk_template(request: HttpRequest) -> HttpResponse:
    """01010201 增员模板 (Excel) to fill in."""
    from .excel import enrolment_template

    response = HttpResponse(enrolment_template(), content_type=XLSX)
    response["Content-Disposition"] = 'attachment; filename="enrolment-template.xlsx"'
    return response


@catalog_view("01010201")
@login_required
def person_bulk_errors(request: HttpRequest) -> HttpResponse:
    """01010201 批量增员错误清单: the rejected rows of the user's last upload, with the reasons, to correct."""
    data = request.session.get(BULK_ERRORS_KEY)
    if not data:
        raise Http404("没有可下载的错误清单")
    response = HttpResponse(base64.b64decode(data), content_type=XLSX)
    response["Content-Disposition"] = 'attachment; filename="enrolment-errors.xlsx"'
    return response


@staff_required
def person_detail(request: HttpRequest, person_id: int) -> HttpResponse:
    """参保人详情: details (full ID only for those entitled), enrolments, cases and the change history."""
    person = _person_or_404(request, person_id)
    user = request.user
    full = can_view_full_id(user, person_id=person.pk, employer_id=person.employer_id)
    if full:
        shown = ["id_number", "bank_account"] if person.benefit_bank_account else "id_number"
        log_full_view(user, "person", person.pk, shown, "参保人详情")
    context = {
        "person": person,
        "full_id": full,
        "id_number": person.id_number if full else mask_id(person.id_number),
        "enrolments": enrolments_of(person),
        "cases": _related_cases(request, person=person)[:20],
        "history": change_history("person", person.pk, full=full),
        "can": {code: _can(user, code) for code in ("01010202", "01010203")},
        "active": person.status == PersonStatus.ACTIVE,
    }
    return render(request, "registration/person_detail.html", context)


@catalog_view("01010202")
@menu_start("registration:person-list")
@staff_required
def person_change_view(request: HttpRequest, person_id: int) -> HttpResponse:
    """01010202 个人变更登记: basic details (name change with material), insurance add/停保/续保, payment."""
    person = _person_or_404(request, person_id)
    form = f.PersonChangeForm(
        request.POST or None,
        request.FILES or None,
        person=person,
        initial=None if request.method == "POST" else _person_initial(person),
    )

    def call() -> Case:
        return person_change(
            actor=request.user,
            person=person,
            changes=form.changes(),
            add_insurances=form.value("add_insurances", []),
            suspend_insurances=form.value("suspend_insurances", []),
            resume_insurances=form.value("resume_insurances", []),
            change_month=form.value("change_month") or None,
            reason=form.value("reason"),
            materials=form.uploads(),
        )

    return _submit(request, form, call, "registration/person_change.html", {"person": person, "code": "01010202"})


def _person_initial(person: Person) -> dict:
    data = {name: getattr(person, name) for name in f.PERSON_BASIC_FIELDS}
    data |= {
        "contribution_method": person.contribution_method,
        "benefit_bank_name": person.benefit_bank_name,
        "benefit_bank_account": person.benefit_bank_account,
        "change_month": f"{timezone.localdate():%Y-%m}",
        "material_kind": "户籍证明",
    }
    return data


@catalog_view("01010203")
@menu_start("registration:person-list")
@staff_required
def person_terminate_view(request: HttpRequest, person_id: int) -> HttpResponse:
    """01010203 社会保险关系终止: death, emigration, duplicate enrolment or other — ends every enrolment."""
    person = _person_or_404(request, person_id)
    form = f.PersonTerminateForm(request.POST or None, initial={"end_date": timezone.localdate().isoformat()})

    def call() -> Case:
        return person_terminate(
            actor=request.user,
            person=person,
            reason=form.value("reason"),
            end_date=form.value("end_date") or None,
            note=form.value("note"),
        )

    return _submit(
        request,
        form,
        call,
        "registration/simple_form.html",
        {
            "person": person,
            "code": "01010203",
            "title": "社会保险关系终止",
            "submit": "提交关系终止",
            "back": reverse("registration:person-detail", args=[person.pk]),
            "danger": True,
            "intro": "终止后该人员的全部参保关系结束（死亡、出国（境）定居、重复参保等）。",
        },
    )


# --------------------------------------------------------------------------------------------------------------
# Employer portal (网上经办)
# --------------------------------------------------------------------------------------------------------------


def _my_unit(request: HttpRequest) -> Employer:
    if not request.user.employer_id:
        raise Http404("您的账户未关联参保单位")
    return _employer_or_404(request, request.user.employer_id)


@role_required(Role.EMPLOYER)
def portal_home(request: HttpRequest) -> HttpResponse:
    """网上经办 · 我的单位: registration details, insurance types, employee count and recent applications."""
    employer = _my_unit(request)
    cases = cases_for(request.user).select_related("item__parent")
    context = {
        "employer": employer,
        "insurances": employer.insurances.filter(active=True).select_related("insurance_type"),
        "active_count": active_employee_count(employer),
        "cases": cases[:10],
        "pending": cases.filter(status__in=[CaseStatus.SUBMITTED, CaseStatus.ACCEPTED]).count(),
    }
    return render(request, "registration/portal_home.html", context)


@role_required(Role.EMPLOYER)
def portal_employees(request: HttpRequest) -> HttpResponse:
    """网上经办 · 职工名单: the unit's employees with their enrolments (ID numbers masked)."""
    employer = _my_unit(request)
    q = request.GET.get("q", "").strip()
    qs = person_search(actor=request.user, q=q, employer_id=employer.pk).prefetch_related(
        Prefetch(
            "enrolments",
            queryset=Enrolment.objects.exclude(status="ended").select_related("insurance_type"),
            to_attr="open_enrolments",
        )
    )
    page = paginate(request, qs)
    for person in page.object_list:
        person.can_leave = any(
            e.status == EnrolmentStatus.ACTIVE and e.employer_id == employer.pk for e in person.open_enrolments
        )
    return render(request, "registration/portal_employees.html", {"employer": employer, "employees": page, "q": q})


@catalog_view("01010201")
@role_required(Role.EMPLOYER)
def portal_enrol(request: HttpRequest) -> HttpResponse:
    """01010201 网上增员: the unit declares one new employee; the agency accepts and reviews it."""
    employer = _my_unit(request)
    form = f.PersonEnrolForm(
        request.POST or None,
        employer=employer,
        initial={"start_month": f"{timezone.localdate():%Y-%m}", "ethnicity": "汉族"},
    )

    def call() -> Case:
        return person_enrol(
            actor=request.user, data=form.service_data(), employer=employer, category=PersonCategory.EMPLOYEE
        )

    return _submit(
        request,
        form,
        call,
        "registration/person_enrol.html",
        {"employer": employer, "code": "01010201", "portal": True},
    )


@catalog_view("01010201")
@role_required(Role.EMPLOYER)
def portal_enrol_bulk(request: HttpRequest) -> HttpResponse:
    """01010201 网上批量增员: the unit uploads the Excel template."""
    employer = _my_unit(request)
    return _bulk(
        request,
        employer=employer,
        template="registration/person_bulk.html",
        context={"employer": employer, "code": "01010201", "portal": True},
    )


@catalog_view("01010202")
@role_required(Role.EMPLOYER)
def portal_leave(request: HttpRequest, person_id: int) -> HttpResponse:
    """01010202 网上减员: 停保 of every insurance type the employee holds with the unit, with the reason."""
    employer = _my_unit(request)
    person = _person_or_404(request, person_id)
    active = list(
        person.enrolments.filter(status=EnrolmentStatus.ACTIVE, employer=employer)
        .select_related("insurance_type")
        .order_by("insurance_type_id")
    )
    form = f.LeaveForm(request.POST or None, initial={"change_month": f"{timezone.localdate():%Y-%m}"})

    def call() -> Case:
        if not active:
            raise ApplicationError("该职工没有在本单位参保缴费的险种，无需减员", field="non_field_errors")
        return person_change(
            actor=request.user,
            person=person,
            suspend_insurances=[e.insurance_type_id for e in active],
            change_month=form.value("change_month") or None,
            reason=form.value("reason"),
        )

    return _submit(
        request,
        form,
        call,
        "registration/simple_form.html",
        {
            "person": person,
            "employer": employer,
            "code": "01010202",
            "title": "减员",
            "submit": "提交减员申请",
            "back": reverse("registration:portal-employees"),
            "portal": True,
            "leave_types": active,
            "intro": "自减员月份起，该职工在本单位参加的以下险种暂停缴费（停保），经办机构受理复核后生效。",
        },
    )


# --------------------------------------------------------------------------------------------------------------
# Insured person (我的社保)
# --------------------------------------------------------------------------------------------------------------


@role_required(Role.INSURED)
def insured_home(request: HttpRequest) -> HttpResponse:
    """我的社保: own details, enrolments per insurance type and own applications."""
    if not request.user.person_id:
        raise Http404("您的账户未关联参保人")
    person = _person_or_404(request, request.user.person_id)
    return render(
        request,
        "registration/insured_home.html",
        {
            "person": person,
            "enrolments": enrolments_of(person),
            "cases": cases_for(request.user).select_related("item__parent")[:20],
        },
    )

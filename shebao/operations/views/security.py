"""1107 数据安全 pages (`/operations/security/…`): the auditor's search of the personal-data access log (an ID number
searched for travels only in the POST body and a session token, never in a URL), export requests and their
download, and the masking rules per role."""

from __future__ import annotations

from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from shebao.core.access import has_grant
from shebao.core.catalog import catalog_view
from shebao.core.choices import Action, PersonalField, Role
from shebao.core.errors import ApplicationError, NotFoundError, PermissionDeniedError
from shebao.core.forms import ServiceForm
from shebao.core.masking import KINDS, RULES
from shebao.core.views import ItemFormView, paginate, staff_required
from shebao.core.views.helpers import error_status
from shebao.core.views.search import _load, _store
from shebao.registration.choices import PersonStatus
from shebao.registration.selectors import employer_get_for

from ..models import ExportKind, MaskingRule
from ..selectors.security import (
    FILTER_FIELDS,
    OBJECT_TYPES,
    access_search,
    clean_access_filters,
    describe_objects,
    masked_filters,
    require_auditor,
)
from ..services import security as s

ACCESS_TOKEN_KIND = "operations:security-access-log"
EXPORT_LIMIT = 50_000


def _auditor(request: HttpRequest) -> None:
    try:
        require_auditor(request.user)
    except PermissionDeniedError as exc:
        raise PermissionDenied(exc.message) from None


def _saved_filters(request: HttpRequest) -> tuple[dict, bool]:
    """The raw filters of a GET: from the session token `t`, or from the query (the ID number never from there)."""
    token = request.GET.get("t", "")
    if token:
        saved = _load(request, ACCESS_TOKEN_KIND, token)
        if saved is None:
            return {}, True
        return saved.get("filters", {}), False
    return {k: request.GET.get(k, "") for k in FILTER_FIELDS if k != "id_number" and request.GET.get(k)}, False


def _token_query(request: HttpRequest) -> str:
    return urlencode({"t": request.GET["t"]}) if request.GET.get("t") else request.GET.urlencode()


@staff_required
def access_log(request: HttpRequest) -> HttpResponse:
    """敏感信息查看记录: search by viewer, record (type + id, or the person's ID number), field and dates."""
    _auditor(request)
    if request.method == "POST":
        raw = {k: request.POST.get(k, "").strip()[:150] for k in FILTER_FIELDS}
        raw = {k: v for k, v in raw.items() if v}
        params = {"t": _store(request, ACCESS_TOKEN_KIND, {"filters": raw})} if raw else {}
        url = reverse("operations:security-access-log")
        response = redirect(f"{url}?{urlencode(params)}" if params else url)
        response.status_code = 303
        return response
    raw, expired = _saved_filters(request)
    errors: dict = {}
    try:
        filters = clean_access_filters(raw)
    except ApplicationError as exc:
        filters, errors = {}, exc.errors
    qs = access_search(actor=request.user, filters=filters)
    page = paginate(request, qs if not errors else qs.none())
    describe_objects(page.object_list)
    context = {
        "page": page,
        "raw": raw,
        "errors": errors,
        "expired": expired,
        "object_types": OBJECT_TYPES,
        "fields": PersonalField.choices,
        "shown_filters": masked_filters(filters),
        "export_query": _token_query(request),
    }
    return render(request, "operations/security/access_log.html", context, status=400 if errors else 200)


@staff_required
def access_log_export(request: HttpRequest) -> HttpResponse:
    """敏感信息查看记录导出 (xlsx, masked; the export itself is audited)."""
    _auditor(request)
    raw, expired = _saved_filters(request)
    if expired:
        raise Http404("查询条件已过期，请重新查询")
    try:
        filters = clean_access_filters(raw)
    except ApplicationError as exc:
        return HttpResponse(exc.message, status=400, content_type="text/plain; charset=utf-8")
    rows = describe_objects(access_search(actor=request.user, filters=filters)[:EXPORT_LIMIT])
    content = s.access_log_export(actor=request.user, rows=rows, filters=masked_filters(filters))
    response = HttpResponse(content, content_type=s.XLSX)
    stamp = timezone.localtime().strftime("%Y%m%d%H%M")
    response["Content-Disposition"] = f'attachment; filename="personal-data-access-{stamp}.xlsx"'
    return response


# -- 个人数据导出申请 -------------------------------------------------------------------------------------------------


class ExportRequestForm(ServiceForm):
    """个人数据导出申请表: what to export, from which unit, and why (the service checks everything)."""

    kind = forms.ChoiceField(label="导出内容", required=False, choices=[("", "请选择"), *ExportKind.choices])
    employer = forms.CharField(
        label="参保单位ID",
        required=False,
        max_length=18,
        help_text="导出单位职工名单时填写（单位详情页地址中的数字）",
    )
    status = forms.ChoiceField(label="人员状态", required=False, choices=[("", "全部"), *PersonStatus.choices])
    reason = forms.CharField(label="导出事由", required=False, max_length=250, widget=forms.Textarea(attrs={"rows": 3}))
    required_fields = ("kind", "reason")
    error_aliases = {"filters": "employer"}

    def filters(self) -> dict:
        out = {}
        if self.value("employer"):
            out["employer"] = self.value("employer")
        if self.value("status"):
            out["status"] = self.value("status")
        return out


class ExportRequestView(ItemFormView):
    """1107 个人数据导出申请: the request goes to a reviewer; the file is produced on approval."""

    item_code = "1107"
    title, submit_label = "个人数据导出申请", "提交导出申请"
    intro = (
        "导出含个人信息的名单须经另一名复核员批准。批准后仅申请人本人可下载，文件带有导出人、时间和案件号水印，"
        "下载次数和有效期受限，每次下载均记入敏感信息查看记录。"
    )
    form_class = ExportRequestForm
    template_name = "operations/security/export_form.html"

    def get_initial(self) -> dict:
        employer = self.request.GET.get("employer", "")
        return {"kind": ExportKind.EMPLOYEES, "employer": employer} if employer.isdigit() else {}

    def back_url(self) -> str:
        return reverse("operations:security-exports")

    def submit(self, form, subject):
        return s.pd_export_request(
            actor=self.request.user, kind=form.value("kind"), filters=form.filters(), reason=form.value("reason")
        )


export_new = ExportRequestView.as_view()


@catalog_view("1107")
@staff_required
def export_list(request: HttpRequest) -> HttpResponse:
    """个人数据导出申请: the requests of the user's scope with their state."""
    page = paginate(request, s.exports_for(request.user))
    rows = [{"case": c, "state": s.export_state(c), "kind": ExportKind(c.payload.get("kind")).label} for c in page]
    context = {"page": page, "rows": rows, "can_request": has_grant(request.user, "1107", Action.HANDLE)}
    return render(request, "operations/security/export_list.html", context)


@staff_required
def export_detail(request: HttpRequest, case_id: int) -> HttpResponse:
    """导出申请详情: the request, its review, and the download for the requester once approved."""
    try:
        case = s.export_get_for(actor=request.user, case_id=case_id)
    except NotFoundError as exc:
        raise Http404(exc.message) from None
    export = getattr(case, "pd_export", None) if hasattr(case, "pd_export") else None
    employer = None
    if case.employer_id:
        try:
            employer = employer_get_for(actor=request.user, employer_id=case.employer_id)
        except NotFoundError:
            employer = None
    context = {
        "case": case,
        "export": export,
        "state": s.export_state(case),
        "kind": ExportKind(case.payload.get("kind")).label,
        "payload": case.payload,
        "employer": employer,
        "is_requester": case.submitted_by_id == request.user.pk,
        "full_labels": [KINDS.get(k, k) for k in (export.full_fields if export else [])],
        "status_label": dict(PersonStatus.choices).get(case.payload.get("filters", {}).get("status", ""), "全部"),
    }
    return render(request, "operations/security/export_detail.html", context)


@require_POST
@staff_required
def export_download(request: HttpRequest, case_id: int) -> HttpResponse:
    """导出文件下载 (POST: each download counts): requester only, after approval, within count and expiry."""
    try:
        case = s.export_get_for(actor=request.user, case_id=case_id)
        name, content = s.pd_export_download(actor=request.user, case=case)
    except NotFoundError as exc:
        raise Http404(exc.message) from None
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("operations:security-export", case_id=case_id)
    response = HttpResponse(content, content_type=s.XLSX)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


# -- 脱敏规则 -------------------------------------------------------------------------------------------------------


@staff_required
def masking_rules(request: HttpRequest) -> HttpResponse:
    """脱敏规则: every role's rule per kind of personal field; administrators of a top-level agency change them."""
    user = request.user
    if user.role not in (Role.AGENCY_ADMIN, Role.AUDITOR):
        raise PermissionDenied("该页面仅限机构管理员和稽核员使用")
    editable = s.can_edit_masking(user)
    errors: dict = {}
    status = 200
    if request.method == "POST":
        if not editable:
            raise PermissionDenied("只有上级经办机构的机构管理员可以修改脱敏规则")
        try:
            row = s.masking_rule_update(
                actor=user, rule_id=request.POST.get("rule_id", ""), rule=request.POST.get("rule", "")
            )
        except NotFoundError as exc:
            raise Http404(exc.message) from None
        except ApplicationError as exc:
            errors, status = exc.errors, error_status(exc)
        else:
            messages.success(request, f"已修改脱敏规则：{row}")
            return redirect("operations:security-masking")
    rows = list(MaskingRule.objects.order_by("role", "kind"))
    roles: dict[str, dict] = {}
    for r in rows:
        roles.setdefault(r.role, {"label": r.get_role_display(), "rules": {}})["rules"][r.kind] = r
    table = [
        {"role": role, "label": v["label"], "cells": [v["rules"].get(k) for k in KINDS]} for role, v in roles.items()
    ]
    context = {"table": table, "kinds": KINDS, "rules": RULES, "editable": editable, "errors": errors}
    return render(request, "operations/security/masking_rules.html", context, status=status)


urlpatterns = [
    path("security/access-log/", access_log, name="security-access-log"),
    path("security/access-log/export/", access_log_export, name="security-access-log-export"),
    path("security/exports/", export_list, name="security-exports"),
    path("security/exports/new/", export_new, name="security-export-new"),
    path("security/exports/<int:case_id>/", export_detail, name="security-export"),
    path("security/exports/<int:case_id>/download/", export_download, name="security-export-download"),
    path("security/masking/", masking_rules, name="security-masking"),
]

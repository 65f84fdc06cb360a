"""稽核工作台 (auditor workspace): the audit log with filters and Excel export, chain verification, and the log of
who was shown whose full ID number or bank account. For auditors and agency administrators, within their agency
subtree (events without an agency, e.g. system imports, only for the staff of a root agency)."""

from __future__ import annotations

import datetime as dt
import functools
import io
from collections.abc import Callable, Iterable

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_POST

from ..audit import audit_dump_text, audit_verify
from ..choices import PersonalField, Role
from ..items import audit_labels
from ..models import AuditEvent, PersonalDataAccess
from .helpers import paginate
from .presenting import _AUDIT_LABELS, audit_label

AUDIT_ROLES = frozenset((Role.AUDITOR, Role.AGENCY_ADMIN))
EXPORT_LIMIT = 50_000
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

OBJECT_TYPES = {
    "case": "业务经办单",
    "employer": "参保单位",
    "person": "参保人",
    "agency": "经办机构",
    "user": "用户",
    "role_grant": "角色权限",
    "catalog_item": "业务目录",
    "parameter": "业务参数",
    "calendar_day": "节假日安排",
    "calendar_year": "年度日历",
    "attachment": "申请材料",
}


def object_type_label(value: str) -> str:
    """Chinese name of an audited object type."""
    return OBJECT_TYPES.get(value, value)


def auditor_required(view: Callable) -> Callable:
    """Auditors and agency administrators with an agency only; everyone else gets 403."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        user = request.user
        if user.role not in AUDIT_ROLES or user.agency_id is None:
            raise PermissionDenied("该页面仅限稽核员和机构管理员使用")
        return view(request, *args, **kwargs)

    return login_required(wrapper)


def _in_scope(user, qs: QuerySet) -> QuerySet:
    """Rows of the user's agency subtree; rows without an agency only for the staff of a root agency."""
    scope = Q(agency__path__startswith=user.agency.path)
    if user.agency.parent_id is None:
        scope |= Q(agency__isnull=True)
    return qs.filter(scope)


class _DateRangeForm(forms.Form):
    date_from = forms.DateField(
        label="起始日期", required=False, error_messages={"invalid": "起始日期格式应为 YYYY-MM-DD"}
    )
    date_to = forms.DateField(
        label="截止日期", required=False, error_messages={"invalid": "截止日期格式应为 YYYY-MM-DD"}
    )
    actor = forms.CharField(label="操作人", required=False, max_length=150)

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", "截止日期不能早于起始日期")
        return data

    def filter_dates(self, qs: QuerySet) -> QuerySet:
        tz = timezone.get_current_timezone()
        if start := self.cleaned_data.get("date_from"):
            qs = qs.filter(at__gte=dt.datetime.combine(start, dt.time.min, tzinfo=tz))
        if end := self.cleaned_data.get("date_to"):
            qs = qs.filter(at__lt=dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=tz))
        return qs

    def filter_actor(self, qs: QuerySet) -> QuerySet:
        if actor := self.cleaned_data.get("actor", "").strip():
            qs = qs.filter(Q(actor_name__icontains=actor) | Q(actor__username=actor))
        return qs


class AuditFilterForm(_DateRangeForm):
    """Filters of the audit log: who, which business item, which object, what action, when."""

    item_code = forms.RegexField(
        label="业务编码", required=False, regex=r"^\d{2,8}$", error_messages={"invalid": "业务编码应为2至8位数字"}
    )
    object_type = forms.ChoiceField(label="对象类型", required=False)
    object_id = forms.CharField(label="对象标识", required=False, max_length=64)
    action = forms.ChoiceField(label="动作", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["object_type"].choices = [("", "全部"), *OBJECT_TYPES.items()]
        self.fields["action"].choices = [("", "全部"), *sorted({**_AUDIT_LABELS, **audit_labels()}.items())]

    def apply(self, qs: QuerySet) -> QuerySet:
        """The audit events matching the (valid) filters."""
        qs = self.filter_actor(self.filter_dates(qs))
        d = self.cleaned_data
        if d.get("item_code"):
            qs = qs.filter(item_code__startswith=d["item_code"])
        if d.get("object_type"):
            qs = qs.filter(object_type=d["object_type"])
        if d.get("object_id", "").strip():
            qs = qs.filter(object_id=d["object_id"].strip())
        if d.get("action"):
            qs = qs.filter(action=d["action"])
        return qs


class AccessFilterForm(_DateRangeForm):
    """Filters of the personal-data access log: who looked, at whose record, which field, when."""

    actor = forms.CharField(label="查看人", required=False, max_length=150)
    object_type = forms.ChoiceField(label="对象类型", required=False)
    object_id = forms.CharField(label="对象标识", required=False, max_length=64)
    field = forms.ChoiceField(label="查看内容", required=False, choices=[("", "全部"), *PersonalField.choices])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["object_type"].choices = [("", "全部"), *OBJECT_TYPES.items()]

    def apply(self, qs: QuerySet) -> QuerySet:
        """The access rows matching the (valid) filters."""
        qs = self.filter_actor(self.filter_dates(qs))
        d = self.cleaned_data
        if d.get("object_type"):
            qs = qs.filter(object_type=d["object_type"])
        if d.get("object_id", "").strip():
            qs = qs.filter(object_id=d["object_id"].strip())
        if d.get("field"):
            qs = qs.filter(field=d["field"])
        return qs


def _events(request: HttpRequest) -> tuple[AuditFilterForm, QuerySet]:
    form = AuditFilterForm(request.GET or None)
    qs = _in_scope(request.user, AuditEvent.objects.select_related("agency", "case")).order_by("-seq")
    if form.is_bound and not form.is_valid():
        return form, qs.none()
    return form, (form.apply(qs) if form.is_bound else qs)


def _summary(value) -> str:
    text = audit_dump_text(value)
    return text if len(text) <= 200 else text[:200] + "…"


def _audit_page(request: HttpRequest, *, verify=None, status: int = 200) -> HttpResponse:
    form, qs = _events(request)
    page = paginate(request, qs)
    rows = [
        {
            "event": e,
            "label": audit_label(e.action),
            "object_label": object_type_label(e.object_type),
            "before": _summary(e.before),
            "after": _summary(e.after),
        }
        for e in page
    ]
    if form.is_bound and form.errors:
        status = 400
    context = {"form": form, "page": page, "rows": rows, "verify": verify, "tab": "events"}
    return render(request, "core/audit_log.html", context, status=status)


@auditor_required
def audit_log(request: HttpRequest) -> HttpResponse:
    """审计日志: events of the agency subtree, newest first, filtered, with Chinese action names."""
    return _audit_page(request)


@require_POST
@auditor_required
def audit_verify_view(request: HttpRequest) -> HttpResponse:
    """校验审计链: recompute the keyed chain and compare with the checkpoints; show ok or the first broken link."""
    return _audit_page(request, verify=audit_verify())


def _text_cells(ws, values: Iterable) -> list:
    """Cells written as text, so a value such as '=1+1' never becomes a live formula."""
    from openpyxl.cell import WriteOnlyCell

    cells = []
    for value in values:
        cell = WriteOnlyCell(ws, value="" if value is None else str(value))
        cell.data_type = "s"
        cells.append(cell)
    return cells


@auditor_required
def audit_export(request: HttpRequest) -> HttpResponse:
    """审计日志导出: the filtered events as an Excel workbook (text cells, at most EXPORT_LIMIT rows)."""
    from openpyxl import Workbook

    form, qs = _events(request)
    if form.is_bound and form.errors:
        return _audit_page(request, status=400)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("审计日志")
    headers = ["序号", "时间", "操作人", "经办机构", "业务编码", "动作", "对象类型", "对象标识", "业务经办单"]
    ws.append(_text_cells(ws, [*headers, "变更前", "变更后"]))
    local = timezone.get_current_timezone()
    for e in qs[:EXPORT_LIMIT].iterator(chunk_size=2000):
        ws.append(
            _text_cells(
                ws,
                [
                    e.seq,
                    timezone.localtime(e.at, local).strftime("%Y-%m-%d %H:%M:%S"),
                    e.actor_name,
                    e.agency.name if e.agency else "",
                    e.item_code,
                    audit_label(e.action),
                    object_type_label(e.object_type),
                    e.object_id,
                    e.case.number if e.case else "",
                    audit_dump_text(e.before),
                    audit_dump_text(e.after),
                ],
            )
        )
    buffer = io.BytesIO()
    wb.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    stamp = timezone.localtime().strftime("%Y%m%d%H%M")
    response["Content-Disposition"] = f'attachment; filename="audit-log-{stamp}.xlsx"'
    response["Cache-Control"] = "no-store"
    return response


@auditor_required
def audit_access_log(request: HttpRequest) -> HttpResponse:
    """敏感信息查看记录: who was shown whose full ID number or bank account, newest first, filtered."""
    form = AccessFilterForm(request.GET or None)
    qs = _in_scope(request.user, PersonalDataAccess.objects.select_related("agency")).order_by("-at", "-id")
    status = 200
    if form.is_bound:
        if form.is_valid():
            qs = form.apply(qs)
        else:
            qs, status = qs.none(), 400
    page = paginate(request, qs)
    rows = [{"row": r, "object_label": object_type_label(r.object_type)} for r in page]
    context = {"form": form, "page": page, "rows": rows, "tab": "access"}
    return render(request, "core/audit_access.html", context, status=status)

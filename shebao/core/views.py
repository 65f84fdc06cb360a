"""Clerk workbench (经办工作台): login, dashboard, the case list and case detail with 受理/复核/退回/撤回 and materials.

Views parse input, fetch scoped objects (`case_get_for`), call one service and render the result. A service's
ApplicationError is shown as a Bootstrap alert with its 4xx status; out-of-scope objects are 404.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from .access import case_get_for, cases_for, has_grant, is_staff
from .cases import attachment_add, case_accept, case_approve, case_reject, case_withdraw
from .choices import Action, CaseStatus, Role
from .errors import ApplicationError, NotFoundError, PermissionDeniedError
from .forms import CaseRejectForm, CaseWithdrawForm, MaterialForm
from .identifiers import mask_id
from .models import AuditEvent, Case, CatalogItem, RoleGrant

PAGE_SIZE = 20

# --------------------------------------------------------------------------------------------------------------
# Shared helpers for every app's UI views
# --------------------------------------------------------------------------------------------------------------


def home_url(user) -> str:
    """Where a user starts: the workbench for agency staff, the portal for employers, 我的社保 for persons."""
    if getattr(user, "role", None) == Role.EMPLOYER:
        return reverse("registration:portal-home")
    if getattr(user, "role", None) == Role.INSURED:
        return reverse("registration:insured-home")
    return reverse("core:dashboard")


def staff_required(view: Callable) -> Callable:
    """Agency staff only: employer and insured users are sent to their own portal pages."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        if not is_staff(request.user):
            if request.user.role in (Role.EMPLOYER, Role.INSURED):
                return redirect(home_url(request.user))
            raise PermissionDenied("该页面仅限经办机构工作人员使用")
        return view(request, *args, **kwargs)

    return login_required(wrapper)


def role_required(role: str) -> Callable:
    """Only users of `role` (others are sent to their own start page)."""

    def decorate(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs):
            if request.user.role != role:
                return redirect(home_url(request.user))
            return view(request, *args, **kwargs)

        return login_required(wrapper)

    return decorate


def menu_start(url_name: str) -> Callable:
    """Mark a view that needs an object as started from `url_name` (the catalogue menu links there)."""

    def decorate(view: Callable) -> Callable:
        view.menu_start = url_name
        return view

    return decorate


def raise_for_scope(exc: ApplicationError) -> None:
    """Turn 404/403 domain errors into Django's (the Chinese 404/403 pages); others are left to the caller."""
    if isinstance(exc, NotFoundError):
        raise Http404(exc.message)
    if isinstance(exc, PermissionDeniedError):
        raise PermissionDenied(exc.message)


def paginate(request: HttpRequest, queryset, *, per_page: int = PAGE_SIZE):
    """One page of `queryset` (?page=, out-of-range pages show the last page)."""
    return Paginator(queryset, per_page).get_page(request.GET.get("page"))


def error_status(exc: ApplicationError) -> int:
    return getattr(exc, "status_code", 400) or 400


# --------------------------------------------------------------------------------------------------------------
# Case presentation: payloads rendered readably (items register their presenter)
# --------------------------------------------------------------------------------------------------------------


@dataclass
class CaseView:
    """A case's request as the clerk reads it: labelled fields, and tables (e.g. the rows of a bulk 增员)."""

    fields: list[tuple[str, str]] = field(default_factory=list)
    tables: list[dict] = field(default_factory=list)  # {"title", "headers", "rows", "more"}


# item code (or prefix) → presenter(case, actor) -> CaseView
CASE_PRESENTERS: dict[str, Callable[[Case, object], CaseView]] = {}

_GENERIC_LABELS = {
    "id_number": "社会保障号码",
    "name": "名称",
    "reason": "原因",
    "note": "说明",
    "month": "月份",
    "start_month": "起始月",
    "date": "日期",
}
_SECRET_KEYS = ("id_number", "benefit_bank_account", "bank_account")


def register_presenter(code: str) -> Callable:
    """Register the function that renders the payload of cases of item `code` (or a code prefix)."""

    def decorate(func: Callable[[Case, object], CaseView]) -> Callable[[Case, object], CaseView]:
        CASE_PRESENTERS[code] = func
        return func

    return decorate


def _plain(value) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, list | tuple):
        return "、".join(_plain(v) for v in value) or "—"
    if isinstance(value, dict):
        return "；".join(f"{k}：{_plain(v)}" for k, v in value.items()) or "—"
    return str(value)


def present_case(case: Case, actor) -> CaseView:
    """The presenter registered for the case's item (longest code prefix wins), else a generic key/value list."""
    for n in range(len(case.item_id), 1, -1):
        presenter = CASE_PRESENTERS.get(case.item_id[:n])
        if presenter is not None:
            return presenter(case, actor)
    view = CaseView()
    for key, value in (case.payload or {}).items():
        if isinstance(value, list) and value and isinstance(value[0], dict):
            headers = list(value[0])
            rows = [[_plain(mask_id(r.get(h)) if h in _SECRET_KEYS else r.get(h)) for h in headers] for r in value]
            view.tables.append({"title": key, "headers": headers, "rows": rows[:100], "more": len(rows) - 100})
        else:
            shown = mask_id(str(value)) if key in _SECRET_KEYS and value else value
            view.fields.append((_GENERIC_LABELS.get(key, key), _plain(shown)))
    return view


_AUDIT_LABELS = {
    "case.submit": "申报",
    "case.accept": "受理",
    "case.approve": "复核通过",
    "case.complete": "办结",
    "case.reject": "退回",
    "case.withdraw": "撤回",
    "attachment.add": "上传材料",
    "employer.create": "单位参保登记",
    "employer.change": "单位信息变更",
    "employer.cancel": "单位注销",
    "employer.transfer_agency": "成建制转移",
    "person.enrol": "个人参保登记",
    "person.change": "个人信息变更",
    "person.move": "单位分立合并转移",
    "person.terminate": "社会保险关系终止",
    "employer.import": "历史数据导入",
    "person.import": "历史数据导入",
}


def audit_label(action: str) -> str:
    """Chinese name of an audit action."""
    return _AUDIT_LABELS.get(action, action)


# --------------------------------------------------------------------------------------------------------------
# Login
# --------------------------------------------------------------------------------------------------------------


class LoginView(auth_views.LoginView):
    """登录: username and password (django-axes locks an account after repeated failures)."""

    template_name = "registration/login.html"
    redirect_authenticated_user = True

    def get_default_redirect_url(self) -> str:
        return home_url(self.request.user)


class LogoutView(auth_views.LogoutView):
    """退出登录 (POST only)."""


# --------------------------------------------------------------------------------------------------------------
# Dashboard
# --------------------------------------------------------------------------------------------------------------


def _role_can(user, action: str) -> bool:
    return RoleGrant.objects.filter(role=user.role, action=action).exists()


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """工作台首页: my open cases, cases waiting for my review, online applications waiting for acceptance."""
    user = request.user
    if not is_staff(user):
        return redirect(home_url(user))
    cases = cases_for(user).select_related("item__parent")
    can_handle, can_review = _role_can(user, Action.HANDLE), _role_can(user, Action.REVIEW)
    mine = cases.filter(handler=user, status=CaseStatus.ACCEPTED)
    review = (
        cases.filter(status=CaseStatus.ACCEPTED).exclude(handler=user).exclude(submitted_by=user)
        if can_review
        else cases.none()
    )
    online = cases.filter(status=CaseStatus.SUBMITTED) if can_handle else cases.none()
    today = timezone.localdate()
    overdue = cases.filter(status__in=[CaseStatus.SUBMITTED, CaseStatus.ACCEPTED], due_date__lt=today)
    context = {
        "today": today,
        "can_handle": can_handle,
        "can_review": can_review,
        "queues": [
            {
                "key": "mine",
                "title": "我的在办业务",
                "hint": "由我受理、等待复核的业务",
                "show": can_handle,
                "count": mine.count(),
                "cases": list(mine[:8]),
                "empty": "目前没有由您经办的在办业务。",
            },
            {
                "key": "review",
                "title": "待我复核",
                "hint": "他人经办、等待复核的业务",
                "show": can_review,
                "count": review.count(),
                "cases": list(review[:8]),
                "empty": "目前没有等待您复核的业务。",
            },
            {
                "key": "online",
                "title": "网上申报待受理",
                "hint": "单位和个人网上申报的业务",
                "show": can_handle,
                "count": online.count(),
                "cases": list(online[:8]),
                "empty": "目前没有待受理的网上申报。",
            },
        ],
        "overdue_count": overdue.count(),
        "completed_today": cases.filter(status=CaseStatus.COMPLETED, completed_at__date=today).count(),
    }
    return render(request, "core/dashboard.html", context)


# --------------------------------------------------------------------------------------------------------------
# Cases
# --------------------------------------------------------------------------------------------------------------

QUEUES = {"mine": "我的在办业务", "review": "待我复核", "online": "网上申报待受理"}


@login_required
def case_list(request: HttpRequest) -> HttpResponse:
    """业务经办单: cases in my scope, filtered by status, item, queue; searched by number or applicant."""
    user = request.user
    qs = cases_for(user).select_related("item__parent")
    status = request.GET.get("status", "")
    item = request.GET.get("item", "").strip()
    q = request.GET.get("q", "").strip()
    queue = request.GET.get("queue", "")
    if status in CaseStatus.values:
        qs = qs.filter(status=status)
    if item.isdigit():
        qs = qs.filter(item__code__startswith=item)
    if q:
        qs = qs.filter(Q(number__startswith=q) | Q(applicant_name__contains=q))
    if queue == "mine":
        qs = qs.filter(handler=user, status=CaseStatus.ACCEPTED)
    elif queue == "review":
        qs = qs.filter(status=CaseStatus.ACCEPTED).exclude(handler=user).exclude(submitted_by=user)
    elif queue == "online":
        qs = qs.filter(status=CaseStatus.SUBMITTED)
    used_items = CatalogItem.objects.filter(
        code__in=cases_for(user).order_by().values("item_id").distinct()
    ).select_related("parent")
    context = {
        "page": paginate(request, qs),
        "statuses": CaseStatus.choices,
        "items": used_items,
        "filters": {"status": status, "item": item, "q": q, "queue": queue},
        "queue_title": QUEUES.get(queue, ""),
        "today": timezone.localdate(),
    }
    template = "core/_case_table.html" if request.htmx else "core/case_list.html"
    return render(request, template, context)


def case_actions(case: Case, user) -> dict[str, bool]:
    """Which buttons the user sees on the case: 受理, 复核通过, 退回, 撤回, 上传材料."""
    staff = is_staff(user)
    handle = staff and has_grant(user, case.item_id, Action.HANDLE)
    review = has_grant(user, case.item_id, Action.REVIEW) and user.pk not in (case.handler_id, case.submitted_by_id)
    submitted, accepted = case.status == CaseStatus.SUBMITTED, case.status == CaseStatus.ACCEPTED
    return {
        "accept": submitted and handle,
        "approve": accepted and review,
        "reject": (submitted and handle) or (accepted and review),
        "withdraw": (submitted or accepted) and case.submitted_by_id == user.pk,
        "upload": case.is_open and (staff or case.submitted_by_id == user.pk),
    }


def _case_context(request: HttpRequest, case: Case, **extra) -> dict:
    events = AuditEvent.objects.filter(case=case).order_by("seq")
    context = {
        "case": case,
        "view": present_case(case, request.user),
        "actions": case_actions(case, request.user),
        "attachments": case.attachments.select_related("uploaded_by").order_by("uploaded_at", "pk"),
        "events": [(e, audit_label(e.action)) for e in events],
        "reject_form": CaseRejectForm(initial={"version": case.version}, auto_id="reject_%s"),
        "withdraw_form": CaseWithdrawForm(initial={"version": case.version}, auto_id="withdraw_%s"),
        "material_form": MaterialForm(),
        "today": timezone.localdate(),
    }
    context.update(extra)
    return context


def _get_case(request: HttpRequest, case_id) -> Case:
    try:
        return case_get_for(actor=request.user, case_id=case_id)
    except NotFoundError as exc:
        raise Http404(exc.message) from None


@login_required
def case_detail(request: HttpRequest, case_id: int) -> HttpResponse:
    """业务经办单详情: the request, materials, history, and the actions the user may take."""
    case = _get_case(request, case_id)
    return render(request, "core/case_detail.html", _case_context(request, case))


def _version(request: HttpRequest) -> int | None:
    raw = request.POST.get("version", "")
    return int(raw) if raw.isdigit() else None


def _case_action(
    request: HttpRequest, case_id: int, run: Callable[[Case], Case], done: str, form_name: str | None = None, form=None
) -> HttpResponse:
    case = _get_case(request, case_id)
    try:
        case = run(case)
    except ApplicationError as exc:
        if isinstance(exc, NotFoundError):
            raise Http404(exc.message) from None
        extra = {"action_error": exc}
        if form is not None:
            form.add_service_error(exc)
            extra[form_name] = form
        case.refresh_from_db()
        return render(request, "core/case_detail.html", _case_context(request, case, **extra), status=error_status(exc))
    messages.success(request, f"{done}：业务流水号 {case.number}，当前状态「{case.get_status_display()}」")
    return redirect("core:case-detail", case_id=case.pk)


@require_POST
@login_required
def case_accept_view(request: HttpRequest, case_id: int) -> HttpResponse:
    """受理 an online application (the clerk becomes its handler)."""
    return _case_action(
        request, case_id, lambda c: case_accept(actor=request.user, case=c, version=_version(request)), "已受理"
    )


@require_POST
@login_required
def case_approve_view(request: HttpRequest, case_id: int) -> HttpResponse:
    """复核通过 (maker-checker: never the handler); the records change now."""
    return _case_action(
        request, case_id, lambda c: case_approve(actor=request.user, case=c, version=_version(request)), "复核通过"
    )


@require_POST
@login_required
def case_reject_view(request: HttpRequest, case_id: int) -> HttpResponse:
    """退回 with the reason (at acceptance by the clerk, or at review by the reviewer)."""
    form = CaseRejectForm(request.POST, auto_id="reject_%s")
    form.is_valid()
    return _case_action(
        request,
        case_id,
        lambda c: case_reject(actor=request.user, case=c, reason=form.value("reason"), version=_version(request)),
        "已退回",
        "reject_form",
        form,
    )


@require_POST
@login_required
def case_withdraw_view(request: HttpRequest, case_id: int) -> HttpResponse:
    """撤回 an application not yet decided (the applicant only)."""
    form = CaseWithdrawForm(request.POST, auto_id="withdraw_%s")
    form.is_valid()
    return _case_action(
        request,
        case_id,
        lambda c: case_withdraw(actor=request.user, case=c, reason=form.value("reason"), version=_version(request)),
        "已撤回",
        "withdraw_form",
        form,
    )


@require_POST
@login_required
def case_material_add(request: HttpRequest, case_id: int) -> HttpResponse:
    """上传申请材料 (htmx: the materials panel is re-rendered in place)."""
    case = _get_case(request, case_id)
    form = MaterialForm(request.POST, request.FILES)
    form.is_valid()
    status = 200
    try:
        att = attachment_add(
            actor=request.user, case=case, kind=form.value("kind"), uploaded=form.cleaned_data.get("file")
        )
    except ApplicationError as exc:
        if isinstance(exc, NotFoundError):
            raise Http404(exc.message) from None
        form.add_service_error(exc)
        status = error_status(exc)
        if not request.htmx:
            case.refresh_from_db()
            return render(
                request, "core/case_detail.html", _case_context(request, case, material_form=form), status=status
            )
    else:
        form = MaterialForm()
        if not request.htmx:
            messages.success(request, f"已上传材料「{att.kind}」")
            return redirect("core:case-detail", case_id=case.pk)
    case.refresh_from_db()
    context = _case_context(request, case, material_form=form, uploaded=status == 200)
    return render(request, "core/_materials.html", context, status=status)


@login_required
def case_material_download(request: HttpRequest, case_id: int, attachment_id: int) -> FileResponse:
    """下载申请材料 (only within the user's scope; materials are never served as static files)."""
    case = _get_case(request, case_id)
    att = case.attachments.filter(pk=attachment_id).first()
    if att is None:
        raise Http404("申请材料不存在")
    return FileResponse(
        att.file.open("rb"), as_attachment=True, filename=att.original_name, content_type=att.content_type
    )

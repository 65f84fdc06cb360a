"""业务经办单: the case list, the case page and its actions (受理, 复核, 退回, 撤回, materials)."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from .. import selectors
from ..access import case_get_for, cases_for, has_grant, is_staff
from ..cases import attachment_add, case_accept, case_approve, case_reject, case_withdraw
from ..choices import Action, CaseStatus
from ..errors import ApplicationError, NotFoundError
from ..forms import CaseRejectForm, CaseWithdrawForm, MaterialForm
from ..items import get_item, materials_for, object_url_name
from ..materials import materials_owed
from ..models import AuditEvent, Case, CatalogItem
from .helpers import error_status, paginate
from .presenting import audit_label, present_case

# --------------------------------------------------------------------------------------------------------------
# Cases
# --------------------------------------------------------------------------------------------------------------


@login_required
def case_list(request: HttpRequest) -> HttpResponse:
    """业务经办单: cases in my scope, filtered by status, item, queue; searched by number or applicant."""
    user = request.user
    fs = selectors.case_list(user=user, filters=request.GET)
    qs = fs.qs if fs.is_valid() else fs.queryset.none()
    status, item, q, queue = (request.GET.get(k, "").strip() for k in ("status", "item", "q", "queue"))
    used_items = CatalogItem.objects.filter(
        code__in=cases_for(user).order_by().values("item_id").distinct()
    ).select_related("parent")
    context = {
        "page": paginate(request, qs),
        "statuses": CaseStatus.choices,
        "items": used_items,
        "filters": {"status": status, "item": item, "q": q, "queue": queue},
        "queue_title": selectors.QUEUES.get(queue, ""),
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
    owed = materials_owed(case)
    names = [m.name for m in materials_for(case.item_id)]
    context = {
        "case": case,
        "view": present_case(case, request.user),
        "actions": case_actions(case, request.user),
        "attachments": case.attachments.select_related("uploaded_by").order_by("uploaded_at", "pk"),
        "events": [(e, audit_label(e.action)) for e in events],
        "reject_form": CaseRejectForm(initial={"version": case.version}, auto_id="reject_%s"),
        "withdraw_form": CaseWithdrawForm(initial={"version": case.version}, auto_id="withdraw_%s"),
        "material_form": MaterialForm(initial={"kind": owed[0]} if owed else None, names=names),
        "material_names": names,
        "today": timezone.localdate(),
        "subject_urls": _subject_urls(case, request.user),
        "materials_owed": owed,
        "receipt_available": _receipt_available(case),
    }
    context.update(extra)
    return context


def _subject_urls(case: Case, user) -> dict[str, str]:
    """Links from the case to its unit's and person's pages (staff only; the apps declare the pages)."""
    if not is_staff(user):
        return {}
    urls = {}
    for kind, pk in (("employer", case.employer_id), ("person", case.person_id)):
        name = object_url_name(kind)
        if pk and name:
            urls[kind] = reverse(name, args=[pk])
    return urls


def _receipt_available(case: Case) -> bool:
    item = get_item(case.item_id)
    return bool(item and item.receipt and case.status == CaseStatus.COMPLETED)


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
    names = [m.name for m in materials_for(case.item_id)]
    form = MaterialForm(request.POST, request.FILES, names=names)
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
        form = None  # a fresh form, its name set to the next material still owed
        if not request.htmx:
            messages.success(request, f"已上传材料「{att.kind}」")
            return redirect("core:case-detail", case_id=case.pk)
    case.refresh_from_db()
    extra = {"material_form": form} if form is not None else {}
    context = _case_context(request, case, uploaded=status == 200, **extra)
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

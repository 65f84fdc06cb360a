"""111103 问题整改 pages (/operations/rectifications/…): list, new task, task page with its steps.

Staff with the 111103 view grant see the tasks of their agency subtree (another agency's task is 404); the owner
starts and submits; a second user with the review grant closes or returns. Each step asks for confirmation in the
page and calls one service; a refused step re-renders the task page with the message (4xx, nothing saved).
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_POST

from shebao.core.access import has_grant, is_staff
from shebao.core.catalog import catalog_view
from shebao.core.choices import Action
from shebao.core.errors import ApplicationError
from shebao.core.forms import DATE_INPUT, ServiceForm
from shebao.core.models import User
from shebao.core.views.helpers import error_status, paginate, raise_for_scope, staff_required

from ..models import RectificationSource, RectificationStatus, RectificationTask
from ..services import rectification as r

ITEM = "111103"


def _page(view: Callable) -> Callable:
    """Staff holding the 111103 view grant (403 otherwise); out-of-scope tasks are 404."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        if not has_grant(request.user, ITEM, Action.VIEW):
            raise PermissionDenied("您没有查看问题整改的权限")
        try:
            return view(request, *args, **kwargs)
        except ApplicationError as exc:
            raise_for_scope(exc)
            raise

    return catalog_view(ITEM)(staff_required(wrapper))


class RectificationForm(ServiceForm):
    """登记整改任务."""

    source = forms.ChoiceField(
        label="问题来源", required=False, choices=[("", "请选择"), *list(RectificationSource.choices)]
    )
    source_ref = forms.CharField(
        label="来源说明", required=False, max_length=200, help_text="如演练编号、检查通知文号（可不填）"
    )
    title = forms.CharField(label="问题摘要", required=False, max_length=100)
    description = forms.CharField(
        label="问题描述", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 4})
    )
    owner = forms.ChoiceField(label="整改责任人", required=False)
    deadline = forms.CharField(label="整改期限", required=False, widget=DATE_INPUT)
    required_fields = ("source", "title", "description", "owner", "deadline")

    def __init__(self, *args, owners=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].choices = [("", "请选择")] + [
            (str(u.pk), f"{u.display_name or u.username}（{u.username}，{u.agency.name}）") for u in owners
        ]


class SubmitForm(ServiceForm):
    """提请销号."""

    evidence = forms.CharField(
        label="整改情况及佐证说明", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 4})
    )
    evidence_file = forms.FileField(
        label="佐证材料（可选）",
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png,.xlsx"}),
    )
    required_fields = ("evidence",)


class ReviewForm(ServiceForm):
    """验收意见 / 退回原因."""

    note = forms.CharField(label="验收意见", required=False, max_length=500)
    reason = forms.CharField(label="退回原因", required=False, max_length=500)


def _owners(actor):
    return (
        User.objects.select_related("agency")
        .filter(agency__path__startswith=actor.agency.path, is_active=True)
        .exclude(role__in=("employer", "insured"))
        .order_by("agency__path", "username")
    )


@_page
def rectification_list(request: HttpRequest) -> HttpResponse:
    """整改任务: search by number, summary or reference; filter by status or overdue."""
    q = request.GET.get("q", "").strip()[:50]
    status = request.GET.get("status", "")
    overdue = request.GET.get("overdue", "") == "1"
    qs = r.rectification_search(actor=request.user, q=q, status=status, overdue=overdue)
    context = {
        "page": paginate(request, qs),
        "q": q,
        "status": status if status in RectificationStatus.values else "",
        "overdue": overdue,
        "statuses": RectificationStatus.choices,
        "can_create": has_grant(request.user, ITEM, Action.HANDLE),
    }
    return render(request, "operations/rectification/list.html", context)


@_page
def rectification_new(request: HttpRequest) -> HttpResponse:
    """登记整改任务."""
    if not has_grant(request.user, ITEM, Action.HANDLE):
        raise PermissionDenied("您没有登记整改任务的权限")
    form = RectificationForm(request.POST or None, owners=_owners(request.user))
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                task = r.rectification_create(
                    actor=request.user,
                    source=form.value("source"),
                    source_ref=form.value("source_ref"),
                    title=form.value("title"),
                    description=form.value("description"),
                    owner_id=form.value("owner"),
                    deadline=form.value("deadline"),
                )
            except ApplicationError as exc:
                form.add_service_error(exc)
                status = error_status(exc)
            else:
                messages.success(request, f"已登记整改任务 {task.number}")
                return redirect("operations:rectification-detail", task_id=task.pk)
        else:
            status = 400
    return render(request, "operations/rectification/new.html", {"form": form}, status=status)


def _detail(request, task: RectificationTask, *, submit_form=None, review_form=None, status: int = 200):
    user = request.user
    context = {
        "task": task,
        "is_owner": task.owner_id == user.pk,
        "can_review": has_grant(user, ITEM, Action.REVIEW) and task.owner_id != user.pk,
        "submit_form": submit_form or SubmitForm(),
        "review_form": review_form or ReviewForm(),
    }
    return render(request, "operations/rectification/detail.html", context, status=status)


@_page
def rectification_detail(request: HttpRequest, task_id: int) -> HttpResponse:
    """整改任务详情 and its steps."""
    return _detail(request, r.rectification_get_for(actor=request.user, task_id=task_id))


def _step(request, task_id: int, run: Callable, done: str, *, form_cls=None, form_key: str = "") -> HttpResponse:
    task = r.rectification_get_for(actor=request.user, task_id=task_id)
    form = form_cls(request.POST, request.FILES) if form_cls else None
    if form is not None and not form.is_valid():
        return _detail(request, task, **{form_key: form}, status=400)
    try:
        run(task, form)
    except ApplicationError as exc:
        if exc.status_code == 404:
            raise
        if form is not None:
            form.add_service_error(exc)
            return _detail(request, task, **{form_key: form}, status=error_status(exc))
        messages.error(request, exc.message)
        return _detail(request, task, status=error_status(exc))
    messages.success(request, done)
    return redirect("operations:rectification-detail", task_id=task.pk)


@_page
@require_POST
def rectification_start(request: HttpRequest, task_id: int) -> HttpResponse:
    """开始整改 (owner)."""
    version = request.POST.get("version")
    return _step(
        request, task_id, lambda t, f: r.rectification_start(actor=request.user, task=t, version=version), "已开始整改"
    )


@_page
@require_POST
def rectification_submit(request: HttpRequest, task_id: int) -> HttpResponse:
    """提请销号 (owner): evidence text and an optional file."""
    version = request.POST.get("version")
    return _step(
        request,
        task_id,
        lambda t, f: r.rectification_submit(
            actor=request.user,
            task=t,
            evidence=f.value("evidence"),
            uploaded=request.FILES.get("evidence_file"),
            version=version,
        ),
        "已提请销号，等待其他人员验收",
        form_cls=SubmitForm,
        form_key="submit_form",
    )


@_page
@require_POST
def rectification_close(request: HttpRequest, task_id: int) -> HttpResponse:
    """验收销号 (a second user with the review grant)."""
    version = request.POST.get("version")
    return _step(
        request,
        task_id,
        lambda t, f: r.rectification_close(actor=request.user, task=t, note=f.value("note"), version=version),
        "已验收销号",
        form_cls=ReviewForm,
        form_key="review_form",
    )


@_page
@require_POST
def rectification_return(request: HttpRequest, task_id: int) -> HttpResponse:
    """退回整改 with a reason."""
    version = request.POST.get("version")
    return _step(
        request,
        task_id,
        lambda t, f: r.rectification_return(actor=request.user, task=t, reason=f.value("reason"), version=version),
        "已退回整改",
        form_cls=ReviewForm,
        form_key="review_form",
    )


@_page
def rectification_evidence(request: HttpRequest, task_id: int) -> HttpResponse:
    """佐证材料 download (scoped; never served from MEDIA_URL)."""
    task = r.rectification_get_for(actor=request.user, task_id=task_id)
    if not task.evidence_file or not is_staff(request.user):
        raise Http404("没有佐证材料")
    handle = task.evidence_file.open("rb")
    return FileResponse(handle, as_attachment=True, filename=task.evidence_name or f"佐证材料{task.evidence_ext}")


urlpatterns = [
    path("rectifications/", rectification_list, name="rectification-list"),
    path("rectifications/new/", rectification_new, name="rectification-new"),
    path("rectifications/<int:task_id>/", rectification_detail, name="rectification-detail"),
    path("rectifications/<int:task_id>/start/", rectification_start, name="rectification-start"),
    path("rectifications/<int:task_id>/submit/", rectification_submit, name="rectification-submit"),
    path("rectifications/<int:task_id>/close/", rectification_close, name="rectification-close"),
    path("rectifications/<int:task_id>/return/", rectification_return, name="rectification-return"),
    path("rectifications/<int:task_id>/evidence/", rectification_evidence, name="rectification-evidence"),
]

"""1111 应急管理 pages: plans (list, page, 制定/修订 through a reviewed case) and drills (schedule, run, record)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_POST

from shebao.core.access import has_grant
from shebao.core.catalog import catalog_view
from shebao.core.choices import Action
from shebao.core.errors import ApplicationError, NotFoundError
from shebao.core.forms import DATE_INPUT, ServiceForm
from shebao.core.views.helpers import error_status, paginate, raise_for_scope, staff_required
from shebao.core.views.items import ItemFormView

from ..models import DrillKind, DrillStatus, EmergencyScenario
from ..services import emergency as e
from ..services.backup import can_start_backup

TEXTAREA = forms.Textarea(attrs={"rows": 4})


def _require(user, code: str, action: str = Action.VIEW) -> None:
    if not has_grant(user, code, action):
        raise PermissionDenied(f"您没有该业务（{code}）的{dict(Action.choices)[action]}权限")


# --------------------------------------------------------------------------------------------------------------
# 111101 应急机制
# --------------------------------------------------------------------------------------------------------------


class EmergencyPlanForm(ServiceForm):
    """应急预案: scenario (new plans only), name, roles, steps, contacts (one per line), RTO and RPO in minutes."""

    scenario = forms.ChoiceField(label="应急场景", required=False, choices=[("", "请选择"), *EmergencyScenario.choices])
    title = forms.CharField(label="预案名称", required=False, max_length=120)
    roles = forms.CharField(label="应急角色与职责（每行一项）", required=False, widget=TEXTAREA)
    steps = forms.CharField(label="处置步骤（每行一步）", required=False, widget=TEXTAREA)
    contacts = forms.CharField(label="联系人（每行一人，含电话）", required=False, widget=TEXTAREA)
    rto_minutes = forms.CharField(label="恢复时间目标 RTO（分钟）", required=False, max_length=10)
    rpo_minutes = forms.CharField(label="恢复点目标 RPO（分钟）", required=False, max_length=10)
    note = forms.CharField(label="修订说明", required=False, max_length=250, widget=forms.Textarea(attrs={"rows": 2}))
    required_fields = ("scenario", "title", "roles", "steps", "contacts", "rto_minutes", "rpo_minutes")

    def __init__(self, *args, new: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if not new:
            del self.fields["scenario"]

    def data_for_service(self) -> dict:
        return {name: self.value(name) for name in e.PLAN_FIELDS}


class EmergencyPlanNewView(ItemFormView):
    """111101 制定应急预案: a new plan for a scenario of my agency, reviewed by a second user."""

    item_code = "111101"
    title, submit_label = "制定应急预案", "提交复核"
    form_class = EmergencyPlanForm
    template_name = "operations/emergency/plan_form.html"
    intro = "预案经复核通过后生效；每个场景一份预案，修订时版本号加一。"

    def back_url(self) -> str:
        return reverse("operations:emergency-plans")

    def submit(self, form, subject):
        return e.emergency_plan_change(
            actor=self.request.user,
            data=form.data_for_service(),
            scenario=form.value("scenario"),
            note=form.value("note"),
        )


class EmergencyPlanChangeView(ItemFormView):
    """111101 修订应急预案: the next version of a plan, reviewed by a second user."""

    item_code = "111101"
    title, submit_label = "修订应急预案", "提交复核"
    form_class = EmergencyPlanForm
    template_name = "operations/emergency/plan_form.html"

    def get_subject(self, plan_id):
        return e.plan_get_for(actor=self.request.user, plan_id=plan_id)

    def get_form_kwargs(self) -> dict:
        return {"new": False}

    def get_initial(self) -> dict:
        plan = self.subject
        return {
            "title": plan.title,
            "roles": "\n".join(plan.roles),
            "steps": "\n".join(plan.steps),
            "contacts": "\n".join(plan.contacts),
            "rto_minutes": plan.rto_minutes,
            "rpo_minutes": plan.rpo_minutes,
        }

    def get_context_data(self, **extra) -> dict:
        return super().get_context_data(plan=self.subject, **extra)

    def back_url(self) -> str:
        return reverse("operations:emergency-plan", args=[self.subject.pk])

    def submit(self, form, plan):
        return e.emergency_plan_change(
            actor=self.request.user, plan=plan, data=form.data_for_service(), note=form.value("note")
        )


@catalog_view("111101")
@staff_required
def plan_list(request: HttpRequest) -> HttpResponse:
    """应急预案: the plans of my agency subtree, by scenario and name."""
    _require(request.user, "111101")
    q = request.GET.get("q", "").strip()[:50]
    scenario = request.GET.get("scenario", "")
    qs = e.plans_for(request.user)
    if scenario in EmergencyScenario.values:
        qs = qs.filter(scenario=scenario)
    if q:
        qs = qs.filter(Q(title__icontains=q) | Q(agency__name__icontains=q))
    context = {
        "page": paginate(request, qs.order_by("agency__path", "scenario")),
        "scenarios": EmergencyScenario.choices,
        "filters": {"q": q, "scenario": scenario},
        "can_handle": has_grant(request.user, "111101", Action.HANDLE),
    }
    return render(request, "operations/emergency/plan_list.html", context)


class DrillScheduleForm(forms.Form):
    """安排演练: date, responsible, kind (parsing only; the service decides)."""

    scheduled_on = forms.CharField(label="计划日期", required=False, widget=DATE_INPUT)
    responsible = forms.CharField(label="负责人", required=False, max_length=60)
    kind = forms.ChoiceField(label="演练方式", required=False, choices=DrillKind.choices)


@catalog_view("111101")
@staff_required
def plan_detail(request: HttpRequest, plan_id: int) -> HttpResponse:
    """应急预案: roles, steps, contacts, RTO/RPO, version, and the drills of the plan (RTO met or not)."""
    _require(request.user, "111101")
    try:
        plan = e.plan_get_for(actor=request.user, plan_id=plan_id)
    except NotFoundError as exc:
        raise Http404(exc.message) from None
    return _render_plan(request, plan)


def _render_plan(request, plan, *, form=None, errors=None, status=200) -> HttpResponse:
    context = {
        "plan": plan,
        "drills": plan.drills.order_by("-scheduled_on", "-id")[:50],
        "can_handle": has_grant(request.user, "111101", Action.HANDLE),
        "can_schedule": has_grant(request.user, "111102", Action.HANDLE),
        "form": form or DrillScheduleForm(initial={"kind": DrillKind.RESTORE}),
        "errors": errors or {},
    }
    return render(request, "operations/emergency/plan_detail.html", context, status=status)


# --------------------------------------------------------------------------------------------------------------
# 111102 定期演练
# --------------------------------------------------------------------------------------------------------------


@catalog_view("111102")
@staff_required
@require_POST
def drill_schedule(request: HttpRequest, plan_id: int) -> HttpResponse:
    """安排演练 of a plan; a refusal re-renders the plan page with the messages next to the fields."""
    _require(request.user, "111102", Action.HANDLE)
    try:
        plan = e.plan_get_for(actor=request.user, plan_id=plan_id)
    except NotFoundError as exc:
        raise Http404(exc.message) from None
    form = DrillScheduleForm(request.POST)
    form.is_valid()
    try:
        drill = e.emergency_drill_schedule(
            actor=request.user,
            plan=plan,
            scheduled_on=form.cleaned_data.get("scheduled_on", ""),
            responsible=form.cleaned_data.get("responsible", ""),
            kind=form.cleaned_data.get("kind") or request.POST.get("kind", ""),
        )
    except ApplicationError as exc:
        raise_for_scope(exc)
        return _render_plan(request, plan, form=form, errors=exc.errors, status=error_status(exc))
    messages.success(request, f"已安排 {drill.scheduled_on} 的{drill.get_kind_display()}")
    return redirect("operations:emergency-drill", drill_id=drill.pk)


@catalog_view("111102")
@staff_required
def drill_list(request: HttpRequest) -> HttpResponse:
    """应急演练: scheduled and held drills of my agency subtree, with their results against the RTO."""
    _require(request.user, "111102")
    status = request.GET.get("status", "")
    qs = e.drills_for(request.user)
    if status in DrillStatus.values:
        qs = qs.filter(status=status)
    context = {
        "page": paginate(request, qs.order_by("-scheduled_on", "-id")),
        "statuses": DrillStatus.choices,
        "filters": {"status": status},
    }
    return render(request, "operations/emergency/drill_list.html", context)


def _drill_or_404(request, drill_id):
    try:
        return e.drill_get_for(actor=request.user, drill_id=drill_id)
    except NotFoundError as exc:
        raise Http404(exc.message) from None


def _render_drill(request, drill, *, errors=None, status=200) -> HttpResponse:
    context = {
        "drill": drill,
        "can_record": has_grant(request.user, "111102", Action.HANDLE),
        "can_run": drill.kind == DrillKind.RESTORE and can_start_backup(request.user),
        "errors": errors or {},
        "values": request.POST if request.method == "POST" else {},
    }
    return render(request, "operations/emergency/drill_detail.html", context, status=status)


@catalog_view("111102")
@staff_required
def drill_detail(request: HttpRequest, drill_id: int) -> HttpResponse:
    """应急演练: the plan, date and responsible; measured times against the RTO; the findings."""
    _require(request.user, "111102")
    return _render_drill(request, _drill_or_404(request, drill_id))


@catalog_view("111102")
@staff_required
@require_POST
def drill_run_restore(request: HttpRequest, drill_id: int) -> HttpResponse:
    """运行恢复演练: back up, restore into a scratch database, verify, and record the times (top-level admins)."""
    _require(request.user, "111102", Action.HANDLE)
    drill = _drill_or_404(request, drill_id)
    try:
        drill = e.emergency_drill_run_restore(actor=request.user, drill=drill)
    except ApplicationError as exc:
        raise_for_scope(exc)
        return _render_drill(request, drill, errors=exc.errors, status=error_status(exc))
    verdict = "达到" if drill.rto_met else "未达到"
    messages.success(
        request, f"恢复演练完成：{'通过' if drill.ok else '未通过'}，总用时 {drill.total_seconds:.1f} 秒，{verdict} RTO"
    )
    return redirect("operations:emergency-drill", drill_id=drill.pk)


@catalog_view("111102")
@staff_required
@require_POST
def drill_record(request: HttpRequest, drill_id: int) -> HttpResponse:
    """记录演练结果 / 发现的问题."""
    _require(request.user, "111102", Action.HANDLE)
    drill = _drill_or_404(request, drill_id)
    ok = {"yes": True, "no": False}.get(request.POST.get("ok", ""))
    try:
        drill = e.emergency_drill_record(
            actor=request.user,
            drill=drill,
            ok=ok,
            findings=request.POST.get("findings", ""),
            total_minutes=request.POST.get("total_minutes", ""),
        )
    except ApplicationError as exc:
        raise_for_scope(exc)
        return _render_drill(request, drill, errors=exc.errors, status=error_status(exc))
    messages.success(request, "已记录演练结果")
    return redirect("operations:emergency-drill", drill_id=drill.pk)


urlpatterns = [
    path("emergency/plans/", plan_list, name="emergency-plans"),
    path("emergency/plans/new/", EmergencyPlanNewView.as_view(), name="emergency-plan-new"),
    path("emergency/plans/<int:plan_id>/", plan_detail, name="emergency-plan"),
    path("emergency/plans/<int:plan_id>/change/", EmergencyPlanChangeView.as_view(), name="emergency-plan-change"),
    path("emergency/plans/<int:plan_id>/drills/", drill_schedule, name="emergency-drill-schedule"),
    path("emergency/drills/", drill_list, name="emergency-drills"),
    path("emergency/drills/<int:drill_id>/", drill_detail, name="emergency-drill"),
    path("emergency/drills/<int:drill_id>/restore/", drill_run_restore, name="emergency-drill-restore"),
    path("emergency/drills/<int:drill_id>/record/", drill_record, name="emergency-drill-record"),
]

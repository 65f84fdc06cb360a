"""1111 应急管理 API: 111101 plans (list, detail, 制定/修订 as reviewed cases) and 111102 drills (schedule, run the
restore drill, record results)."""

from __future__ import annotations

from django.urls import path, re_path
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from shebao.core.access import require_grant
from shebao.core.api import NotFoundApi
from shebao.core.api.base import (
    ShebaoApi,
    StrictBooleanField,
    StrictCharField,
    StrictChoiceField,
    StrictDateField,
    StrictIntegerField,
    StrictPagination,
    by_method,
    responses,
)
from shebao.core.api.items import ItemCaseApi
from shebao.core.choices import Action

from ..models import DrillKind, DrillStatus, EmergencyDrill, EmergencyPlan, EmergencyScenario
from ..services import emergency as e


class EmergencyPlanSerializer(serializers.ModelSerializer):
    """应急预案: scenario, roles, steps, contacts, RTO/RPO (minutes), version."""

    agency = serializers.CharField(source="agency.code")
    agency_name = serializers.CharField(source="agency.name")
    scenario = serializers.ChoiceField(choices=EmergencyScenario.choices)
    scenario_display = serializers.CharField(source="get_scenario_display")
    roles = serializers.ListField(child=serializers.CharField())
    steps = serializers.ListField(child=serializers.CharField())
    contacts = serializers.ListField(child=serializers.CharField())

    class Meta:
        model = EmergencyPlan
        ref_name = "EmergencyPlan"
        fields = [
            "id",
            "agency",
            "agency_name",
            "scenario",
            "scenario_display",
            "title",
            "roles",
            "steps",
            "contacts",
            "rto_minutes",
            "rpo_minutes",
            "version",
            "updated_at",
        ]


class EmergencyDrillSerializer(serializers.ModelSerializer):
    """应急演练: plan, date, responsible, kind, status; measured times against the RTO; findings."""

    kind = serializers.ChoiceField(choices=DrillKind.choices)
    status = serializers.ChoiceField(choices=DrillStatus.choices)
    mismatches = serializers.ListField(child=serializers.CharField())

    class Meta:
        model = EmergencyDrill
        ref_name = "EmergencyDrill"
        fields = [
            "id",
            "plan",
            "kind",
            "scheduled_on",
            "responsible",
            "status",
            "held_at",
            "ok",
            "tables",
            "rows",
            "backup_seconds",
            "restore_seconds",
            "total_seconds",
            "rto_minutes",
            "rto_met",
            "backup_file",
            "sha256",
            "mismatches",
            "findings",
        ]


class _PlanInput(serializers.Serializer):
    title = StrictCharField(max_length=100, help_text="预案名称")
    roles = serializers.ListField(child=StrictCharField(max_length=200, allow_blank=True), help_text="应急角色与职责")
    steps = serializers.ListField(child=StrictCharField(max_length=200, allow_blank=True), help_text="处置步骤")
    contacts = serializers.ListField(
        child=StrictCharField(max_length=200, allow_blank=True), help_text="联系人（每项含电话）"
    )
    rto_minutes = StrictIntegerField(help_text="恢复时间目标 RTO（分钟）")
    rpo_minutes = StrictIntegerField(help_text="恢复点目标 RPO（分钟）")
    note = StrictCharField(max_length=200, required=False, allow_blank=True, default="", help_text="修订说明")


class EmergencyPlanListApi(ShebaoApi):
    """应急预案 of my agency subtree."""

    catalog_codes = ("111101",)
    pagination_class = StrictPagination

    class FilterSerializer(serializers.Serializer):
        """Filters of the plan list."""

        scenario = serializers.ChoiceField(choices=EmergencyScenario.choices, required=False)

    @extend_schema(
        summary="111101 应急预案列表",
        parameters=[FilterSerializer],
        responses=responses({200: EmergencyPlanSerializer(many=True)}),
    )
    def get(self, request):
        require_grant(request.user, "111101", Action.VIEW)
        f = self.parse_query(self.FilterSerializer)
        qs = e.plans_for(request.user)
        if f.get("scenario"):
            qs = qs.filter(scenario=f["scenario"])
        return self.paginate(qs.order_by("agency__path", "scenario"), EmergencyPlanSerializer)


class EmergencyPlanCreateApi(ItemCaseApi):
    """111101 制定应急预案: a new plan for a scenario of my agency, as a case reviewed by a second user."""

    item_code = "111101"
    summary = "111101 制定应急预案"

    class InputSerializer(_PlanInput):
        scenario = StrictChoiceField(choices=EmergencyScenario.choices, help_text="应急场景")

    def submit(self, request, data, subject):
        note = data.pop("note", "")
        scenario = data.pop("scenario")
        return e.emergency_plan_change(actor=request.user, data=data, scenario=scenario, note=note)


class EmergencyPlanChangeApi(ItemCaseApi):
    """111101 修订应急预案: the next version of a plan, as a case reviewed by a second user."""

    item_code = "111101"
    summary = "111101 修订应急预案"

    class InputSerializer(_PlanInput):
        pass

    def get_subject(self, request, plan_id: int):
        return e.plan_get_for(actor=request.user, plan_id=plan_id)

    def submit(self, request, data, plan):
        note = data.pop("note", "")
        return e.emergency_plan_change(actor=request.user, plan=plan, data=data, note=note)


class EmergencyPlanDetailApi(ShebaoApi):
    """One 应急预案."""

    catalog_codes = ("111101",)

    @extend_schema(summary="111101 应急预案详情", responses=responses({200: EmergencyPlanSerializer}))
    def get(self, request, plan_id: int):
        require_grant(request.user, "111101", Action.VIEW)
        return Response(EmergencyPlanSerializer(e.plan_get_for(actor=request.user, plan_id=plan_id)).data)


class EmergencyDrillListApi(ShebaoApi):
    """应急演练 of my agency subtree."""

    catalog_codes = ("111102",)
    pagination_class = StrictPagination

    class FilterSerializer(serializers.Serializer):
        """Filters of the drill list."""

        status = serializers.ChoiceField(choices=DrillStatus.choices, required=False)

    @extend_schema(
        summary="111102 应急演练列表",
        parameters=[FilterSerializer],
        responses=responses({200: EmergencyDrillSerializer(many=True)}),
    )
    def get(self, request):
        require_grant(request.user, "111102", Action.VIEW)
        f = self.parse_query(self.FilterSerializer)
        qs = e.drills_for(request.user)
        if f.get("status"):
            qs = qs.filter(status=f["status"])
        return self.paginate(qs.order_by("-scheduled_on", "-id"), EmergencyDrillSerializer)


class EmergencyDrillScheduleApi(ShebaoApi):
    """111102 安排应急演练 of a plan (date, responsible, kind)."""

    catalog_codes = ("111102",)

    class InputSerializer(serializers.Serializer):
        """The drill to schedule."""

        plan = StrictIntegerField(help_text="应急预案 id")
        scheduled_on = StrictDateField(help_text="计划日期 YYYY-MM-DD，不早于今天")
        responsible = StrictCharField(max_length=50, help_text="负责人")
        kind = StrictChoiceField(choices=DrillKind.choices, required=False, default=DrillKind.RESTORE)

    @extend_schema(
        summary="111102 安排应急演练",
        request=InputSerializer,
        responses=responses({201: EmergencyDrillSerializer}, body=True),
    )
    def post(self, request):
        require_grant(request.user, "111102", Action.HANDLE)
        data = self.parse_body(self.InputSerializer)
        plan = e.plan_get_for(actor=request.user, plan_id=data["plan"])
        drill = e.emergency_drill_schedule(
            actor=request.user,
            plan=plan,
            scheduled_on=data["scheduled_on"],
            responsible=data["responsible"],
            kind=data["kind"],
        )
        return Response(EmergencyDrillSerializer(drill).data, status=201)


class EmergencyDrillDetailApi(ShebaoApi):
    """One 应急演练."""

    catalog_codes = ("111102",)

    @extend_schema(summary="111102 应急演练详情", responses=responses({200: EmergencyDrillSerializer}))
    def get(self, request, drill_id: int):
        require_grant(request.user, "111102", Action.VIEW)
        return Response(EmergencyDrillSerializer(e.drill_get_for(actor=request.user, drill_id=drill_id)).data)


class EmergencyDrillRestoreApi(ShebaoApi):
    """111102 运行备份恢复演练: back up, verify, restore into a scratch database, record the times against RTO."""

    catalog_codes = ("111102",)

    @extend_schema(
        summary="111102 运行备份恢复演练", request=None, responses=responses({200: EmergencyDrillSerializer})
    )
    def post(self, request, drill_id: int):
        require_grant(request.user, "111102", Action.HANDLE)
        drill = e.drill_get_for(actor=request.user, drill_id=drill_id)
        return Response(EmergencyDrillSerializer(e.emergency_drill_run_restore(actor=request.user, drill=drill)).data)


class EmergencyDrillRecordApi(ShebaoApi):
    """111102 记录演练结果 (drills other than the restore drill) and findings."""

    catalog_codes = ("111102",)

    class InputSerializer(serializers.Serializer):
        """How the drill went."""

        ok = StrictBooleanField(required=False, allow_null=True, default=None, help_text="演练结果合格")
        total_minutes = StrictIntegerField(
            required=False, allow_null=True, default=None, help_text="实际处置用时（分钟）"
        )
        findings = StrictCharField(
            required=False, allow_blank=True, default="", max_length=2000, help_text="发现的问题"
        )

    @extend_schema(
        summary="111102 记录演练结果",
        request=InputSerializer,
        responses=responses({200: EmergencyDrillSerializer}, body=True),
    )
    def post(self, request, drill_id: int):
        require_grant(request.user, "111102", Action.HANDLE)
        data = self.parse_body(self.InputSerializer)
        drill = e.drill_get_for(actor=request.user, drill_id=drill_id)
        drill = e.emergency_drill_record(
            actor=request.user,
            drill=drill,
            ok=data["ok"],
            findings=data["findings"],
            total_minutes=data["total_minutes"],
        )
        return Response(EmergencyDrillSerializer(drill).data)


EmergencyPlansApi = by_method(
    "EmergencyPlansApi", "应急预案：列表与制定", get=EmergencyPlanListApi, post=EmergencyPlanCreateApi
)
EmergencyDrillsApi = by_method(
    "EmergencyDrillsApi", "应急演练：列表与安排", get=EmergencyDrillListApi, post=EmergencyDrillScheduleApi
)

urlpatterns = [
    path("emergency-plans/", EmergencyPlansApi.as_view(), name="emergency-plans"),
    path("emergency-plans/<int:plan_id>/", EmergencyPlanDetailApi.as_view(), name="emergency-plan"),
    path("emergency-plans/<int:plan_id>/change/", EmergencyPlanChangeApi.as_view(), name="emergency-plan-change"),
    path("emergency-drills/", EmergencyDrillsApi.as_view(), name="emergency-drills"),
    path("emergency-drills/<int:drill_id>/", EmergencyDrillDetailApi.as_view(), name="emergency-drill"),
    path(
        "emergency-drills/<int:drill_id>/restore/", EmergencyDrillRestoreApi.as_view(), name="emergency-drill-restore"
    ),
    path("emergency-drills/<int:drill_id>/record/", EmergencyDrillRecordApi.as_view(), name="emergency-drill-record"),
    re_path(r"^(?:emergency-plans|emergency-drills|backups)/", NotFoundApi.as_view(), name="operations-not-found"),
]

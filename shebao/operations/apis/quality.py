"""Cluster 11 (quality) API v1: `quality/runs/` (1106 数据质量检查) and `quality/rules/` (the rule registry).

POST `quality/runs/` starts a run over an agency's subtree (default the user's agency) and executes it in this
process; GET lists the runs in scope; `quality/runs/<id>/` is one run with its per-rule counts; `findings/` pages
the records found (filter `rule`), with ID numbers masked; `export.xlsx` is the report workbook. Only agency
administrators and auditors (机构管理员、稽核员) may use them (403 for other roles); another agency's run is 404.
"""

from __future__ import annotations

from django.http import HttpResponse
from django.urls import path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.response import Response

from shebao.core.api import ShebaoApi, StrictChoiceField, StrictPagination, StrictRegexField, by_method, responses

from ..models import QualityRunStatus
from ..services.quality import (
    ITEM,
    check_rule,
    findings_of,
    quality_check,
    quality_run_get_for,
    quality_runs_for,
    require_quality,
    rule_rows,
    rules_in_order,
)
from ..services.quality_export import export_run
from ..services.quality_rules import Dimension, ObjectType, Severity

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class QualityRuleSerializer(serializers.Serializer):
    """One rule of the registry: code, Chinese name, dimension, severity and the kind of record it flags."""

    code = serializers.CharField()
    name = serializers.CharField()
    dimension = serializers.ChoiceField(choices=Dimension.choices)
    dimension_display = serializers.CharField(source="dimension_label")
    severity = serializers.ChoiceField(choices=Severity.choices)
    severity_display = serializers.CharField(source="severity_label")
    object_type = serializers.ChoiceField(choices=ObjectType.choices)
    description = serializers.CharField(allow_blank=True)

    class Meta:
        ref_name = "QualityRule"


class QualityRunSerializer(serializers.Serializer):
    """数据质量检查批次: scope, status, totals and who started it."""

    id = serializers.IntegerField()
    agency = serializers.CharField(source="agency.code")
    agency_name = serializers.CharField(source="agency.name")
    region = serializers.CharField(source="region_id")
    status = serializers.ChoiceField(choices=QualityRunStatus.choices)
    status_display = serializers.CharField(source="get_status_display")
    total = serializers.IntegerField(help_text="问题记录合计")
    persons = serializers.IntegerField(help_text="检查的人员数")
    employers = serializers.IntegerField(help_text="检查的单位数")
    enrolments = serializers.IntegerField(help_text="检查的参保记录数")
    started_by = serializers.CharField(source="started_by.username", allow_null=True, default=None)
    started_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)
    seconds = serializers.FloatField(source="duration", allow_null=True, help_text="耗时（秒）")
    error = serializers.CharField(allow_blank=True)

    class Meta:
        ref_name = "QualityRun"


class QualityRuleCountSerializer(serializers.Serializer):
    """One rule's result in a run."""

    code = serializers.CharField()
    name = serializers.CharField()
    dimension = serializers.CharField(help_text="质量维度（中文）")
    severity = serializers.CharField(help_text="严重程度（高/中/低）")
    object_type = serializers.CharField(help_text="检查对象（中文）")
    count = serializers.IntegerField()
    seconds = serializers.FloatField(allow_null=True)

    class Meta:
        ref_name = "QualityRuleCount"


class QualityRunDetailSerializer(QualityRunSerializer):
    """One run with the count of every rule it ran."""

    rules = serializers.SerializerMethodField()

    class Meta:
        ref_name = "QualityRunDetail"

    @extend_schema_field(QualityRuleCountSerializer(many=True))
    def get_rules(self, run) -> list:
        return QualityRuleCountSerializer(rule_rows(run), many=True).data


class QualityFindingSerializer(serializers.Serializer):
    """One record a rule found (ID numbers in the detail are masked)."""

    id = serializers.IntegerField()
    rule = serializers.CharField()
    object_type = serializers.ChoiceField(choices=ObjectType.choices)
    object_id = serializers.IntegerField()
    detail = serializers.CharField()

    class Meta:
        ref_name = "QualityFinding"


class QualityRunListApi(ShebaoApi):
    """数据质量检查批次 of the user's agency subtree, newest first."""

    catalog_codes = (ITEM,)
    pagination_class = StrictPagination

    class FilterSerializer(serializers.Serializer):
        """Filters of the run list."""

        agency = StrictRegexField(r"^[0-9A-Za-z]{1,20}$", required=False, help_text="经办机构编码（精确匹配）")
        status = StrictChoiceField(choices=QualityRunStatus.choices, required=False)

    @extend_schema(
        summary="1106 数据质量检查批次列表",
        parameters=[FilterSerializer],
        responses=responses({200: QualityRunSerializer(many=True)}),
    )
    def get(self, request):
        require_quality(request.user)
        f = self.parse_query(self.FilterSerializer)
        qs = quality_runs_for(request.user).order_by("-id")
        if f.get("agency"):
            qs = qs.filter(agency__code=f["agency"].upper())
        if f.get("status"):
            qs = qs.filter(status=f["status"])
        return self.paginate(qs, QualityRunSerializer)


class QualityRunStartApi(ShebaoApi):
    """1106 质量管理: start a data-quality run over an agency's subtree and execute it."""

    catalog_codes = (ITEM,)

    class InputSerializer(serializers.Serializer):
        """The agency (default: the user's own) and the rules (default: every registered rule)."""

        agency = serializers.CharField(
            required=False, allow_blank=True, max_length=40, help_text="经办机构编码，默认为本人所在经办机构"
        )
        rules = serializers.ListField(
            child=serializers.CharField(max_length=20), required=False, max_length=200, help_text="规则编码列表"
        )

    @extend_schema(
        summary="1106 发起数据质量检查",
        request=InputSerializer,
        responses=responses({201: QualityRunDetailSerializer}, body=True),
    )
    def post(self, request):
        require_quality(request.user)
        data = self.parse_body(self.InputSerializer)
        run = quality_check(actor=request.user, agency=data.get("agency") or None, rules=data.get("rules"))
        return Response(QualityRunDetailSerializer(run).data, status=status.HTTP_201_CREATED)


QualityRunCollectionApi = by_method(
    "QualityRunCollectionApi",
    "数据质量检查批次: GET lists the runs, POST starts and executes one (1106).",
    get=QualityRunListApi,
    post=QualityRunStartApi,
)


class QualityRunDetailApi(ShebaoApi):
    """One 数据质量检查批次 with the count of every rule."""

    catalog_codes = (ITEM,)

    @extend_schema(summary="1106 数据质量检查详情", responses=responses({200: QualityRunDetailSerializer}))
    def get(self, request, run_id: int):
        require_quality(request.user)
        run = quality_run_get_for(actor=request.user, run_id=run_id)
        return Response(QualityRunDetailSerializer(run).data)


class QualityFindingListApi(ShebaoApi):
    """The records a run found, paged, optionally of one rule."""

    catalog_codes = (ITEM,)
    pagination_class = StrictPagination

    class FilterSerializer(serializers.Serializer):
        """Filter by rule code."""

        rule = serializers.CharField(required=False, max_length=20, help_text="规则编码，如 YX01")

    @extend_schema(
        summary="1106 数据质量问题记录",
        parameters=[FilterSerializer],
        responses=responses({200: QualityFindingSerializer(many=True)}),
    )
    def get(self, request, run_id: int):
        require_quality(request.user)
        run = quality_run_get_for(actor=request.user, run_id=run_id)
        f = self.parse_query(self.FilterSerializer)
        rule = check_rule(f["rule"]) if f.get("rule") else None
        return self.paginate(findings_of(run, rule=rule), QualityFindingSerializer)


class QualityExportApi(ShebaoApi):
    """The run's report workbook: 汇总 and one sheet per rule (capped, with a note), ID numbers masked."""

    catalog_codes = (ITEM,)

    @extend_schema(summary="1106 数据质量检查报告（xlsx）", responses=responses({(200, XLSX): OpenApiTypes.BINARY}))
    def get(self, request, run_id: int):
        require_quality(request.user)
        run = quality_run_get_for(actor=request.user, run_id=run_id)
        filename, content = export_run(run)
        response = HttpResponse(content, content_type=XLSX)
        response["Content-Disposition"] = f"attachment; filename*=UTF-8''{_quote(filename)}"
        return response


class QualityRuleListApi(ShebaoApi):
    """The registered data-quality rules (GB/T 31954 dimensions)."""

    catalog_codes = (ITEM,)

    @extend_schema(summary="1106 数据质量检查规则", responses=responses({200: QualityRuleSerializer(many=True)}))
    def get(self, request):
        require_quality(request.user)
        return Response(QualityRuleSerializer(rules_in_order(), many=True).data)


def _quote(name: str) -> str:
    from urllib.parse import quote

    return quote(name)


urlpatterns = [
    path("quality/runs/", QualityRunCollectionApi.as_view(), name="quality-runs"),
    path("quality/runs/<int:run_id>/", QualityRunDetailApi.as_view(), name="quality-run"),
    path("quality/runs/<int:run_id>/findings/", QualityFindingListApi.as_view(), name="quality-findings"),
    path("quality/runs/<int:run_id>/export.xlsx", QualityExportApi.as_view(), name="quality-export"),
    path("quality/rules/", QualityRuleListApi.as_view(), name="quality-rules"),
]

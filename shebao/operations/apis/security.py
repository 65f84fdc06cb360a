"""1107 数据安全 API (`/api/v1/security/…`): the personal-data access log (search, export), export requests
(list, create, detail, download) and the masking rules (list, update)."""

from __future__ import annotations

from django.http import HttpResponse
from django.urls import path, re_path
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.response import Response

from shebao.core.api import ItemCaseApi, NotFoundApi, ShebaoApi, StrictCharField, StrictChoiceField, StrictPagination
from shebao.core.api.base import by_method, responses
from shebao.core.choices import PersonalField
from shebao.core.errors import ApplicationError, PermissionDeniedError
from shebao.core.masking import KINDS, RULES

from ..models import ExportKind, MaskingRule
from ..selectors.security import (
    OBJECT_TYPES,
    access_search,
    clean_access_filters,
    describe_objects,
    masked_filters,
    require_auditor,
)
from ..services import security as s

EXPORT_LIMIT = 50_000


# -- 敏感信息查看记录 -------------------------------------------------------------------------------------------------


class AccessRowSerializer(serializers.Serializer):
    """One showing of a full ID number or bank account (the record named with its number masked)."""

    id = serializers.IntegerField()
    at = serializers.DateTimeField(help_text="查看时间")
    actor = serializers.IntegerField(source="actor_id", allow_null=True, help_text="查看人账号ID")
    actor_name = serializers.CharField(help_text="查看人")
    agency = serializers.SerializerMethodField(help_text="查看人所属机构")
    object_type = serializers.CharField(help_text="对象类型")
    object_id = serializers.CharField(help_text="对象标识")
    object_label = serializers.CharField(help_text="对象（号码已脱敏）")
    field = serializers.ChoiceField(choices=PersonalField.choices, help_text="查看内容")
    where = serializers.CharField(help_text="查看页面")

    class Meta:
        ref_name = "PersonalDataAccessRow"

    @extend_schema_field(OpenApiTypes.STR)
    def get_agency(self, row) -> str:
        return row.agency.name if row.agency_id else ""


def _filter_fields(with_id_number: bool) -> dict:
    fields = {
        "actor": StrictCharField(required=False, allow_blank=True, max_length=150, help_text="查看人（姓名或用户名）"),
        "object_type": StrictCharField(
            required=False, allow_blank=True, max_length=20, help_text="对象类型：" + "、".join(OBJECT_TYPES)
        ),
        "object_id": StrictCharField(required=False, allow_blank=True, max_length=20, help_text="对象标识（数字）"),
        "field": StrictCharField(
            required=False, allow_blank=True, max_length=20, help_text="id_number 或 bank_account"
        ),
        "date_from": StrictCharField(required=False, allow_blank=True, max_length=10, help_text="起始日期 YYYY-MM-DD"),
        "date_to": StrictCharField(required=False, allow_blank=True, max_length=10, help_text="截止日期 YYYY-MM-DD"),
    }
    if with_id_number:
        fields["id_number"] = StrictCharField(
            required=False,
            allow_blank=True,
            max_length=18,
            help_text="被查看人的社会保障号码（精确匹配，只在请求体中）",
        )
    return fields


AccessFilter = type("AccessFilter", (serializers.Serializer,), _filter_fields(False))
AccessSearchInput = type("AccessSearchInput", (serializers.Serializer,), _filter_fields(True))


def _refuse_number_in_url(request) -> None:
    if "id_number" in request.query_params:
        raise ApplicationError(
            "社会保障号码不能放在网址中，请用 POST /api/v1/security/access-log/search/ 查询", field="id_number"
        )


class AccessLogListApi(ShebaoApi):
    """敏感信息查看记录: who was shown whose full ID number or bank account, in the auditor's agency subtree."""

    pagination_class = StrictPagination

    @extend_schema(
        summary="敏感信息查看记录查询",
        parameters=[AccessFilter],
        responses=responses({200: AccessRowSerializer(many=True)}),
    )
    def get(self, request):
        require_auditor(request.user)
        _refuse_number_in_url(request)
        filters = clean_access_filters(self.parse_query(AccessFilter))
        return _access_page(self, access_search(actor=request.user, filters=filters))


def _access_page(view: ShebaoApi, qs) -> Response:
    paginator = StrictPagination()
    page = paginator.paginate_queryset(qs, view.request, view=view)
    return paginator.get_paginated_response(AccessRowSerializer(describe_objects(page), many=True).data)


class AccessLogSearchApi(ShebaoApi):
    """敏感信息查看记录（按社会保障号码）: the same search with the ID number in the body, never in a URL."""

    pagination_class = StrictPagination

    @extend_schema(
        summary="敏感信息查看记录查询（请求体，可按社会保障号码）",
        request=AccessSearchInput,
        responses=responses({200: AccessRowSerializer(many=True)}, body=True),
    )
    def post(self, request):
        require_auditor(request.user)
        filters = clean_access_filters(self.parse_body(AccessSearchInput))
        return _access_page(self, access_search(actor=request.user, filters=filters))


XLSX = s.XLSX


class AccessLogExportApi(ShebaoApi):
    """敏感信息查看记录导出 (xlsx, masked): the export itself is audited with its filters and row count."""

    @extend_schema(
        summary="敏感信息查看记录导出（xlsx）",
        parameters=[AccessFilter],
        responses=responses({(200, XLSX): OpenApiTypes.BINARY}),
    )
    def get(self, request):
        require_auditor(request.user)
        _refuse_number_in_url(request)
        filters = clean_access_filters(self.parse_query(AccessFilter))
        rows = describe_objects(access_search(actor=request.user, filters=filters)[:EXPORT_LIMIT])
        content = s.access_log_export(actor=request.user, rows=rows, filters=masked_filters(filters))
        response = HttpResponse(content, content_type=XLSX)
        stamp = timezone.localtime().strftime("%Y%m%d%H%M")
        response["Content-Disposition"] = f'attachment; filename="personal-data-access-{stamp}.xlsx"'
        return response


# -- 个人数据导出申请 -------------------------------------------------------------------------------------------------


class ExportFileSerializer(serializers.Serializer):
    """The produced file of an approved request."""

    file_name = serializers.CharField()
    rows = serializers.IntegerField(source="row_count")
    sha256 = serializers.CharField()
    watermark = serializers.CharField()
    full_fields = serializers.ListField(child=serializers.CharField(), help_text="完整显示（未脱敏）的字段")
    produced_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField()
    downloads = serializers.IntegerField()
    max_downloads = serializers.IntegerField()

    class Meta:
        ref_name = "PersonalDataExportFile"


class ExportRequestSerializer(serializers.Serializer):
    """An export request (a case of 1107) and, once approved, its file."""

    id = serializers.IntegerField(help_text="业务经办单ID")
    number = serializers.CharField(help_text="业务流水号（案件号）")
    status = serializers.CharField(help_text="业务经办单状态")
    state = serializers.SerializerMethodField(help_text="导出状态：待复核、可下载、已过期、下载次数已用完、已退回")
    kind = serializers.SerializerMethodField()
    reason = serializers.SerializerMethodField()
    rows = serializers.SerializerMethodField(help_text="申请时的人数")
    requester = serializers.SerializerMethodField(help_text="申请人")
    submitted_at = serializers.DateTimeField()
    reviewer = serializers.SerializerMethodField(help_text="复核人")
    file = serializers.SerializerMethodField()

    class Meta:
        ref_name = "PersonalDataExportRequest"

    @extend_schema_field(OpenApiTypes.STR)
    def get_state(self, case) -> str:
        return s.export_state(case)

    @extend_schema_field(OpenApiTypes.STR)
    def get_kind(self, case) -> str:
        return case.payload.get("kind", "")

    @extend_schema_field(OpenApiTypes.STR)
    def get_reason(self, case) -> str:
        return case.payload.get("reason", "")

    @extend_schema_field(OpenApiTypes.INT)
    def get_rows(self, case) -> int:
        return int(case.payload.get("rows") or 0)

    @extend_schema_field(OpenApiTypes.STR)
    def get_requester(self, case) -> str:
        return str(case.submitted_by)

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_reviewer(self, case):
        return str(case.reviewer) if case.reviewer_id else None

    @extend_schema_field(ExportFileSerializer(allow_null=True))
    def get_file(self, case):
        export = getattr(case, "pd_export", None) if hasattr(case, "pd_export") else None
        return ExportFileSerializer(export).data if export is not None else None


class ExportListApi(ShebaoApi):
    """个人数据导出申请: the requests of the user's scope, newest first."""

    pagination_class = StrictPagination

    @extend_schema(summary="个人数据导出申请列表", responses=responses({200: ExportRequestSerializer(many=True)}))
    def get(self, request):
        return self.paginate(s.exports_for(request.user), ExportRequestSerializer)


class ExportCreateApi(ItemCaseApi):
    """1107 个人数据导出申请: persons of the scope or one unit's employees; a reviewer other than the requester
    approves, then the requester downloads the watermarked Excel."""

    item_code = "1107"
    summary = "1107 个人数据导出申请"

    class InputSerializer(serializers.Serializer):
        """What to export and why."""

        kind = StrictChoiceField(choices=ExportKind.choices, help_text="persons 参保人员名单；employees 单位职工名单")
        filters = serializers.DictField(
            required=False,
            default=dict,
            help_text='导出条件：{"status": "active"}；单位职工名单须 {"employer": 单位ID}',
        )
        reason = StrictCharField(max_length=200, help_text="导出事由（用途）")

    def submit(self, request, data, subject):
        return s.pd_export_request(
            actor=request.user, kind=data["kind"], filters=dict(data["filters"]), reason=data["reason"]
        )


class ExportDetailApi(ShebaoApi):
    """个人数据导出申请详情 (404 outside scope)."""

    @extend_schema(summary="个人数据导出申请详情", responses=responses({200: ExportRequestSerializer}))
    def get(self, request, case_id: int):
        case = s.export_get_for(actor=request.user, case_id=case_id)
        return Response(ExportRequestSerializer(case).data)


class ExportDownloadApi(ShebaoApi):
    """导出文件下载: the requester only, after approval, a limited number of times until it expires; logged."""

    @extend_schema(
        summary="个人数据导出文件下载（xlsx）",
        responses=responses({(200, XLSX): OpenApiTypes.BINARY}),
    )
    def get(self, request, case_id: int):
        case = s.export_get_for(actor=request.user, case_id=case_id)
        name, content = s.pd_export_download(actor=request.user, case=case)
        response = HttpResponse(content, content_type=XLSX)
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response


# -- 脱敏规则 -------------------------------------------------------------------------------------------------------


class MaskingRuleSerializer(serializers.Serializer):
    """How much of one kind of personal field a role is shown."""

    id = serializers.IntegerField()
    role = serializers.CharField()
    role_label = serializers.CharField(source="get_role_display")
    kind = serializers.CharField(help_text="字段类别：" + "、".join(f"{k} {v}" for k, v in KINDS.items()))
    kind_label = serializers.CharField(source="get_kind_display")
    rule = serializers.ChoiceField(choices=list(RULES.items()))
    rule_label = serializers.CharField(source="get_rule_display")
    updated_at = serializers.DateTimeField()

    class Meta:
        ref_name = "MaskingRule"


class MaskingRuleListApi(ShebaoApi):
    """脱敏规则: every role's rule for each kind of personal field."""

    @extend_schema(summary="脱敏规则列表", responses=responses({200: MaskingRuleSerializer(many=True)}))
    def get(self, request):
        require_auditor(request.user)
        return Response(MaskingRuleSerializer(MaskingRule.objects.order_by("role", "kind"), many=True).data)


class MaskingRuleUpdateApi(ShebaoApi):
    """脱敏规则修改 (administrators of a top-level agency; audited)."""

    class InputSerializer(serializers.Serializer):
        """The new rule."""

        rule = StrictChoiceField(choices=list(RULES.items()), help_text="full、mask_middle、last4、hidden")

    @extend_schema(
        summary="脱敏规则修改",
        request=InputSerializer,
        responses=responses({200: MaskingRuleSerializer}, body=True),
    )
    def patch(self, request, rule_id: int):
        if not s.can_edit_masking(request.user):
            raise PermissionDeniedError("只有上级经办机构的机构管理员可以修改脱敏规则")
        data = self.parse_body(self.InputSerializer)
        row = s.masking_rule_update(actor=request.user, rule_id=rule_id, rule=data["rule"])
        return Response(MaskingRuleSerializer(row).data)


ExportCollectionApi = by_method(
    "ExportCollectionApi",
    "个人数据导出申请: GET lists the requests, POST asks for an export (1107).",
    get=ExportListApi,
    post=ExportCreateApi,
)

urlpatterns = [
    path("security/access-log/", AccessLogListApi.as_view(), name="security-access-log"),
    path("security/access-log/search/", AccessLogSearchApi.as_view(), name="security-access-log-search"),
    path("security/access-log/export/", AccessLogExportApi.as_view(), name="security-access-log-export"),
    path("security/exports/", ExportCollectionApi.as_view(), name="security-exports"),
    path("security/exports/<int:case_id>/", ExportDetailApi.as_view(), name="security-export"),
    path("security/exports/<int:case_id>/download/", ExportDownloadApi.as_view(), name="security-export-download"),
    path("security/masking-rules/", MaskingRuleListApi.as_view(), name="security-masking-rules"),
    path("security/masking-rules/<int:rule_id>/", MaskingRuleUpdateApi.as_view(), name="security-masking-rule"),
    re_path(r"^security/", NotFoundApi.as_view(), name="security-not-found"),
]

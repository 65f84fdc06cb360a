"""111103 问题整改 API (v1, under /api/v1/rectifications/): tasks, and the steps open → closed (maker-checker)."""

from __future__ import annotations

from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.response import Response

from shebao.core.access import require_grant
from shebao.core.api import (
    ShebaoApi,
    StrictCharField,
    StrictChoiceField,
    StrictDateField,
    StrictIntegerField,
    StrictPagination,
    by_method,
    responses,
)
from shebao.core.choices import Action

from ..models import RectificationSource, RectificationStatus
from ..services import rectification as r

ITEM = "111103"


class RectificationSerializer(serializers.Serializer):
    """整改任务."""

    id = serializers.IntegerField()
    number = serializers.CharField()
    agency = serializers.IntegerField(source="agency_id")
    source = serializers.CharField()
    source_label = serializers.CharField(source="get_source_display")
    source_ref = serializers.CharField()
    title = serializers.CharField()
    description = serializers.CharField()
    owner = serializers.IntegerField(source="owner_id")
    owner_name = serializers.CharField(source="owner.__str__")
    deadline = serializers.DateField()
    overdue = serializers.BooleanField(source="is_overdue")
    status = serializers.CharField()
    status_label = serializers.CharField(source="get_status_display")
    evidence = serializers.CharField()
    evidence_file = serializers.CharField(source="evidence_name", help_text="佐证材料原文件名（无则为空）")
    return_reason = serializers.CharField()
    created_by = serializers.IntegerField(source="created_by_id")
    created_at = serializers.DateTimeField()
    submitted_at = serializers.DateTimeField(allow_null=True)
    closed_by = serializers.IntegerField(source="closed_by_id", allow_null=True)
    closed_at = serializers.DateTimeField(allow_null=True)
    version = serializers.IntegerField()

    class Meta:
        ref_name = "Rectification"


class RectificationListApi(ShebaoApi):
    """整改任务列表 of the user's agency subtree."""

    catalog_codes = (ITEM,)
    pagination_class = StrictPagination

    class FilterSerializer(serializers.Serializer):
        """Filters of the task list."""

        q = serializers.CharField(max_length=50, required=False, help_text="整改编号、问题摘要或来源说明（包含）")
        status = serializers.ChoiceField(choices=RectificationStatus.choices, required=False)
        overdue = serializers.BooleanField(required=False, default=False, help_text="只列已超期未销号的")

    @extend_schema(
        summary="111103 整改任务列表",
        parameters=[FilterSerializer],
        responses=responses({200: RectificationSerializer(many=True)}),
    )
    def get(self, request):
        require_grant(request.user, ITEM, Action.VIEW)
        f = self.parse_query(self.FilterSerializer)
        qs = r.rectification_search(
            actor=request.user, q=f.get("q", ""), status=f.get("status", ""), overdue=f["overdue"]
        )
        return self.paginate(qs, RectificationSerializer)


class RectificationCreateApi(ShebaoApi):
    """登记整改任务: a finding with its source, owner and deadline."""

    catalog_codes = (ITEM,)
    parser_classes = (JSONParser,)

    class InputSerializer(serializers.Serializer):
        """The finding."""

        source = StrictChoiceField(choices=RectificationSource.choices, help_text="问题来源")
        source_ref = StrictCharField(
            max_length=200, required=False, allow_blank=True, default="", help_text="来源说明（演练编号、文号等）"
        )
        title = StrictCharField(max_length=100, help_text="问题摘要")
        description = StrictCharField(max_length=2000, help_text="问题描述")
        owner = StrictIntegerField(help_text="整改责任人（本机构用户ID）")
        deadline = StrictDateField(help_text="整改期限 YYYY-MM-DD（不早于今天）")

    @extend_schema(
        summary="111103 登记整改任务",
        request=InputSerializer,
        responses=responses({201: RectificationSerializer}, body=True),
    )
    def post(self, request):
        require_grant(request.user, ITEM, Action.HANDLE)
        data = self.parse_body(self.InputSerializer)
        task = r.rectification_create(
            actor=request.user,
            source=data["source"],
            source_ref=data["source_ref"],
            title=data["title"],
            description=data["description"],
            owner_id=data["owner"],
            deadline=data["deadline"],
        )
        return Response(RectificationSerializer(task).data, status=status.HTTP_201_CREATED)


RectificationCollectionApi = by_method(
    "RectificationCollectionApi",
    "111103 整改任务: GET lists, POST registers.",
    get=RectificationListApi,
    post=RectificationCreateApi,
)


class RectificationDetailApi(ShebaoApi):
    """整改任务详情 (404 outside the user's scope)."""

    catalog_codes = (ITEM,)

    @extend_schema(summary="111103 整改任务详情", responses=responses({200: RectificationSerializer}))
    def get(self, request, task_id: int):
        return Response(RectificationSerializer(r.rectification_get_for(actor=request.user, task_id=task_id)).data)


class _VersionInput(serializers.Serializer):
    version = StrictIntegerField(required=False, help_text="任务版本号（防止覆盖他人的操作）")


class RectificationStartApi(ShebaoApi):
    """开始整改 (the owner)."""

    catalog_codes = (ITEM,)
    parser_classes = (JSONParser,)

    class InputSerializer(_VersionInput):
        """The version last seen."""

    @extend_schema(
        summary="111103 开始整改",
        request=InputSerializer,
        responses=responses({200: RectificationSerializer}, body=True),
    )
    def post(self, request, task_id: int):
        task = r.rectification_get_for(actor=request.user, task_id=task_id)
        data = self.parse_body(self.InputSerializer)
        task = r.rectification_start(actor=request.user, task=task, version=data.get("version"))
        return Response(RectificationSerializer(task).data)


class RectificationSubmitApi(ShebaoApi):
    """提请销号 (the owner): evidence text, and optionally a file (multipart)."""

    catalog_codes = (ITEM,)
    parser_classes = (JSONParser, MultiPartParser)

    class InputSerializer(_VersionInput):
        """What was done, and a supporting file (multipart only)."""

        evidence = StrictCharField(max_length=2000, help_text="整改情况及佐证说明")
        evidence_file = serializers.FileField(
            max_length=255, required=False, allow_empty_file=True, help_text="佐证材料：pdf、jpg、png 或 xlsx"
        )

    @extend_schema(
        summary="111103 提请销号",
        request=InputSerializer,
        responses=responses({200: RectificationSerializer}, body=True),
    )
    def post(self, request, task_id: int):
        task = r.rectification_get_for(actor=request.user, task_id=task_id)
        data = self.parse_body(self.InputSerializer)
        task = r.rectification_submit(
            actor=request.user,
            task=task,
            evidence=data["evidence"],
            uploaded=data.get("evidence_file"),
            version=data.get("version"),
        )
        return Response(RectificationSerializer(task).data)


class RectificationCloseApi(ShebaoApi):
    """验收销号: a second user with the review grant (never the owner) accepts the evidence."""

    catalog_codes = (ITEM,)
    parser_classes = (JSONParser,)

    class InputSerializer(_VersionInput):
        """An optional note."""

        note = StrictCharField(max_length=500, required=False, allow_blank=True, default="", help_text="验收意见")

    @extend_schema(
        summary="111103 验收销号",
        request=InputSerializer,
        responses=responses({200: RectificationSerializer}, body=True),
    )
    def post(self, request, task_id: int):
        task = r.rectification_get_for(actor=request.user, task_id=task_id)
        data = self.parse_body(self.InputSerializer)
        task = r.rectification_close(actor=request.user, task=task, note=data["note"], version=data.get("version"))
        return Response(RectificationSerializer(task).data)


class RectificationReturnApi(ShebaoApi):
    """退回整改: the checker sends the task back to the owner with a reason."""

    catalog_codes = (ITEM,)
    parser_classes = (JSONParser,)

    class InputSerializer(_VersionInput):
        """Why it goes back."""

        reason = StrictCharField(max_length=500, help_text="退回原因")

    @extend_schema(
        summary="111103 退回整改",
        request=InputSerializer,
        responses=responses({200: RectificationSerializer}, body=True),
    )
    def post(self, request, task_id: int):
        task = r.rectification_get_for(actor=request.user, task_id=task_id)
        data = self.parse_body(self.InputSerializer)
        task = r.rectification_return(actor=request.user, task=task, reason=data["reason"], version=data.get("version"))
        return Response(RectificationSerializer(task).data)


urlpatterns = [
    path("rectifications/", RectificationCollectionApi.as_view(), name="rectifications"),
    path("rectifications/<int:task_id>/", RectificationDetailApi.as_view(), name="rectification"),
    path("rectifications/<int:task_id>/start/", RectificationStartApi.as_view(), name="rectification-start"),
    path("rectifications/<int:task_id>/submit/", RectificationSubmitApi.as_view(), name="rectification-submit"),
    path("rectifications/<int:task_id>/close/", RectificationCloseApi.as_view(), name="rectification-close"),
    path("rectifications/<int:task_id>/return/", RectificationReturnApi.as_view(), name="rectification-return"),
]

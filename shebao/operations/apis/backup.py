"""1109 数据备份 API: the backup list (sizes, checksums) and starting a backup (top-level admins; auditors read)."""

from __future__ import annotations

from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from shebao.core.api.base import ShebaoApi, StrictBooleanField, StrictPagination, by_method, responses

from ..models import BackupRecord, BackupStatus, BackupTrigger
from ..services.backup import backup_create, backups_for, require_backup_start, require_backup_view


class BackupSerializer(serializers.ModelSerializer):
    """一份数据备份: file, size, SHA-256, encrypted, times, who or what started it, outcome."""

    started_by = serializers.CharField(source="started_by.username", allow_null=True, default=None)
    status = serializers.ChoiceField(choices=BackupStatus.choices)
    status_display = serializers.CharField(source="get_status_display")
    trigger = serializers.ChoiceField(choices=BackupTrigger.choices)
    trigger_display = serializers.CharField(source="get_trigger_display")

    class Meta:
        model = BackupRecord
        ref_name = "Backup"
        fields = [
            "id",
            "file_name",
            "size",
            "sha256",
            "encrypted",
            "vendor",
            "tables",
            "rows",
            "started_at",
            "finished_at",
            "seconds",
            "started_by",
            "trigger",
            "trigger_display",
            "status",
            "status_display",
            "error",
        ]


class BackupListApi(ShebaoApi):
    """数据备份列表, newest first (agency administrators and auditors of a top-level agency)."""

    catalog_codes = ("1109",)
    pagination_class = StrictPagination

    class FilterSerializer(serializers.Serializer):
        """Filters of the backup list."""

        status = serializers.ChoiceField(choices=BackupStatus.choices, required=False)

    @extend_schema(
        summary="1109 数据备份列表",
        parameters=[FilterSerializer],
        responses=responses({200: BackupSerializer(many=True)}),
    )
    def get(self, request):
        require_backup_view(request.user)
        f = self.parse_query(self.FilterSerializer)
        qs = backups_for(request.user)
        if f.get("status"):
            qs = qs.filter(status=f["status"])
        return self.paginate(qs.order_by("-started_at", "-id"), BackupSerializer)


class BackupCreateApi(ShebaoApi):
    """发起数据备份: a consistent dump with its SHA-256 manifest, optionally encrypted (SHEBAO_BACKUP_KEY)."""

    catalog_codes = ("1109",)

    class InputSerializer(serializers.Serializer):
        """What to back up: encrypted or not."""

        encrypt = StrictBooleanField(required=False, default=False, help_text="用 SHEBAO_BACKUP_KEY 加密备份文件")

    @extend_schema(
        summary="1109 发起数据备份", request=InputSerializer, responses=responses({201: BackupSerializer}, body=True)
    )
    def post(self, request):
        require_backup_start(request.user)  # before the body is read
        data = self.parse_body(self.InputSerializer)
        record = backup_create(actor=request.user, trigger=BackupTrigger.API, encrypt=data["encrypt"])
        return Response(BackupSerializer(record).data, status=201)


BackupsApi = by_method("BackupsApi", "数据备份：列表与发起", get=BackupListApi, post=BackupCreateApi)

urlpatterns = [
    path("backups/", BackupsApi.as_view(), name="backups"),
]

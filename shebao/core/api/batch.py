"""批处理 API: the runs within the user's region and one run with its progress (staff only, read-only)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.response import Response

from ..access import is_staff
from ..batch import batch_kinds, batch_progress, batch_run_get_for, batch_runs_for, parse_period
from ..batch_models import BatchChunk, BatchStatus, ChunkStatus
from ..errors import ApplicationError, PermissionDeniedError
from .base import ShebaoApi, StrictPagination, month_field, responses

# --------------------------------------------------------------------------------------------------------------
# Batch runs (批处理批次)
# --------------------------------------------------------------------------------------------------------------


def _labels() -> dict[str, tuple[str, str]]:
    return {k.name: (k.label_zh, k.item_code) for k in batch_kinds()}


class BatchRunSerializer(serializers.Serializer):
    """批处理批次 as listed: kind, region, period, main or supplementary, status and its summary counters."""

    id = serializers.IntegerField()
    kind = serializers.CharField()
    kind_label = serializers.SerializerMethodField()
    item_code = serializers.SerializerMethodField()
    region = serializers.CharField(source="region_id")
    region_name = serializers.CharField(source="region.name")
    period = serializers.CharField(source="period_text", help_text="月度批处理 YYYY-MM，年度批处理 YYYY")
    seq = serializers.IntegerField(help_text="0 为主批次，1 起为补充批次")
    supplementary = serializers.BooleanField(source="is_supplementary")
    status = serializers.ChoiceField(choices=BatchStatus.choices)
    status_display = serializers.CharField(source="get_status_display")
    chunks_total = serializers.IntegerField()
    chunks_done = serializers.IntegerField()
    rows = serializers.IntegerField()
    started_by = serializers.CharField(source="started_by.username", allow_null=True, default=None)
    created_at = serializers.DateTimeField()
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)
    heartbeat = serializers.DateTimeField(allow_null=True)
    error = serializers.CharField(allow_blank=True)

    class Meta:
        ref_name = "BatchRun"

    def get_kind_label(self, run) -> str:
        return self.context.get("labels", {}).get(run.kind, (run.kind, ""))[0]

    def get_item_code(self, run) -> str:
        return self.context.get("labels", {}).get(run.kind, ("", ""))[1]


class BatchProgressSerializer(serializers.Serializer):
    """批处理进度, counted from the chunks: done / total, rows, rate, estimated time left."""

    status = serializers.ChoiceField(choices=BatchStatus.choices)
    status_label = serializers.CharField()
    chunks_total = serializers.IntegerField()
    chunks_done = serializers.IntegerField()
    chunks_failed = serializers.IntegerField()
    rows = serializers.IntegerField()
    percent = serializers.FloatField()
    elapsed_seconds = serializers.FloatField()
    elapsed_text = serializers.CharField()
    rows_per_second = serializers.FloatField()
    eta_seconds = serializers.FloatField(allow_null=True, help_text="预计剩余秒数；尚无可估算的数据时为 null")
    eta_text = serializers.CharField()
    stalled = serializers.BooleanField(help_text="执行中但长时间无进展：执行进程可能已中断，可续跑")
    started_at_text = serializers.CharField(help_text="开始执行时间（本地时间），未开始为 —")
    finished_at_text = serializers.CharField(help_text="完成时间（本地时间），未完成为 —")

    class Meta:
        ref_name = "BatchProgress"


class BatchChunkSerializer(serializers.Serializer):
    """A failed chunk: its number, key range and error."""

    number = serializers.IntegerField()
    key_from = serializers.IntegerField()
    key_to = serializers.IntegerField()
    attempts = serializers.IntegerField()
    error = serializers.CharField(allow_blank=True)

    class Meta:
        ref_name = "BatchChunk"


class BatchRunDetailSerializer(BatchRunSerializer):
    """One run with its live progress and its failed chunks (at most 20)."""

    params = serializers.JSONField()
    progress = serializers.SerializerMethodField()
    failed_chunks = serializers.SerializerMethodField()

    class Meta:
        ref_name = "BatchRunDetail"

    @extend_schema_field(BatchProgressSerializer)
    def get_progress(self, run) -> dict:
        return BatchProgressSerializer(batch_progress(run).as_dict()).data

    @extend_schema_field(BatchChunkSerializer(many=True))
    def get_failed_chunks(self, run) -> list:
        failed = BatchChunk.objects.filter(run=run, status=ChunkStatus.FAILED).order_by("number")[:20]
        return BatchChunkSerializer(failed, many=True).data


def _staff_only(user) -> None:
    if not is_staff(user):
        raise PermissionDeniedError("批处理仅限经办机构工作人员查看")


class BatchRunListApi(ShebaoApi):
    """批处理批次 within the user's region (and the regions below it), newest first."""

    pagination_class = StrictPagination

    class FilterSerializer(serializers.Serializer):
        """Filters of the run list."""

        kind = serializers.CharField(max_length=60, required=False, help_text="批处理类型，如 contributions.assessment")
        status = serializers.ChoiceField(choices=BatchStatus.choices, required=False)
        region = serializers.RegexField(r"^\d{6}$", required=False, help_text="区划代码（精确匹配）")
        period = month_field(required=False, help_text="期间 YYYY-MM（年度批处理写该年的 YYYY-01）")

    @extend_schema(
        summary="批处理批次列表",
        parameters=[FilterSerializer],
        responses=responses({200: BatchRunSerializer(many=True)}),
    )
    def get(self, request):
        _staff_only(request.user)
        f = self.parse_query(self.FilterSerializer)
        qs = batch_runs_for(request.user).order_by("-created_at", "-id")
        for name in ("kind", "status"):
            if f.get(name):
                qs = qs.filter(**{name: f[name]})
        if f.get("region"):
            qs = qs.filter(region_id=f["region"])
        if f.get("period"):
            try:
                qs = qs.filter(period=parse_period(f["period"]))
            except ApplicationError as exc:
                raise serializers.ValidationError({"period": [exc.message]}) from None
        return self.paginate(qs, BatchRunSerializer, context={"labels": _labels()})


class BatchRunDetailApi(ShebaoApi):
    """One 批处理批次 with its progress (the run page polls this while the run is going)."""

    @extend_schema(summary="批处理批次详情与进度", responses=responses({200: BatchRunDetailSerializer}))
    def get(self, request, run_id: int):
        _staff_only(request.user)
        run = batch_run_get_for(actor=request.user, run_id=run_id)
        return Response(BatchRunDetailSerializer(run, context={"labels": _labels()}).data)

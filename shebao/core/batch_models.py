"""Batch runs (批处理): one row per run of a batch kind for a region and period, split into chunks.

The models only; what a run does, and the guarantees, are in `shebao.core.batch` and docs/batch.md. Imported by
`core.models`, so they belong to the `core` app.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class BatchStatus(models.TextChoices):
    PENDING = "pending", "待执行"
    RUNNING = "running", "执行中"
    DONE = "done", "已完成"
    FAILED = "failed", "失败"


class ChunkStatus(models.TextChoices):
    PENDING = "pending", "待执行"
    DONE = "done", "已完成"
    FAILED = "failed", "失败"


class BatchRun(models.Model):
    """批处理批次: one run of a batch kind (e.g. 020301 月度应缴核定) for a region and period.

    `seq` 0 is the main run (主批次), unique per (kind, region, period); supplementary runs (补充批次) are numbered
    1, 2, … after it. Progress is counted from the chunks; `chunks_done` and `rows` are a summary refreshed after
    each chunk and at the end.
    """

    kind = models.CharField("批处理类型", max_length=60)
    region = models.ForeignKey("core.Region", on_delete=models.PROTECT, related_name="+", verbose_name="区划")
    period = models.DateField("期间", help_text="月度批处理为该月1日，年度批处理为该年1月1日")
    seq = models.PositiveSmallIntegerField("批次序号", default=0, help_text="0 为主批次，1 起为补充批次")
    status = models.CharField("状态", max_length=10, choices=BatchStatus.choices, default=BatchStatus.PENDING)
    chunks_total = models.PositiveIntegerField("分块总数", default=0)
    chunks_done = models.PositiveIntegerField("已完成分块", default=0)
    rows = models.BigIntegerField("写入行数", default=0)
    params = models.JSONField("参数", default=dict, blank=True)
    error = models.TextField("错误信息", blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="发起人",
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    started_at = models.DateTimeField("开始执行时间", null=True, blank=True)
    resumed_at = models.DateTimeField("最近一次(续)跑时间", null=True, blank=True)
    heartbeat = models.DateTimeField("最近心跳", null=True, blank=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)

    class Meta:
        verbose_name = "批处理批次"
        verbose_name_plural = "批处理批次"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "region", "period", "seq"], name="uniq_batch_run"),
        ]
        indexes = [models.Index(fields=["region", "kind", "period"]), models.Index(fields=["status"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.region_id} {self.period_text} #{self.seq}"

    @property
    def period_text(self) -> str:
        """The period as written in commands and APIs: "YYYY-MM", or "YYYY" for a yearly kind."""
        from .batch_registry import get_batch_kind, period_text  # the kind knows: months or years

        return period_text(self.period, get_batch_kind(self.kind))

    @property
    def is_supplementary(self) -> bool:
        return self.seq > 0


class BatchChunk(models.Model):
    """批处理分块: one key range of a run (e.g. employers id 1–500); its rows and its done mark commit together."""

    run = models.ForeignKey(BatchRun, on_delete=models.CASCADE, related_name="chunks", verbose_name="批次")
    number = models.PositiveIntegerField("分块序号")
    key_from = models.BigIntegerField("起始键")
    key_to = models.BigIntegerField("截止键", help_text="含本键")
    status = models.CharField("状态", max_length=10, choices=ChunkStatus.choices, default=ChunkStatus.PENDING)
    rows = models.BigIntegerField("写入行数", default=0)
    attempts = models.PositiveSmallIntegerField("失败次数", default=0)
    done_at = models.DateTimeField("完成时间", null=True, blank=True)
    worker = models.CharField("执行进程", max_length=100, blank=True)
    error = models.TextField("错误信息", blank=True)

    class Meta:
        verbose_name = "批处理分块"
        verbose_name_plural = "批处理分块"
        ordering = ["run", "number"]
        constraints = [
            models.UniqueConstraint(fields=["run", "number"], name="uniq_batch_chunk"),
            models.CheckConstraint(condition=models.Q(key_from__lte=models.F("key_to")), name="batch_chunk_range"),
        ]
        indexes = [models.Index(fields=["run", "status"])]

    def __str__(self) -> str:
        return f"{self.run_id}/{self.number} [{self.key_from}, {self.key_to}]"

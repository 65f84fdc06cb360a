"""1106 质量管理: data-quality check runs over an agency's subtree and the records each rule found."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from shebao.core.models import Agency, Region


class QualityRunStatus(models.TextChoices):
    RUNNING = "running", "检查中"
    DONE = "done", "已完成"
    FAILED = "failed", "失败"


class QualityRun(models.Model):
    """1106 数据质量检查批次: one run of the rule registry over an agency's subtree, with per-rule counts."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+", verbose_name="检查范围（经办机构）")
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+", verbose_name="所在区划")
    status = models.CharField("状态", max_length=10, choices=QualityRunStatus.choices, default=QualityRunStatus.RUNNING)
    rules = models.JSONField("检查规则", default=list)  # the rule codes run, in registry order
    counts = models.JSONField("各规则问题数", default=dict)  # rule code -> findings
    seconds = models.JSONField("各规则耗时（秒）", default=dict)  # rule code -> seconds
    total = models.PositiveIntegerField("问题记录合计", default=0)
    persons = models.PositiveIntegerField("检查人员数", default=0)
    employers = models.PositiveIntegerField("检查单位数", default=0)
    enrolments = models.PositiveIntegerField("检查参保记录数", default=0)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+", verbose_name="发起人"
    )
    started_at = models.DateTimeField("开始时间", auto_now_add=True)
    finished_at = models.DateTimeField("结束时间", null=True, blank=True)
    error = models.CharField("失败原因", max_length=500, blank=True)

    class Meta:
        verbose_name = "数据质量检查批次"
        verbose_name_plural = "数据质量检查批次"
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["agency", "started_at"], name="quality_run_agency_idx")]

    def __str__(self) -> str:
        return f"数据质量检查 #{self.pk}"

    @property
    def duration(self) -> float | None:
        """Seconds from start to finish (None while running)."""
        if self.finished_at is None:
            return None
        return (self.finished_at - self.started_at).total_seconds()


class QualityFinding(models.Model):
    """1106 质量问题记录: one record a rule found in a run (object type and id; detail with ID numbers masked)."""

    run = models.ForeignKey(QualityRun, on_delete=models.CASCADE, related_name="findings")
    rule = models.CharField("规则编码", max_length=20)
    object_type = models.CharField("对象类型", max_length=20)  # person / employer / enrolment
    object_id = models.BigIntegerField("对象编号")
    detail = models.CharField("问题说明", max_length=500)

    class Meta:
        verbose_name = "质量问题记录"
        verbose_name_plural = "质量问题记录"
        indexes = [models.Index(fields=["run", "rule", "id"], name="quality_finding_run_rule_idx")]

    def __str__(self) -> str:
        return f"{self.rule} {self.object_type}#{self.object_id}"

"""111103 问题整改: findings of drills, operations or audits, tracked as tasks until a second user closes them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from shebao.core.models import Agency


class RectificationSource(models.TextChoices):
    DRILL = "drill", "应急演练"
    OPERATION = "operation", "日常运行"
    AUDIT = "audit", "审计检查"
    OTHER = "other", "其他"


class RectificationStatus(models.TextChoices):
    OPEN = "open", "待整改"
    IN_PROGRESS = "in_progress", "整改中"
    SUBMITTED = "submitted", "待验收"
    CLOSED = "closed", "已销号"


OPEN_RECTIFICATION_STATUSES = (
    RectificationStatus.OPEN,
    RectificationStatus.IN_PROGRESS,
    RectificationStatus.SUBMITTED,
)


def _evidence_path(instance: RectificationTask, filename: str) -> str:
    digest, ext = instance.evidence_sha256[:16], instance.evidence_ext
    return f"rectification/{instance.created_at:%Y/%m}/{instance.number}/{digest}{ext}"


class RectificationTask(models.Model):
    """111103 整改任务: one finding, its owner and deadline, and the evidence that closed it (maker-checker)."""

    number = models.CharField("整改编号", max_length=32, unique=True)
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+", verbose_name="经办机构")
    source = models.CharField("问题来源", max_length=12, choices=RectificationSource.choices)
    source_ref = models.CharField("来源说明", max_length=200, blank=True, help_text="如演练编号、检查通知文号")
    title = models.CharField("问题摘要", max_length=100)
    description = models.TextField("问题描述", max_length=2000)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="整改责任人"
    )
    deadline = models.DateField("整改期限")
    status = models.CharField(
        "状态", max_length=12, choices=RectificationStatus.choices, default=RectificationStatus.OPEN
    )
    evidence = models.TextField("整改情况及佐证说明", max_length=2000, blank=True)
    evidence_file = models.FileField("佐证材料", upload_to=_evidence_path, max_length=255, blank=True)
    evidence_name = models.CharField("佐证材料原文件名", max_length=255, blank=True)
    evidence_ext = models.CharField(max_length=10, blank=True)
    evidence_sha256 = models.CharField(max_length=64, blank=True)
    return_reason = models.CharField("退回原因", max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="登记人"
    )
    created_at = models.DateTimeField("登记时间", default=timezone.now)
    submitted_at = models.DateTimeField("提请销号时间", null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="验收人",
    )
    closed_at = models.DateTimeField("销号时间", null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = "整改任务"
        verbose_name_plural = "整改任务"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["agency", "status", "deadline"])]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def is_overdue(self) -> bool:
        """Deadline passed and not closed."""
        return self.status != RectificationStatus.CLOSED and self.deadline < timezone.localdate()

"""1109 数据备份: one row per backup taken (file, size, SHA-256, timings, who or what started it, outcome)."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class BackupTrigger(models.TextChoices):
    COMMAND = "command", "命令行"
    UI = "ui", "页面"
    API = "api", "接口"
    SCHEDULE = "schedule", "定时任务"
    DRILL = "drill", "恢复演练"


class BackupStatus(models.TextChoices):
    RUNNING = "running", "备份中"
    OK = "ok", "成功"
    FAILED = "failed", "失败"
    DELETED = "deleted", "已清理"


class BackupRecord(models.Model):
    """1109 数据备份: a backup file of the whole database with its SHA-256 manifest, timings and outcome."""

    file_name = models.CharField("备份文件", max_length=200, blank=True)
    size = models.BigIntegerField("文件大小（字节）", default=0)
    sha256 = models.CharField("SHA-256", max_length=64, blank=True)
    encrypted = models.BooleanField("已加密", default=False)
    vendor = models.CharField("数据库类型", max_length=20, blank=True)
    tables = models.PositiveIntegerField("表数", default=0)
    rows = models.BigIntegerField("总行数", default=0)
    started_at = models.DateTimeField("开始时间")
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)
    seconds = models.FloatField("耗时（秒）", null=True, blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="发起人",
    )
    trigger = models.CharField("发起方式", max_length=10, choices=BackupTrigger.choices)
    status = models.CharField("状态", max_length=10, choices=BackupStatus.choices, default=BackupStatus.RUNNING)
    error = models.TextField("错误信息", blank=True)
    deleted_at = models.DateTimeField("清理时间", null=True, blank=True)

    class Meta:
        verbose_name = "数据备份记录"
        verbose_name_plural = "数据备份记录"
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["status", "-started_at"], name="backup_status_started")]

    def __str__(self) -> str:
        return self.file_name or f"备份 #{self.pk}"

"""1107 数据安全: masking rules per role (kept as data) and approved, watermarked personal-data exports."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from shebao.core.choices import Role
from shebao.core.masking import KINDS, RULES


class MaskingRule(models.Model):
    """1107 脱敏规则: how much of one kind of personal field (ID number, bank account, phone…) a role is shown."""

    role = models.CharField("角色", max_length=20, choices=Role.choices)
    kind = models.CharField("字段类别", max_length=20, choices=list(KINDS.items()))
    rule = models.CharField("显示规则", max_length=20, choices=list(RULES.items()))
    updated_at = models.DateTimeField("修改时间", auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="修改人",
    )

    class Meta:
        verbose_name = "脱敏规则"
        verbose_name_plural = "脱敏规则"
        ordering = ["role", "kind"]
        constraints = [models.UniqueConstraint(fields=["role", "kind"], name="operations_masking_rule_role_kind")]

    def __str__(self) -> str:
        return f"{self.get_role_display()} {self.get_kind_display()}：{self.get_rule_display()}"


class ExportKind(models.TextChoices):
    """1107: what a personal-data export holds."""

    PERSONS = "persons", "参保人员名单"
    EMPLOYEES = "employees", "单位职工名单"


class PersonalDataExport(models.Model):
    """1107 个人数据导出文件: produced when the export request (a case of 1107) is approved; watermarked with the
    requester and time, downloadable only by the requester, a limited number of times, until it expires."""

    case = models.OneToOneField(
        "core.Case", on_delete=models.PROTECT, related_name="pd_export", verbose_name="业务经办单"
    )
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="申请人"
    )
    kind = models.CharField("导出内容", max_length=20, choices=ExportKind.choices)
    file_name = models.CharField("文件名", max_length=120)
    content = models.BinaryField("文件内容")
    sha256 = models.CharField("文件摘要", max_length=64)
    row_count = models.PositiveIntegerField("人数")
    full_fields = models.JSONField("完整显示的字段", default=list)
    watermark = models.CharField("水印", max_length=300)
    produced_at = models.DateTimeField("生成时间")
    expires_at = models.DateTimeField("有效期至")
    max_downloads = models.PositiveSmallIntegerField("可下载次数")
    downloads = models.PositiveSmallIntegerField("已下载次数", default=0)

    class Meta:
        verbose_name = "个人数据导出文件"
        verbose_name_plural = "个人数据导出文件"
        ordering = ["-produced_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.file_name}"

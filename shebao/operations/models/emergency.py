"""1111 应急管理: 111101 应急机制 (emergency plans per scenario) and 111102 定期演练 (drills and their results)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from shebao.core.models import Agency, Case


class EmergencyScenario(models.TextChoices):
    DB_LOSS = "db_loss", "数据库损毁"
    DC_OUTAGE = "dc_outage", "机房故障"
    DATA_LEAK = "data_leak", "数据泄露"
    BATCH_FAILURE = "batch_failure", "批处理失败"


class DrillKind(models.TextChoices):
    RESTORE = "restore", "备份恢复演练"
    TABLETOP = "tabletop", "桌面推演"
    FAILOVER = "failover", "切换演练"


class DrillStatus(models.TextChoices):
    PLANNED = "planned", "已计划"
    DONE = "done", "已完成"


class EmergencyPlan(models.Model):
    """111101 应急机制: an agency's emergency plan for one scenario — roles, steps, contacts, RTO/RPO — versioned."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+", verbose_name="经办机构")
    scenario = models.CharField("应急场景", max_length=20, choices=EmergencyScenario.choices)
    title = models.CharField("预案名称", max_length=100)
    roles = models.JSONField("应急角色与职责", default=list)
    steps = models.JSONField("处置步骤", default=list)
    contacts = models.JSONField("联系人", default=list)
    rto_minutes = models.PositiveIntegerField("恢复时间目标 RTO（分钟）")
    rpo_minutes = models.PositiveIntegerField("恢复点目标 RPO（分钟）")
    version = models.PositiveIntegerField("版本", default=1)
    case = models.ForeignKey(Case, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "应急预案"
        verbose_name_plural = "应急预案"
        ordering = ["agency__path", "scenario"]
        constraints = [models.UniqueConstraint(fields=["agency", "scenario"], name="uniq_emergency_plan_scenario")]

    def __str__(self) -> str:
        return self.title


class EmergencyDrill(models.Model):
    """111102 定期演练: a drill of a plan, scheduled (date, responsible) and recorded (times against RTO, findings)."""

    plan = models.ForeignKey(EmergencyPlan, on_delete=models.PROTECT, related_name="drills", verbose_name="应急预案")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+", verbose_name="经办机构")
    kind = models.CharField("演练方式", max_length=10, choices=DrillKind.choices)
    scheduled_on = models.DateField("计划日期")
    responsible = models.CharField("负责人", max_length=50)
    status = models.CharField("状态", max_length=10, choices=DrillStatus.choices, default=DrillStatus.PLANNED)
    held_at = models.DateTimeField("实施时间", null=True, blank=True)
    ok = models.BooleanField("演练结果合格", null=True, blank=True)
    tables = models.PositiveIntegerField("核对表数", null=True, blank=True)
    rows = models.BigIntegerField("核对行数", null=True, blank=True)
    backup_seconds = models.FloatField("备份用时（秒）", null=True, blank=True)
    restore_seconds = models.FloatField("恢复用时（秒）", null=True, blank=True)
    total_seconds = models.FloatField("总用时（秒）", null=True, blank=True)
    rto_minutes = models.PositiveIntegerField("演练时的 RTO（分钟）", null=True, blank=True)
    rto_met = models.BooleanField("达到 RTO", null=True, blank=True)
    backup_file = models.CharField("演练用备份文件", max_length=200, blank=True)
    sha256 = models.CharField("备份 SHA-256", max_length=64, blank=True)
    mismatches = models.JSONField("核对不符项", default=list, blank=True)
    findings = models.TextField("发现的问题", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="安排人"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "应急演练"
        verbose_name_plural = "应急演练"
        ordering = ["-scheduled_on", "-id"]
        constraints = [models.UniqueConstraint(fields=["plan", "scheduled_on"], name="uniq_drill_plan_day")]

    def __str__(self) -> str:
        return f"{self.plan} {self.scheduled_on}"

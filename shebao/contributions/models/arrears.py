"""Arrears area (欠费): 020302 缓缴 agreements, 020304 refund instructions to the bank, 020502 欠费处理 actions.

Back-payments (020303) and refunds (020304) are receivable lines (`Receivable`, kinds back_payment, late_fee,
refund) and refund payment records (`Payment`, channel refund); only what people agreed or sent is stored here.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from shebao.core.models import Agency, Case
from shebao.registration.models import Employer, Person

from ..choices import ArrearsActionKind
from .ledger import MONEY


class Deferral(models.Model):
    """020302 缓缴额核定: an approved deferral agreement — the unit may pay these types' months late without fee.

    `insurance_types` is a comma list of codes (e.g. "110,210"); the agreement covers the months from
    `start_month` to `end_month` (first days) and no late fee accrues from `start_month`'s first day to
    `end_month`'s last day (`expires_on`).
    """

    employer = models.ForeignKey(Employer, on_delete=models.PROTECT, related_name="deferrals")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+", verbose_name="经办机构")
    insurance_types = models.CharField("缓缴险种", max_length=60)
    start_month = models.DateField("缓缴起始月")
    end_month = models.DateField("缓缴截止月")
    expires_on = models.DateField("缓缴期满日")
    reason = models.CharField("缓缴原因", max_length=200)
    case = models.OneToOneField(Case, on_delete=models.PROTECT, related_name="+")
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "缓缴协议"
        verbose_name_plural = "缓缴协议"
        indexes = [models.Index(fields=["employer", "start_month"], name="deferral_employer_start")]

    def __str__(self) -> str:
        return f"{self.employer_id}:{self.start_month:%Y-%m}~{self.end_month:%Y-%m}"

    @property
    def types(self) -> list[str]:
        return [t for t in self.insurance_types.split(",") if t]


class RefundInstruction(models.Model):
    """020304 退费: the instruction sent to the bank to pay a refund to the payer's account (one per case)."""

    case = models.OneToOneField(Case, on_delete=models.PROTECT, related_name="+")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    employer = models.ForeignKey(Employer, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    reference = models.CharField("退费流水号", max_length=64, unique=True)
    bank_name = models.CharField("收款银行", max_length=100)
    bank_account = models.CharField("收款账号", max_length=40)
    account_name = models.CharField("收款户名", max_length=200)
    amount = models.DecimalField("退费金额", **MONEY)
    content = models.TextField("退费指令文件（CSV）")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "退费指令"
        verbose_name_plural = "退费指令"

    def __str__(self) -> str:
        return f"{self.reference}:{self.amount}"


class ArrearsAction(models.Model):
    """020502 欠费处理: one step taken on a unit's arrears — 责令限期缴纳通知, 查询存款账户, 申请强制执行, 结清."""

    employer = models.ForeignKey(Employer, on_delete=models.PROTECT, related_name="arrears_actions")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField("处理步骤", max_length=12, choices=ArrearsActionKind.choices)
    acted_on = models.DateField("办理日期")
    deadline = models.DateField("限期缴纳日期", null=True, blank=True)
    amount = models.DecimalField("当时欠费金额", **MONEY, default=0)
    notes = models.CharField("说明", max_length=500, blank=True)
    case = models.ForeignKey(Case, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    notice = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="steps")
    closed_on = models.DateField("结清日期", null=True, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "欠费处理记录"
        verbose_name_plural = "欠费处理记录"
        indexes = [models.Index(fields=["employer", "kind"], name="arrears_action_employer")]

    def __str__(self) -> str:
        return f"{self.employer_id}:{self.kind}:{self.acted_on}"

"""Enumerations of cluster 02 (社会保险费征缴)."""

from django.db import models


class DeclarationStatus(models.TextChoices):
    SUBMITTED = "submitted", "已申报待审核"
    APPROVED = "approved", "审核通过"
    REJECTED = "rejected", "已驳回"


class BaseSource(models.TextChoices):
    DECLARED = "declared", "按申报工资核定"
    NEW_HIRE = "new_hire", "新参保按起薪核定"
    CHOSEN = "chosen", "灵活就业人员自选"
    ADJUSTED = "adjusted", "缴费基数调整"
    DEFAULT = "default", "未申报按下限核定"


class ReceivableKind(models.TextChoices):
    ASSESSMENT = "assessment", "月度核定"
    SUPPLEMENT = "supplement", "补充核定"
    UNDECLARED = "undeclared", "未申报按上月110%核定"
    BACK_PAYMENT = "back_payment", "补缴"
    ADJUSTMENT = "adjustment", "基数/费率调整差额"
    LATE_FEE = "late_fee", "滞纳金"
    REFUND = "refund", "退费"
    SETTLEMENT = "settlement", "未申报暂定额结算"


# Kinds produced by the monthly assessment runs: at most one such line per person (or employer), type and month.
ASSESSED_KINDS = (ReceivableKind.ASSESSMENT, ReceivableKind.SUPPLEMENT, ReceivableKind.UNDECLARED)


class PaymentChannel(models.TextChoices):
    BANK_COLLECTION = "bank", "银行托收"
    COUNTER = "counter", "窗口缴费"
    ONLINE = "online", "网上缴费"
    TAX = "tax", "税务征收入库"
    REFUND = "refund", "退费冲减"


class Part(models.TextChoices):
    EMPLOYER = "employer", "单位部分"
    INDIVIDUAL = "individual", "个人部分"


class RateChangeReason(models.TextChoices):
    """02020201 费率调整: why an employer's work-injury rate changes."""

    EVALUATION = "evaluation", "工伤保险浮动费率年度评估"
    INDUSTRY = "industry", "行业变更调整风险类别"
    CORRECTION = "correction", "核定差错更正"
    OTHER = "other", "其他"


class ChoiceKind(models.TextChoices):
    """02020102 / 02020202: what a person chooses — a resident's yearly tier or a flexible worker's monthly base."""

    TIER = "tier", "城乡居民养老保险缴费档次"
    BASE = "base", "灵活就业人员缴费基数"

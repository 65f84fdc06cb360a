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


# --- collection (020401, 020402, 020501) -------------------------------------------------------------------------


class LineClass(models.TextChoices):
    """Arrears lines are kept apart by class: the contributions themselves and the late fees on them."""

    PRINCIPAL = "principal", "社会保险费"
    LATE_FEE = "late_fee", "滞纳金"


class Collector(models.TextChoices):
    """Who collects in a region (parameter `contribution.collector`)."""

    AGENCY = "agency", "经办机构征收"
    TAX = "tax", "税务机关征收"


class CollectionChannel(models.TextChoices):
    """How the money of a plan line is expected to come in."""

    BANK = "bank", "银行托收"
    SELF = "self", "自行缴纳"
    TAX = "tax", "税务征收"


class BankFileKind(models.TextChoices):
    COLLECTION = "collection", "托收文件"
    BANK_RETURN = "return", "银行回盘文件"
    TAX_EXPORT = "tax_export", "应征数据（报税务）"
    TAX_IMPORT = "tax_import", "税务入库信息"


class BankFileStatus(models.TextChoices):
    GENERATED = "generated", "已生成"
    POSTED = "posted", "已入账"
    REJECTED = "rejected", "已拒收"


class BankRecordStatus(models.TextChoices):
    REQUESTED = "requested", "待扣款"
    SUCCESS = "success", "成功入账"
    FAILED = "failed", "扣款失败"
    DUPLICATE = "duplicate", "重复（未再入账）"


class CounterMethod(models.TextChoices):
    """How money was handed in at the counter (窗口缴费)."""

    CASH = "cash", "现金"
    POS = "pos", "银行卡（POS）"
    TRANSFER = "transfer", "转账支票/电汇"


# --- arrears (020302, 020303, 020304, 020502) --------------------------------------------------------------------


class BackPaymentReason(models.TextChoices):
    """Why months are paid late (补缴原因); the late fee follows the reason (see `LATE_FEE_REASONS`)."""

    UNENROLLED = "unenrolled", "应保未保"
    ADJUSTMENT = "adjustment", "缴费基数或费率调整"
    LUMP_SUM = "lump_sum", "一次性补缴（个人）"
    DEFERRAL = "deferral", "缓缴期满补缴"


# The employer's fault (社会保险法第八十六条): a late fee from each month's due date. A lump-sum by the person none.
LATE_FEE_REASONS = (BackPaymentReason.UNENROLLED, BackPaymentReason.ADJUSTMENT, BackPaymentReason.DEFERRAL)


class ArrearsActionKind(models.TextChoices):
    NOTICE = "notice", "责令限期缴纳通知"
    BANK_INQUIRY = "bank_inquiry", "查询存款账户"
    ENFORCEMENT = "enforcement", "申请强制执行"
    SETTLED = "settled", "欠费结清"


# Escalation steps a clerk records after a notice (社会保险法第六十三条).
ESCALATIONS = (ArrearsActionKind.BANK_INQUIRY, ArrearsActionKind.ENFORCEMENT)

"""Collection (征收): 020401 制定征收计划, 020402 征缴社会保险费 (托收 files, tax records), 020501 建立欠费台账.

Arrears themselves are never stored as a balance: `ArrearsLine` is a database view over the receivable ledger and
the payment allocations (receivables − allocations per payer, person, insurance type, month and line class). What
is stored here is what people made or exchanged: collection plans, monthly arrears ledgers (snapshots that were
reviewed), bank-collection mandates, and the files exchanged with banks and the tax authority with their records.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from shebao.core.models import Agency, Case
from shebao.registration.models import Employer, InsuranceType, Person

from ..choices import BankFileKind, BankFileStatus, BankRecordStatus, CollectionChannel, LineClass
from .ledger import MONEY


class ArrearsLine(models.Model):
    """020501 建立欠费台账: one line of the arrears ledger (a database view, read only).

    receivables − allocations for one payer (employer, or a person paying alone), person, insurance type, month
    and class (contributions or late fees), employer and individual part. `id` is the lowest receivable line id of
    the group, so each group has one stable id.
    """

    agency = models.ForeignKey(Agency, on_delete=models.DO_NOTHING, related_name="+")
    employer = models.ForeignKey(Employer, null=True, on_delete=models.DO_NOTHING, related_name="+")
    person = models.ForeignKey(Person, null=True, on_delete=models.DO_NOTHING, related_name="+")
    insurance_type = models.ForeignKey(InsuranceType, on_delete=models.DO_NOTHING, related_name="+")
    period = models.DateField("费款所属期")
    line_class = models.CharField("类别", max_length=10, choices=LineClass.choices)
    due_date = models.DateField("缴费截止日")
    employer_due = models.DecimalField("单位应缴", **MONEY)
    individual_due = models.DecimalField("个人应缴", **MONEY)
    employer_paid = models.DecimalField("单位已缴", **MONEY)
    individual_paid = models.DecimalField("个人已缴", **MONEY)
    employer_arrears = models.DecimalField("单位欠缴", **MONEY)
    individual_arrears = models.DecimalField("个人欠缴", **MONEY)

    class Meta:
        managed = False
        db_table = "contributions_arrearsline"
        verbose_name = "欠费明细"
        verbose_name_plural = "欠费明细"

    def __str__(self) -> str:
        return f"{self.employer_id or self.person_id}:{self.insurance_type_id}:{self.period:%Y-%m}"

    @property
    def arrears(self):
        return self.employer_arrears + self.individual_arrears


class CollectionMandate(models.Model):
    """020402 托收协议: the employer authorises the agency to collect its contributions from a bank account."""

    employer = models.ForeignKey(Employer, on_delete=models.PROTECT, related_name="collection_mandates")
    bank_name = models.CharField("开户银行", max_length=100)
    bank_account = models.CharField("扣款账号", max_length=40)
    valid_from = models.DateField("协议生效日期")
    ended_on = models.DateField("协议终止日期", null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "托收协议"
        verbose_name_plural = "托收协议"
        constraints = [
            models.UniqueConstraint(
                fields=["employer"], condition=models.Q(ended_on__isnull=True), name="uniq_active_mandate"
            )
        ]

    def __str__(self) -> str:
        return f"{self.employer_id}:{self.bank_name}"


class CollectionPlan(models.Model):
    """020401 制定征收计划: the expected collection of an agency (and its subtree) for one month, as approved."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+", verbose_name="经办机构")
    period = models.DateField("计划月份")
    case = models.OneToOneField(Case, on_delete=models.PROTECT, related_name="+")
    made_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    total = models.DecimalField("计划征收合计", **MONEY, default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "征收计划"
        verbose_name_plural = "征收计划"
        indexes = [models.Index(fields=["agency", "period"], name="plan_agency_period")]

    def __str__(self) -> str:
        return f"{self.agency_id}:{self.period:%Y-%m}"


class CollectionPlanLine(models.Model):
    """020401: the expected amount of one channel (托收 / 自缴 / 税务) and insurance type in a plan."""

    plan = models.ForeignKey(CollectionPlan, on_delete=models.CASCADE, related_name="lines")
    channel = models.CharField("征收渠道", max_length=10, choices=CollectionChannel.choices)
    insurance_type = models.ForeignKey(InsuranceType, on_delete=models.PROTECT, verbose_name="险种")
    current_amount = models.DecimalField("本期应征", **MONEY, default=0)
    arrears_amount = models.DecimalField("往期欠费", **MONEY, default=0)
    employer_amount = models.DecimalField("其中单位部分", **MONEY, default=0)
    individual_amount = models.DecimalField("其中个人部分", **MONEY, default=0)
    payers = models.PositiveIntegerField("缴费主体数", default=0)

    class Meta:
        verbose_name = "征收计划明细"
        verbose_name_plural = "征收计划明细"
        constraints = [
            models.UniqueConstraint(fields=["plan", "channel", "insurance_type"], name="uniq_plan_line"),
        ]

    def __str__(self) -> str:
        return f"{self.plan_id}:{self.channel}:{self.insurance_type_id}"

    @property
    def total(self):
        return self.current_amount + self.arrears_amount


class ArrearsLedger(models.Model):
    """020501 建立欠费台账: the reviewed monthly arrears ledger of an agency (and its subtree), as of a date."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+", verbose_name="经办机构")
    period = models.DateField("台账月份")
    as_of = models.DateField("账龄计算日")
    case = models.OneToOneField(Case, on_delete=models.PROTECT, related_name="+")
    employer_arrears = models.DecimalField("单位欠缴合计", **MONEY, default=0)
    individual_arrears = models.DecimalField("个人欠缴合计", **MONEY, default=0)
    late_fee_arrears = models.DecimalField("欠缴滞纳金合计", **MONEY, default=0)
    not_due = models.DecimalField("未到期应缴合计", **MONEY, default=0)
    payers = models.PositiveIntegerField("欠费主体数", default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "欠费台账"
        verbose_name_plural = "欠费台账"
        indexes = [models.Index(fields=["agency", "period"], name="ledger_agency_period")]

    def __str__(self) -> str:
        return f"{self.agency_id}:{self.period:%Y-%m}"

    @property
    def total(self):
        return self.employer_arrears + self.individual_arrears + self.late_fee_arrears


class ArrearsLedgerLine(models.Model):
    """020501: one payer's arrears for one insurance type in a monthly ledger, by ageing bucket."""

    ledger = models.ForeignKey(ArrearsLedger, on_delete=models.CASCADE, related_name="lines")
    employer = models.ForeignKey(Employer, null=True, on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey(Person, null=True, on_delete=models.PROTECT, related_name="+")
    insurance_type = models.ForeignKey(InsuranceType, on_delete=models.PROTECT, verbose_name="险种")
    oldest_period = models.DateField("最早欠费月份")
    employer_arrears = models.DecimalField("单位欠缴", **MONEY, default=0)
    individual_arrears = models.DecimalField("个人欠缴", **MONEY, default=0)
    late_fee_arrears = models.DecimalField("欠缴滞纳金", **MONEY, default=0)
    not_due = models.DecimalField("未到期", **MONEY, default=0)
    days_0_30 = models.DecimalField("0–30天", **MONEY, default=0)
    days_31_90 = models.DecimalField("31–90天", **MONEY, default=0)
    days_91_180 = models.DecimalField("91–180天", **MONEY, default=0)
    days_181_365 = models.DecimalField("181–365天", **MONEY, default=0)
    days_over_365 = models.DecimalField("365天以上", **MONEY, default=0)

    class Meta:
        verbose_name = "欠费台账明细"
        verbose_name_plural = "欠费台账明细"
        indexes = [models.Index(fields=["ledger", "employer"], name="ledger_line_employer")]

    def __str__(self) -> str:
        return f"{self.ledger_id}:{self.employer_id or self.person_id}:{self.insurance_type_id}"


class BankFile(models.Model):
    """020402: a file exchanged with a bank or the tax authority (托收文件, 回盘文件, 应征数据, 入库信息).

    Imported files are posted once: a second import of the same bytes (SHA-256) finds the posted file and changes
    nothing. A refused import is kept (status rejected) with its error report and posts nothing.
    """

    kind = models.CharField("文件类别", max_length=12, choices=BankFileKind.choices)
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+", verbose_name="经办机构")
    period = models.DateField("费款所属期", null=True, blank=True)
    batch_no = models.CharField("批次号", max_length=40, blank=True)
    collection_file = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="returns", verbose_name="对应托收文件"
    )
    filename = models.CharField("文件名", max_length=200)
    sha256 = models.CharField("SHA-256", max_length=64)
    content = models.BinaryField("文件内容")
    status = models.CharField("状态", max_length=10, choices=BankFileStatus.choices)
    record_count = models.PositiveIntegerField("记录数", default=0)
    total_amount = models.DecimalField("金额合计", **MONEY, default=0)
    success_count = models.PositiveIntegerField("成功", default=0)
    failed_count = models.PositiveIntegerField("失败", default=0)
    duplicate_count = models.PositiveIntegerField("重复", default=0)
    posted_amount = models.DecimalField("入账金额", **MONEY, default=0)
    errors = models.JSONField("错误报告", default=list, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "银行/税务交换文件"
        verbose_name_plural = "银行/税务交换文件"
        constraints = [
            # The same imported bytes post once, however often (or however concurrently) they are uploaded.
            models.UniqueConstraint(
                fields=["kind", "sha256"], condition=models.Q(status="posted"), name="uniq_posted_bank_file"
            ),
        ]
        indexes = [models.Index(fields=["agency", "kind", "period"], name="bankfile_agency_kind")]

    def __str__(self) -> str:
        return f"{self.kind}:{self.filename}"


class BankRecord(models.Model):
    """020402: one record of an exchanged file — a collection request, a bank's debit result or a tax record."""

    # Records are written by the hundred thousand per file and never changed: no database foreign keys (their
    # deferred checks dominated an import's commit); the import checks every reference it writes against the
    # collection batch, and `check_ledgers` proves the payments they point to exist.
    file = models.ForeignKey(BankFile, on_delete=models.PROTECT, related_name="records", db_constraint=False)
    line_no = models.PositiveIntegerField("行号")
    employer = models.ForeignKey(
        Employer, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_constraint=False
    )
    person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_constraint=False
    )
    reference = models.CharField("银行流水号/税票号", max_length=64, blank=True)
    collection_ref = models.CharField("托收流水号", max_length=40, blank=True, db_index=True)
    account = models.CharField("账号", max_length=40, blank=True)
    insurance_type = models.ForeignKey(InsuranceType, null=True, blank=True, on_delete=models.PROTECT)
    period = models.DateField("费款所属期", null=True, blank=True)
    amount = models.DecimalField("金额", **MONEY, default=0)
    employer_amount = models.DecimalField("单位部分", **MONEY, default=0)
    individual_amount = models.DecimalField("个人部分", **MONEY, default=0)
    paid_on = models.DateField("扣款/入库日期", null=True, blank=True)
    status = models.CharField("结果", max_length=10, choices=BankRecordStatus.choices)
    message = models.CharField("说明", max_length=200, blank=True)
    payment = models.ForeignKey(
        "contributions.Payment", null=True, blank=True, on_delete=models.PROTECT, db_constraint=False
    )

    class Meta:
        verbose_name = "交换文件记录"
        verbose_name_plural = "交换文件记录"
        constraints = [models.UniqueConstraint(fields=["file", "line_no"], name="uniq_bank_record_line")]
        indexes = [models.Index(fields=["employer", "period"], name="bankrecord_employer_period")]

    def __str__(self) -> str:
        return f"{self.file_id}:{self.line_no}"

"""The receivable ledger (应收台账) and payments: 020301 应缴额核定, 020303 补缴, 020304 退费, 020402 征缴.

Both ledgers are append-only (on PostgreSQL a trigger refuses UPDATE and DELETE): a correction is a new line —
an adjustment, or a refund that reverses part of an earlier line. Arrears (020501) are receivables less the
allocations of payments to them, computed, never stored as a balance that could drift.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from shebao.core.models import Agency, Case
from shebao.registration.models import Employer, InsuranceType, Person

from ..choices import ASSESSED_KINDS, PaymentChannel, ReceivableKind

MONEY = {"max_digits": 14, "decimal_places": 2}
RATE = {"max_digits": 8, "decimal_places": 6}
# The receivable ledger takes ~5 million lines a month per million insured: its references are checked by its writers
# (every line is selected from the rows it names) and by `ledger_orphans`, not by per-row constraint triggers, and
# are indexed only where a query needs them (docs/decisions.md, "Receivable ledger"). Deleting what a line names is
# still refused by Django (PROTECT), and persons, employers and agencies are never deleted.
LEDGER_REF = {"on_delete": models.PROTECT, "related_name": "+", "db_constraint": False, "db_index": False}


class Receivable(models.Model):
    """020301 应缴额核定 (and 020303/020304): one line of the receivable ledger — who owes what for which month.

    A person line carries both parts of one insurance type for one month (employer and individual amounts, each
    rounded to the fen once); an employer-level line (110% of last month for an undeclared employer) has no person.
    The monthly runs never assess a person (or an undeclared employer) twice for a type and month: unique indexes.
    Each line written by a batch run names it (`batch_run`): a line is owned by exactly one run. A settlement line
    (未申报暂定额结算) reverses one undeclared line once the employer has declared (unique on `reverses`).
    """

    kind = models.CharField("核定类别", max_length=12, choices=ReceivableKind.choices)
    agency = models.ForeignKey(Agency, verbose_name="经办机构", **LEDGER_REF)
    employer = models.ForeignKey(Employer, null=True, blank=True, **LEDGER_REF)
    person = models.ForeignKey(Person, null=True, blank=True, **LEDGER_REF)
    insurance_type = models.ForeignKey(InsuranceType, verbose_name="险种", **LEDGER_REF)
    period = models.DateField("费款所属期")  # first day of the month
    base = models.DecimalField("缴费基数", **MONEY, default=0)
    employer_rate = models.DecimalField("单位费率", **RATE, default=0)
    employer_amount = models.DecimalField("单位应缴", **MONEY, default=0)
    individual_rate = models.DecimalField("个人费率", **RATE, default=0)
    individual_amount = models.DecimalField("个人应缴", **MONEY, default=0)
    due_date = models.DateField("缴费截止日")
    batch_run = models.ForeignKey("core.BatchRun", null=True, blank=True, verbose_name="核定批次", **LEDGER_REF)
    case = models.ForeignKey(Case, null=True, blank=True, **LEDGER_REF)
    reverses = models.ForeignKey("self", null=True, blank=True, **LEDGER_REF)
    note = models.CharField("说明", max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "应收明细"
        verbose_name_plural = "应收明细"
        constraints = [
            models.UniqueConstraint(
                fields=["person", "insurance_type", "period"],
                condition=models.Q(kind__in=ASSESSED_KINDS, person__isnull=False),
                name="uniq_assessed_person_line",
            ),
            models.UniqueConstraint(
                fields=["employer", "insurance_type", "period"],
                condition=models.Q(kind__in=ASSESSED_KINDS, person__isnull=True),
                name="uniq_assessed_employer_line",
            ),
            models.UniqueConstraint(
                fields=["reverses"],
                condition=models.Q(kind=ReceivableKind.SETTLEMENT),
                name="uniq_settlement_reverses",
            ),
            models.CheckConstraint(
                condition=models.Q(employer__isnull=False) | models.Q(person__isnull=False),
                name="receivable_has_payer",
            ),
        ]
        indexes = [
            models.Index(fields=["employer", "period"], name="receivable_employer_period"),
            models.Index(fields=["person", "period"], name="receivable_person_period"),
            models.Index(fields=["agency", "period"], name="receivable_agency_period"),
            models.Index(fields=["batch_run"], condition=models.Q(batch_run__isnull=False), name="receivable_run"),
            models.Index(fields=["case"], condition=models.Q(case__isnull=False), name="receivable_case"),
            models.Index(fields=["reverses"], condition=models.Q(reverses__isnull=False), name="receivable_reverses"),
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.insurance_type_id}:{self.period:%Y-%m}"


class Payment(models.Model):
    """020402 征缴社会保险费: money received (bank collection, counter, online, tax records), once per reference."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+", verbose_name="经办机构")
    employer = models.ForeignKey(Employer, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    channel = models.CharField("缴费渠道", max_length=10, choices=PaymentChannel.choices)
    reference = models.CharField("缴费流水号", max_length=64)
    amount = models.DecimalField("金额", **MONEY)
    paid_on = models.DateField("缴费日期")
    case = models.ForeignKey(Case, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "缴费记录"
        verbose_name_plural = "缴费记录"
        constraints = [
            # The same bank record or receipt number posts once, however often the file is imported.
            models.UniqueConstraint(fields=["channel", "reference"], name="uniq_payment_reference"),
            models.CheckConstraint(
                condition=models.Q(employer__isnull=False) | models.Q(person__isnull=False),
                name="payment_has_payer",
            ),
        ]
        indexes = [models.Index(fields=["employer", "paid_on"], name="payment_employer_paid")]

    def __str__(self) -> str:
        return f"{self.channel}:{self.reference}:{self.amount}"


class PaymentAllocation(models.Model):
    """020402: the part of a payment applied to one receivable line (employer and individual parts)."""

    # No database foreign keys (like the receivable ledger): a bank file of 100,000 records writes ~400,000
    # allocations, whose two deferred checks each dominated the commit; `check_ledgers` proves the references.
    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="allocations", db_constraint=False)
    receivable = models.ForeignKey(
        Receivable, on_delete=models.PROTECT, related_name="allocations", db_constraint=False
    )
    employer_part = models.DecimalField("冲抵单位部分", **MONEY, default=0)
    individual_part = models.DecimalField("冲抵个人部分", **MONEY, default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "缴费冲抵明细"
        verbose_name_plural = "缴费冲抵明细"
        # (the foreign key to the receivable line has its own index; a second one only slowed every insert)

    def __str__(self) -> str:
        return f"{self.payment_id}->{self.receivable_id}"

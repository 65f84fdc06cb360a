"""Wages and contribution bases: 020101 工资总额审核, 020102 缴费基数核定, 020103 缴费基数调整, 02020102 费额核定."""

from __future__ import annotations

from django.db import models

from shebao.core.models import Agency, Case
from shebao.registration.models import Employer, InsuranceType, Person

from ..choices import BaseSource, DeclarationStatus

MONEY = {"max_digits": 14, "decimal_places": 2}


class WageDeclaration(models.Model):
    """020101 工资总额审核: an employer's declaration of last year's wages (one open or approved per employer-year)."""

    employer = models.ForeignKey(Employer, on_delete=models.PROTECT, related_name="wage_declarations")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField("缴费年度")  # the contribution year the wages of year-1 determine
    status = models.CharField("状态", max_length=10, choices=DeclarationStatus.choices)
    headcount = models.PositiveIntegerField("申报人数", default=0)
    wage_total = models.DecimalField("上年度工资总额", **MONEY, default=0)
    case = models.ForeignKey(Case, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "工资总额申报"
        verbose_name_plural = "工资总额申报"
        constraints = [
            models.UniqueConstraint(
                fields=["employer", "year"],
                condition=~models.Q(status="rejected"),
                name="uniq_wage_declaration_open",
            )
        ]

    def __str__(self) -> str:
        return f"{self.employer_id}:{self.year}"


class WageDeclarationLine(models.Model):
    """020101: one employee's wage of the previous year in an employer's declaration."""

    declaration = models.ForeignKey(WageDeclaration, on_delete=models.CASCADE, related_name="lines")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    annual_wage = models.DecimalField("上年度工资收入", **MONEY)
    months = models.PositiveSmallIntegerField("上年度在岗月数", default=12)
    monthly_wage = models.DecimalField("上年度月平均工资", **MONEY)

    class Meta:
        verbose_name = "工资申报明细"
        verbose_name_plural = "工资申报明细"
        constraints = [models.UniqueConstraint(fields=["declaration", "person"], name="uniq_wage_line_person")]

    def __str__(self) -> str:
        return f"{self.person_id}:{self.annual_wage}"


class ContributionBase(models.Model):
    """020102 缴费基数核定 / 020103 缴费基数调整: a person's monthly base from `valid_from` in a contribution year.

    Rows are never edited: a redetermination or adjustment adds a row and marks the row it replaces
    `superseded_by`; the base in force for a month is the latest non-superseded row with valid_from ≤ month.
    """

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="contribution_bases")
    employer = models.ForeignKey(Employer, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField("缴费年度")
    valid_from = models.DateField("适用起始月")
    base = models.DecimalField("月缴费基数", **MONEY)
    declared_wage = models.DecimalField("申报月工资", **MONEY, null=True, blank=True)
    source = models.CharField("核定方式", max_length=10, choices=BaseSource.choices)
    case = models.ForeignKey(Case, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    batch_run_id = models.BigIntegerField("核定批次", null=True, blank=True, db_index=True)  # the yearly run (020102)
    superseded_by = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "缴费基数"
        verbose_name_plural = "缴费基数"
        constraints = [
            models.UniqueConstraint(
                fields=["person", "year", "valid_from"],
                condition=models.Q(superseded_by__isnull=True),
                name="uniq_base_in_force",
            ),
            models.CheckConstraint(condition=models.Q(base__gte=0), name="base_not_negative"),
        ]
        indexes = [models.Index(fields=["employer", "year"])]

    def __str__(self) -> str:
        return f"{self.person_id}:{self.year}:{self.base}"


class PersonContributionChoice(models.Model):
    """02020102 费额核定 / 02020202 费额调整: a resident's yearly tier or a flexible worker's chosen monthly base."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="contribution_choices")
    insurance_type = models.ForeignKey(InsuranceType, on_delete=models.PROTECT, verbose_name="险种")
    valid_from = models.DateField("适用起始月")
    tier = models.DecimalField("缴费档次（元/年）", **MONEY, null=True, blank=True)
    base = models.DecimalField("自选月缴费基数", **MONEY, null=True, blank=True)
    case = models.ForeignKey(Case, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    superseded_by = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "个人缴费档次/基数"
        verbose_name_plural = "个人缴费档次/基数"
        constraints = [
            models.UniqueConstraint(
                fields=["person", "insurance_type", "valid_from"],
                condition=models.Q(superseded_by__isnull=True),
                name="uniq_choice_in_force",
            ),
            models.CheckConstraint(
                condition=models.Q(tier__isnull=False) | models.Q(base__isnull=False), name="choice_has_amount"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person_id}:{self.insurance_type_id}:{self.valid_from:%Y-%m}"

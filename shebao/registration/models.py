"""Cluster 01 社会保险关系管理: insurance types, employers, persons and their enrolments."""

from __future__ import annotations

from django.db import models

from shebao.core.models import Agency, Region

from .choices import (
    ContributionMethod,
    EmployerStatus,
    EnrolmentStatus,
    Gender,
    PersonCategory,
    PersonStatus,
    Scheme,
    TerminationReason,
    UnitType,
)

PENSION_EMPLOYEE = "110"


class InsuranceType(models.Model):
    """险种 (AAE140): 110 企业职工基本养老保险, 310 职工基本医疗保险, 410 工伤保险 …"""

    code = models.CharField("险种编码", max_length=3, primary_key=True)
    name = models.CharField("险种名称", max_length=50)
    scheme = models.CharField("制度", max_length=10, choices=Scheme.choices)
    employer_only = models.BooleanField("仅单位缴费", default=False)

    class Meta:
        verbose_name = "险种"
        verbose_name_plural = "险种"
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Employer(models.Model):
    """01010101 参保单位: an employer registered with an agency (by its 统一社会信用代码)."""

    reg_no = models.CharField("社会保险登记编号", max_length=20, unique=True)
    uscc = models.CharField("统一社会信用代码", max_length=18, unique=True)
    name = models.CharField("单位名称", max_length=100, db_index=True)
    unit_type = models.CharField("单位类型", max_length=2, choices=UnitType.choices)
    legal_rep = models.CharField("法定代表人", max_length=50)
    address = models.CharField("地址", max_length=200)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, verbose_name="所在区划")
    industry_code = models.CharField("行业代码(GB/T 4754)", max_length=5)
    injury_risk_class = models.PositiveSmallIntegerField("工伤风险类别")
    contact_name = models.CharField("联系人", max_length=50)
    contact_phone = models.CharField("联系电话", max_length=20)
    bank_name = models.CharField("开户银行", max_length=100, blank=True)
    bank_account = models.CharField("银行账号", max_length=40, blank=True)
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, verbose_name="参保经办机构")
    status = models.CharField("状态", max_length=10, choices=EmployerStatus.choices, default=EmployerStatus.ACTIVE)
    registered_on = models.DateField("登记日期")
    cancelled_on = models.DateField("注销日期", null=True, blank=True)
    cancel_reason = models.CharField("注销原因", max_length=200, blank=True)
    successor = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name="承继单位"
    )
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = "参保单位"
        verbose_name_plural = "参保单位"
        ordering = ["reg_no"]
        indexes = [models.Index(fields=["agency", "status"])]

    def __str__(self) -> str:
        return self.name


class EmployerInsurance(models.Model):
    """01010101/01010102 单位参保险种: an insurance type the employer takes part in, from a start month."""

    employer = models.ForeignKey(Employer, on_delete=models.CASCADE, related_name="insurances")
    insurance_type = models.ForeignKey(InsuranceType, on_delete=models.PROTECT, verbose_name="险种")
    start_month = models.DateField("参保起始月")
    end_month = models.DateField("终止月", null=True, blank=True)
    active = models.BooleanField("有效", default=True)

    class Meta:
        verbose_name = "单位参保险种"
        verbose_name_plural = "单位参保险种"
        constraints = [
            models.UniqueConstraint(
                fields=["employer", "insurance_type"],
                condition=models.Q(active=True),
                name="uniq_active_employer_insurance",
            )
        ]

    def __str__(self) -> str:
        return f"{self.employer_id}:{self.insurance_type_id}"


class Person(models.Model):
    """01010201 参保人: one person per 社会保障号码 across the whole system."""

    id_number = models.CharField("社会保障号码", max_length=18)
    name = models.CharField("姓名", max_length=50)
    gender = models.CharField("性别", max_length=1, choices=Gender.choices)
    birth_date = models.DateField("出生日期")
    ethnicity = models.CharField("民族", max_length=20, blank=True, default="汉族")
    phone = models.CharField("联系电话", max_length=20, blank=True)
    address = models.CharField("居住地址", max_length=200, blank=True)
    category = models.CharField("人员类别", max_length=10, choices=PersonCategory.choices)
    employer = models.ForeignKey(
        Employer, null=True, blank=True, on_delete=models.PROTECT, related_name="employees", verbose_name="所在单位"
    )
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, verbose_name="参保经办机构")
    contribution_method = models.CharField(
        "缴费方式", max_length=10, choices=ContributionMethod.choices, default=ContributionMethod.EMPLOYER
    )
    benefit_bank_name = models.CharField("待遇发放银行", max_length=100, blank=True)
    benefit_bank_account = models.CharField("待遇发放账号", max_length=40, blank=True)
    status = models.CharField("状态", max_length=12, choices=PersonStatus.choices, default=PersonStatus.ACTIVE)
    terminated_on = models.DateField("终止日期", null=True, blank=True)
    termination_reason = models.CharField("终止原因", max_length=12, choices=TerminationReason.choices, blank=True)
    registered_on = models.DateField("登记日期")
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = "参保人"
        verbose_name_plural = "参保人"
        # One person per ID number. A constraint rather than `unique=True`, which on PostgreSQL adds a second,
        # pattern (LIKE) index on the number that no search uses (last digits use reverse(id_number)) and that
        # every enrolment paid for with a random insert into a large index.
        constraints = [models.UniqueConstraint(fields=["id_number"], name="person_id_number_unique")]
        indexes = [
            models.Index(fields=["name"], name="person_name_idx", opclasses=["varchar_pattern_ops"]),
            models.Index(fields=["agency", "status"]),
            models.Index(fields=["employer", "status"]),
        ]

    def __str__(self) -> str:
        return self.name


class Enrolment(models.Model):
    """01010201 参保登记 per insurance type: a person's participation from a start month (停保/续保/终止)."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="enrolments")
    insurance_type = models.ForeignKey(InsuranceType, on_delete=models.PROTECT, verbose_name="险种")
    employer = models.ForeignKey(Employer, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    start_month = models.DateField("参保起始月")
    end_month = models.DateField("终止月", null=True, blank=True)
    status = models.CharField("状态", max_length=10, choices=EnrolmentStatus.choices, default=EnrolmentStatus.ACTIVE)
    end_reason = models.CharField("变动原因", max_length=100, blank=True)

    class Meta:
        verbose_name = "参保险种登记"
        verbose_name_plural = "参保险种登记"
        constraints = [
            # One open enrolment per person and insurance type …
            models.UniqueConstraint(
                fields=["person", "insurance_type"],
                condition=~models.Q(status="ended"),
                name="uniq_open_enrolment",
            ),
        ]
        indexes = [models.Index(fields=["employer", "status"])]

    def __str__(self) -> str:
        return f"{self.person_id}:{self.insurance_type_id} {self.status}"

"""Employer rates: 02020101 费率核定 and 02020201 费率调整."""

from __future__ import annotations

from django.db import models

from shebao.core.models import Case
from shebao.registration.models import Employer, InsuranceType


class EmployerRate(models.Model):
    """02020101 费率核定 / 02020201 费率调整: an employer's own rate for one insurance type from `valid_from`.

    Only where the rate is the employer's own (work injury: base rate of its risk class × floating grade); the
    statutory rates of the other types are region parameters. Rows are never edited: a change adds a dated row.
    """

    employer = models.ForeignKey(Employer, on_delete=models.PROTECT, related_name="rates")
    insurance_type = models.ForeignKey(InsuranceType, on_delete=models.PROTECT, verbose_name="险种")
    valid_from = models.DateField("适用起始月")
    risk_class = models.PositiveSmallIntegerField("工伤风险类别", null=True, blank=True)
    float_grade = models.DecimalField("浮动费率档次", max_digits=5, decimal_places=3, null=True, blank=True)
    employer_rate = models.DecimalField("单位费率", max_digits=8, decimal_places=6)
    case = models.ForeignKey(Case, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "单位费率"
        verbose_name_plural = "单位费率"
        constraints = [
            models.UniqueConstraint(fields=["employer", "insurance_type", "valid_from"], name="uniq_employer_rate"),
            models.CheckConstraint(
                condition=models.Q(employer_rate__gte=0, employer_rate__lte=1), name="employer_rate_ratio"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.employer_id}:{self.insurance_type_id}:{self.employer_rate}"

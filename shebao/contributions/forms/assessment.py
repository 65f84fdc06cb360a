"""Forms of 020301 应缴额核定: parsing only; `assessment_start` decides what is wrong."""

from __future__ import annotations

from django import forms

from shebao.core.forms import MONTH_INPUT, ServiceForm


class AssessmentStartForm(ServiceForm):
    """月度应缴核定: region, month, and whether it is a 补充核定."""

    region = forms.CharField(label="区划代码", required=False, max_length=6)
    month = forms.CharField(label="核定月份", required=False, max_length=7, widget=MONTH_INPUT)
    supplementary = forms.BooleanField(label="补充核定（只核定此前批次未覆盖的人员、险种）", required=False)
    required_fields = ("region", "month")

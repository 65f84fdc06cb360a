"""Forms of 1106 质量管理: parsing only; `quality_run_start` decides what is wrong."""

from __future__ import annotations

from django import forms

from shebao.core.forms import ServiceForm

from ..services.quality import rules_in_order


class QualityStartForm(ServiceForm):
    """发起数据质量检查: the agency whose subtree is checked and the rules to run."""

    agency = forms.ChoiceField(label="检查范围（经办机构及其下级）", required=False)
    rules = forms.MultipleChoiceField(label="检查规则", required=False, widget=forms.CheckboxSelectMultiple)
    required_fields = ("agency", "rules")

    def __init__(self, *args, agencies=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].choices = [(a.code, f"{a.name}（{a.code}）") for a in agencies]
        self.fields["rules"].choices = [(r.code, f"{r.code} {r.name}（{r.dimension_label}）") for r in rules_in_order()]

"""Forms of 02020101–02020202: they only parse; the services decide what is wrong (same messages as the API)."""

from __future__ import annotations

from django import forms

from shebao.core.forms import MONTH_INPUT, ServiceForm

from ..choices import ChoiceKind, RateChangeReason

NOTE = forms.Textarea(attrs={"rows": 2})


def _blank(label: str = "请选择") -> list[tuple[str, str]]:
    return [("", label)]


def _grade_widget(grades) -> forms.Widget:
    """A drop-down of the class's grades when the parameters give them, else a text box (the service checks)."""
    if not grades:
        return forms.TextInput(attrs={"inputmode": "decimal", "placeholder": "如 1.0"})
    return forms.Select(choices=_blank() + [(format(g, "f"), format(g, "f")) for g in grades])


class RateDetermineForm(ServiceForm):
    """02020101 费率核定: floating grade, effective month, the adjustment path and a note."""

    float_grade = forms.CharField(label="浮动费率档次", required=False, max_length=10)
    valid_from = forms.CharField(label="生效月", required=False, max_length=10, widget=MONTH_INPUT)
    adjust_assessed = forms.BooleanField(
        label="生效月早于已核定应缴的月份时，已核定月份按新费率补差（转补缴核定）", required=False
    )
    note = forms.CharField(label="说明", required=False, max_length=250, widget=NOTE)
    required_fields = ("float_grade", "valid_from")

    def __init__(self, *args, grades=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["float_grade"].widget = _grade_widget(grades)
        self.fields["float_grade"].widget.attrs["class"] = (
            "form-select" if grades else "form-control"
        )  # ServiceForm styled the widget it replaced


class RateChangeForm(RateDetermineForm):
    """02020201 费率调整: the reason first, then the new grade and its month."""

    reason = forms.ChoiceField(label="调整原因", required=False, choices=_blank() + list(RateChangeReason.choices))
    field_order = ("reason", "float_grade", "valid_from", "adjust_assessed", "note")
    required_fields = ("reason", "valid_from")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["float_grade"].help_text = "年度评估后的新档次；行业变更时可不变（按单位登记的新风险类别计算）"
        self.order_fields(self.field_order)


class ChoiceForm(ServiceForm):
    """02020102 / 02020202: the tier (元/年) or the monthly base, the period and (flexible workers) the types."""

    amount = forms.CharField(label="缴费档次", required=False, max_length=16)
    valid_from = forms.CharField(label="生效期", required=False, max_length=10, widget=MONTH_INPUT)
    insurance_types = forms.MultipleChoiceField(
        label="适用险种", required=False, widget=forms.CheckboxSelectMultiple, choices=()
    )
    note = forms.CharField(label="说明", required=False, max_length=250, widget=NOTE)
    required_fields = ("amount",)

    def __init__(self, *args, kind: str, options=None, types=(), years=(), staff: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        amount = self.fields["amount"]
        if kind == ChoiceKind.TIER:
            amount.label = "缴费档次（元/年）"
            tiers = getattr(options, "tiers", ())
            if tiers:
                amount.widget = forms.Select(
                    choices=_blank()
                    + [
                        (f"{t.amount.normalize():f}", f"{t.amount.normalize():f} 元/年（政府补贴 {t.subsidy} 元）")
                        for t in tiers
                    ],
                    attrs={"class": "form-select"},
                )
            self.fields["valid_from"].label = "生效年度"
            if years:
                self.fields["valid_from"].widget = forms.Select(
                    choices=[(f"{y}-01", f"{y}年度") for y in years], attrs={"class": "form-select"}
                )
            del self.fields["insurance_types"]
        else:
            amount.label = "月缴费基数（元）"
            amount.widget.attrs.update({"inputmode": "decimal", "placeholder": "如 6000.00"})
            band = options if getattr(options, "lower", None) is not None else None
            if band:
                amount.help_text = f"可选范围 {band.lower}–{band.upper} 元/月（社会平均工资 {band.average_wage} 元/月）"
            self.fields["valid_from"].label = "生效月"
            self.fields["insurance_types"].choices = list(types)
        if not staff:
            self.fields["note"].label = "备注"


class MonthForm(forms.Form):
    """The month of a rate table (?month=YYYY-MM)."""

    month = forms.CharField(label="月份", required=False, max_length=7, widget=MONTH_INPUT)

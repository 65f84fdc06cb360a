"""Forms of the collection pages: they only parse; the services decide what is wrong (same messages as the API)."""

from __future__ import annotations

from django import forms

from shebao.core.forms import DATE_INPUT, MONTH_INPUT, ServiceForm

from ..choices import CounterMethod


def _blank(label: str = "请选择") -> list[tuple[str, str]]:
    return [("", label)]


class AgencyField(forms.CharField):
    """An agency code picked from the user's agencies (parsed as text: the service checks scope, 404 outside)."""

    def __init__(self, *, choices=(), **kwargs):
        kwargs.setdefault("label", "经办机构")
        kwargs.setdefault("required", False)
        super().__init__(widget=forms.Select(choices=_blank() + list(choices)), **kwargs)


class AgencyMonthForm(ServiceForm):
    """An agency (with its subtree) and a month — 020401 征收计划, 020501 欠费台账."""

    agency = AgencyField()
    period = forms.CharField(label="月份", required=False, widget=MONTH_INPUT)
    note = forms.CharField(label="说明", required=False, max_length=250)
    required_fields = ("agency", "period")

    def __init__(self, *args, agencies=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].widget.choices = _blank() + [(a.code, a.name) for a in agencies]


class AgencyPeriodForm(AgencyMonthForm):
    """An agency and a month, nothing else (托收文件, 应征数据, 对账)."""

    note = None
    required_fields = ("agency", "period")


class UploadForm(ServiceForm):
    """A file from the bank or the tax authority, for an agency."""

    agency = AgencyField()
    file = forms.FileField(
        label="文件（UTF-8 CSV）", required=False, widget=forms.ClearableFileInput(attrs={"accept": ".csv,.txt"})
    )
    required_fields = ("agency", "file")

    def __init__(self, *args, agencies=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].widget.choices = _blank() + [(a.code, a.name) for a in agencies]


class PaymentCounterForm(ServiceForm):
    """020402 窗口缴费登记."""

    amount = forms.CharField(
        label="缴费金额（元）",
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "placeholder": "如 1234.50"}),
    )
    paid_on = forms.CharField(label="缴费日期", required=False, widget=DATE_INPUT)
    method = forms.ChoiceField(label="缴费方式", required=False, choices=_blank() + list(CounterMethod.choices))
    reference = forms.CharField(
        label="缴费凭证号", required=False, max_length=64, help_text="现金收据号、POS流水号或银行进账单号"
    )
    note = forms.CharField(label="备注", required=False, max_length=250)
    required_fields = ("amount", "paid_on", "method", "reference")


class OnlinePaymentForm(ServiceForm):
    """020402 网上缴费 (the order number is issued with the form)."""

    amount = forms.CharField(
        label="缴费金额（元）", required=False, max_length=20, widget=forms.TextInput(attrs={"inputmode": "decimal"})
    )
    request_id = forms.CharField(required=False, widget=forms.HiddenInput)
    required_fields = ("amount",)


class MandateForm(ServiceForm):
    """020402 托收协议登记."""

    bank_name = forms.CharField(label="开户银行", required=False, max_length=100)
    bank_account = forms.CharField(label="扣款账号", required=False, max_length=40)
    valid_from = forms.CharField(label="协议生效日期", required=False, widget=DATE_INPUT)
    required_fields = ("bank_name", "bank_account", "valid_from")

"""Forms of the arrears pages: they only parse; the services decide what is wrong (same messages as the API)."""

from __future__ import annotations

import re

from django import forms

from shebao.core.forms import DATE_INPUT, MONTH_INPUT, ServiceForm
from shebao.rules import INSURANCE_TYPE_NAMES, RATED_TYPES

from ..choices import ESCALATIONS, ArrearsActionKind, BackPaymentReason


def _blank(label: str = "请选择") -> list[tuple[str, str]]:
    return [("", label)]


def _types(codes) -> list[tuple[str, str]]:
    return [(c, f"{c} {INSURANCE_TYPE_NAMES[c]}") for c in codes]


class DeferralForm(ServiceForm):
    """020302 缓缴申请."""

    insurance_types = forms.MultipleChoiceField(
        label="缓缴险种", required=False, choices=_types(("110", "210", "410")), widget=forms.CheckboxSelectMultiple
    )
    start_month = forms.CharField(label="缓缴起始月", required=False, widget=MONTH_INPUT)
    end_month = forms.CharField(label="缓缴截止月", required=False, widget=MONTH_INPUT)
    reason = forms.CharField(label="缓缴原因", required=False, max_length=250)
    required_fields = ("insurance_types", "start_month", "end_month", "reason")

    def __init__(self, *args, allowed=(), **kwargs):
        super().__init__(*args, **kwargs)
        if allowed:
            self.fields["insurance_types"].choices = _types([c for c in allowed if c in INSURANCE_TYPE_NAMES])


class BackPaymentForm(ServiceForm):
    """020303 补缴核定."""

    person = forms.IntegerField(label="职工ID（为职工补缴时填写）", required=False)
    from_month = forms.CharField(label="补缴起始月", required=False, widget=MONTH_INPUT)
    to_month = forms.CharField(label="补缴截止月", required=False, widget=MONTH_INPUT)
    base = forms.CharField(label="缴费基数（元）", required=False, max_length=20)
    insurance_types = forms.MultipleChoiceField(
        label="补缴险种", required=False, choices=_types(RATED_TYPES), widget=forms.CheckboxSelectMultiple
    )
    reason = forms.ChoiceField(label="补缴原因", required=False, choices=_blank() + list(BackPaymentReason.choices))
    paid_date = forms.CharField(label="预计缴纳日期（滞纳金计算至该日）", required=False, widget=DATE_INPUT)
    note = forms.CharField(label="说明", required=False, max_length=250)
    required_fields = ("from_month", "to_month", "base", "insurance_types", "reason")


_REFUND_LINE = re.compile(r"^\s*([RPrp])\s*(\d{1,12})\s*[,，]\s*([^,，]*)\s*(?:[,，]\s*([^,，]*))?\s*$")


class RefundForm(ServiceForm):
    """020304 退费: one line per refunded item — `R<应收明细ID>,单位部分,个人部分` or `P<缴费记录ID>,金额,险种`."""

    lines = forms.CharField(
        label="退费明细",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "placeholder": "R1024,160.00,80.00\nP88,500.00,110"}),
        help_text="每行一条：误缴退费写“R应收明细ID,单位部分金额,个人部分金额”；溢缴退费写“P缴费记录ID,金额,险种编码”。",
    )
    bank_name = forms.CharField(label="收款银行", required=False, max_length=100)
    bank_account = forms.CharField(label="收款账号", required=False, max_length=40)
    account_name = forms.CharField(label="收款户名", required=False, max_length=200)
    reason = forms.CharField(label="退费原因", required=False, max_length=250)
    required_fields = ("lines", "bank_name", "bank_account", "reason")

    def entries(self) -> list:
        """The lines as the service takes them (a line that does not parse is passed on as text: refused there)."""
        out: list = []
        for text in (self.value("lines") or "").splitlines():
            if not text.strip():
                continue
            m = _REFUND_LINE.match(text)
            if not m:
                out.append(text)
            elif m.group(1).upper() == "R":
                out.append(
                    {
                        "receivable": int(m.group(2)),
                        "employer_amount": m.group(3),
                        "individual_amount": m.group(4) or "0",
                    }
                )
            else:
                out.append({"payment": int(m.group(2)), "amount": m.group(3), "insurance_type": m.group(4) or ""})
        return out


class NoticeForm(ServiceForm):
    """020502 责令限期缴纳."""

    note = forms.CharField(label="说明", required=False, max_length=250)


class ActionForm(ServiceForm):
    """020502 欠费处理步骤."""

    kind = forms.ChoiceField(
        label="处理步骤", required=False, choices=_blank() + [(k, ArrearsActionKind(k).label) for k in ESCALATIONS]
    )
    acted_on = forms.CharField(label="办理日期", required=False, widget=DATE_INPUT)
    notes = forms.CharField(
        label="处理情况说明", required=False, max_length=600, widget=forms.Textarea(attrs={"rows": 3})
    )
    required_fields = ("kind", "notes")

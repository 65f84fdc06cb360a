"""Forms of the clerk workbench: parse input only; the services validate and report Chinese errors per field."""

from __future__ import annotations

from django import forms

from .errors import ApplicationError

MONTH_INPUT = forms.TextInput(attrs={"type": "month", "placeholder": "YYYY-MM"})
DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ServiceForm(forms.Form):
    """A form whose fields are passed to one service; the service's ApplicationError lands next to the fields.

    Fields are mostly optional text so that the service — not the form — decides what is wrong, with the same
    Chinese messages the API gives. Widgets get Bootstrap classes here, so templates stay plain.
    """

    # Service error keys that belong to a form field of another name (service key → form field).
    error_aliases: dict[str, str] = {}
    # Fields the service requires (marked with a red asterisk; the service says so when they are empty).
    required_fields: tuple[str, ...] = ()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in self.required_fields:
            if name in self.fields:
                self.fields[name].mark_required = True
        for field in self.fields.values():
            field.error_messages["required"] = f"{field.label}不能为空"
            widget = field.widget
            if isinstance(widget, forms.CheckboxSelectMultiple | forms.RadioSelect | forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()

    def add_service_error(self, exc: ApplicationError) -> None:
        """Put the service's field errors next to the fields (others at the top of the form)."""
        placed = False
        for key, messages in (exc.errors or {}).items():
            name = self.error_aliases.get(key, key)
            target = name if name in self.fields else None
            if target in self.required_fields and self._unchosen_select(target):
                # An empty required select says so, in the words of its label (not "无效" or a format hint).
                messages = [f"{self.fields[target].label}不能为空"]
            for message in messages:
                # add_error drops the field from cleaned_data; that is fine, the form is re-shown as typed.
                self.add_error(target, message)
                placed = True
        if not placed:
            self.add_error(None, exc.message)

    def _unchosen_select(self, name: str) -> bool:
        """Whether the field is a drop-down left at its empty choice."""
        widget = self.fields[name].widget
        if not isinstance(widget, forms.Select) or isinstance(widget, forms.SelectMultiple):
            return False
        raw = self[name].value()
        return raw is None or str(raw).strip() == ""

    def value(self, name: str, default=""):
        """The parsed value of a field (`default` when empty or invalid)."""
        data = getattr(self, "cleaned_data", {})
        val = data.get(name)
        return default if val in (None, "", []) else val


class CaseRejectForm(ServiceForm):
    """退回: the reason the case is refused (case_reject)."""

    reason = forms.CharField(label="退回原因", required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 2}))
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)


class CaseWithdrawForm(ServiceForm):
    """撤回: the applicant's optional reason (case_withdraw)."""

    reason = forms.CharField(label="撤回原因", required=False, max_length=500)
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)


class MaterialForm(ServiceForm):
    """上传申请材料 to an open case (attachment_add checks type, size and content)."""

    kind = forms.CharField(
        label="材料名称",
        required=False,
        max_length=50,
        widget=forms.TextInput(attrs={"placeholder": "如：营业执照、身份证复印件"}),
    )
    file = forms.FileField(
        label="文件", required=False, widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png,.xlsx"})
    )

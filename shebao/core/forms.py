"""Forms of the clerk workbench: parse input only; the services validate and report Chinese errors per field."""

from __future__ import annotations

from django import forms
from django.conf import settings

from .errors import ApplicationError
from .materials import WAIVER_FIELD, WAIVER_MAX_LENGTH, SubmittedMaterials, material_fields

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
            self._prepare(field)

    @staticmethod
    def _prepare(field: forms.Field) -> None:
        """Chinese "required" message and the Bootstrap class of the widget."""
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

    def __init__(self, *args, names=(), **kwargs):
        super().__init__(*args, **kwargs)
        if names:  # the item's 申请材料清单 offered as suggestions: the same name clears it from 尚欠材料
            self.fields["kind"].widget.attrs["list"] = "material-names"


UPLOAD_ACCEPT = ".pdf,.jpg,.jpeg,.png,.xlsx"


class MaterialsForm(ServiceForm):
    """申请材料 handed in with an application: a file per material of the item's checklist (`material_<n>`, `*` on
    the required ones at the window) and, for staff, 容缺受理 with its reason. It only parses: `case_open` checks."""

    def __init__(self, *args, item_code: str, staff: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.item_code, self.staff = item_code, staff
        limit = settings.SHEBAO_UPLOAD_MAX_BYTES // (1024 * 1024)
        for key, material in material_fields(item_code):
            note = f"{material.note}；" if material.note else ""
            field = forms.FileField(
                label=material.name,
                required=False,
                allow_empty_file=True,  # the service says "文件为空", with the other problems
                help_text=f"{note}pdf、jpg、png 或 xlsx，不超过 {limit} MB",
                widget=forms.FileInput(attrs={"accept": UPLOAD_ACCEPT}),
            )
            field.mark_required = staff and material.required
            self.fields[key] = field
        if staff:
            self.fields["materials_waiver_on"] = forms.BooleanField(label="容缺受理（材料后补）", required=False)
            self.fields[WAIVER_FIELD] = forms.CharField(
                label="容缺受理原因",
                required=False,
                help_text=f"勾选「容缺受理」时必填，不超过{WAIVER_MAX_LENGTH}字，如：申请人书面承诺5个工作日内补交",
                widget=forms.Textarea(attrs={"rows": 2, "maxlength": WAIVER_MAX_LENGTH}),
            )
        for field in self.fields.values():
            self._prepare(field)

    def file_fields(self) -> list:
        """The bound file fields, in the checklist's order."""
        return [self[key] for key, _ in material_fields(self.item_code)]

    def materials(self) -> SubmittedMaterials:
        """The files chosen and, when 容缺受理 is ticked, its reason as typed (the service checks both)."""
        data = getattr(self, "cleaned_data", {})
        files = {key: data.get(key) for key, _ in material_fields(self.item_code)}
        waiver = None
        if self.staff and data.get("materials_waiver_on"):
            waiver = self.data.get(WAIVER_FIELD, "")
        return SubmittedMaterials.from_fields(self.item_code, files, waiver)

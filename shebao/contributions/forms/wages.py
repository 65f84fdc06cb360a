"""Forms of 020101–020103 (counter, portal): parsing only; the services check and name the fields in Chinese."""

from __future__ import annotations

from django import forms

from shebao.core.forms import MONTH_INPUT, ServiceForm

from ..choices import BaseSource


def parse_pasted_lines(text: str) -> list[dict]:
    """Lines pasted from a spreadsheet (tab-separated) or typed (comma-separated): 社会保障号码, 姓名, 上年度工资收入,
    在岗月数 — one employee per line, line numbers from 1; blank lines are skipped."""
    rows = []
    for n, raw in enumerate((text or "").splitlines(), start=1):
        if not raw.strip():
            continue
        parts = raw.split("\t") if "\t" in raw else raw.split(",")
        parts = [p.strip() for p in parts] + ["", "", "", ""]
        rows.append({"row": n, "id_number": parts[0], "name": parts[1], "annual_wage": parts[2], "months": parts[3]})
    return rows


class WageDeclarationForm(ServiceForm):
    """020101 工资总额申报: the year and the lines, as an uploaded template or pasted lines."""

    year = forms.CharField(label="缴费年度", required=False, max_length=4, widget=forms.Select())
    file = forms.FileField(
        label="工资申报表（.xlsx）",
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"}),
        help_text="下载本单位的申报模板（已列出在职参保职工），填写后上传",
    )
    lines = forms.CharField(
        label="或直接粘贴申报明细",
        required=False,
        max_length=2_000_000,
        widget=forms.Textarea(
            attrs={"rows": 5, "placeholder": "社会保障号码,姓名,上年度工资收入,在岗月数（每行一人）"}
        ),
        help_text="每行一人：社会保障号码、姓名、上年度工资收入（元）、在岗月数，用逗号或制表符分隔（可从表格直接复制）",
    )
    required_fields = ("year",)

    def __init__(self, *args, years: tuple[int, ...] = (), **kwargs):
        super().__init__(*args, **kwargs)
        # A select whose value the service checks (an unknown year is named with the allowed ones, not "invalid").
        self.fields["year"].widget.choices = [("", "请选择")] + [(y, f"{y}年度（申报{y - 1}年工资）") for y in years]


class BaseDetermineForm(ServiceForm):
    """020102 缴费基数核定（单人）."""

    kind = forms.ChoiceField(
        label="核定类别",
        required=False,
        choices=[("", "请选择"), ("new_hire", "新参保人员按起薪核定"), ("redetermine", "重新核定")],
    )
    year = forms.CharField(label="缴费年度", required=False, max_length=4)
    valid_from = forms.CharField(label="适用起始月", required=False, widget=MONTH_INPUT)
    monthly_wage = forms.CharField(
        label="月工资收入（元）",
        required=False,
        max_length=20,
        help_text="新参保人员填写起薪；重新核定不填时按单位年度工资申报核定，未申报的按下限核定",
    )
    note = forms.CharField(label="说明", required=False, max_length=250, widget=forms.Textarea(attrs={"rows": 2}))
    required_fields = ("kind", "year", "valid_from")


class BaseAdjustForm(ServiceForm):
    """020103 缴费基数调整."""

    from_month = forms.CharField(label="调整起始月", required=False, widget=MONTH_INPUT)
    to_month = forms.CharField(label="调整截止月", required=False, widget=MONTH_INPUT)
    base = forms.CharField(label="调整后月缴费基数（元）", required=False, max_length=20)
    source = forms.ChoiceField(label="调整依据", required=False, choices=[])
    document_no = forms.CharField(label="文书编号", required=False, max_length=60, help_text="稽核意见书、裁决书等编号")
    reason = forms.CharField(label="调整原因", required=False, max_length=250, widget=forms.Textarea(attrs={"rows": 2}))
    required_fields = ("from_month", "to_month", "base", "source", "reason")

    def __init__(self, *args, sources: dict[str, str], **kwargs):
        super().__init__(*args, **kwargs)
        blank = [("", "请选择")] if len(sources) > 1 else []
        self.fields["source"].choices = blank + list(sources.items())


class BaseRunForm(ServiceForm):
    """020102 年度缴费基数核定 for a region."""

    region = forms.CharField(label="区划代码", required=False, max_length=6)
    year = forms.CharField(label="缴费年度", required=False, max_length=4)
    required_fields = ("region", "year")


SOURCE_LABELS = dict(BaseSource.choices)

"""Excel files of 01010201 批量增员: the column spec, the blank template, reading an upload, the rejected rows."""

from __future__ import annotations

from collections.abc import Iterable

from shebao.core import excel as core_excel
from shebao.core.excel import Column, SheetSpec

from .models import InsuranceType

DATA_SHEET = "增员名单"
HELP_SHEET = "填写说明"
ERROR_SHEET = "错误数据"
# (key in the row dict, header as printed in the template, column width)
COLUMNS = [
    ("id_number", "社会保障号码", 22),
    ("name", "姓名", 12),
    ("phone", "联系电话", 16),
    ("address", "居住地址", 36),
    ("ethnicity", "民族", 8),
    ("insurances", "参保险种(逗号分隔编码, 如 110,310)", 30),
    ("start_month", "参保起始月(YYYY-MM)", 20),
]
COLUMN_NAMES = {key: label.split("(")[0] for key, label, _ in COLUMNS}  # how row errors name a column
TEXT_COLUMNS = ("id_number", "phone", "insurances", "start_month")
REASON_HEADER = "错误原因"
MAX_ROWS = 100_000
MAX_BYTES = 30 * 1024 * 1024


def _spec() -> SheetSpec:
    """The 批量增员 sheet (built per call so that the module constants above stay the single setting)."""
    return SheetSpec(
        sheet=DATA_SHEET,
        columns=tuple(
            Column(key, label, width, text=key in TEXT_COLUMNS, kind="month" if key == "start_month" else "text")
            for key, label, width in COLUMNS
        ),
        what="增员文件",
        max_rows=MAX_ROWS,
        max_bytes=MAX_BYTES,
        help_sheet=HELP_SHEET,
        error_sheet=ERROR_SHEET,
        reason_header=REASON_HEADER,
    )


def enrolment_template() -> bytes:
    """The blank 批量增员 template (.xlsx): one header row, code list and instructions on a second sheet."""
    lines = [
        ("1", f"在「{DATA_SHEET}」工作表第2行起每行填写一名人员，不要修改或删除第1行表头。"),
        ("2", "社会保障号码填写18位公民身份号码（末位X大写）；该列已设为文本格式，请勿改为数字格式。"),
        ("3", "姓名必填；联系电话填写11位手机号或区号-座机号，可不填；民族不填视为汉族。"),
        ("4", "参保险种填写下表中的险种编码，多个险种用英文逗号分隔，如 110,310；只能选择本单位已参保的险种。"),
        ("5", "参保起始月格式为 YYYY-MM，如 2026-11；更早的月份请办理补缴。"),
        (
            "6",
            f"每个文件最多 {MAX_ROWS:,} 行。校验不通过的行不会登记，系统会返回一份带「{REASON_HEADER}」列的文件，"
            "修改后可直接再次上传。",
        ),
    ]
    codes = [(t.code, t.name) for t in InsuranceType.objects.order_by("code")]
    return core_excel.template_workbook(_spec(), lines, [(("险种编码", "险种名称"), codes)])


def read_enrolment_rows(uploaded) -> list[dict]:
    """Read a filled 增员 template: one dict per non-empty row (with its Excel row number under 'row')."""
    return core_excel.read_rows(uploaded, _spec())


def error_workbook(rows: list[dict], errors: Iterable, first_row: int = 2) -> bytes:
    """The rejected rows with their original values and an 错误原因 column (fix and upload it again)."""
    return core_excel.error_workbook(_spec(), rows, errors, first_row=first_row)

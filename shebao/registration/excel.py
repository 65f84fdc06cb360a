"""Excel files of 01010201 批量增员: the blank template, reading an upload, and the workbook of rejected rows."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable
from pathlib import PurePath

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from shebao.core.errors import ApplicationError

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
TEXT_COLUMNS = ("id_number", "phone", "insurances", "start_month")
REASON_HEADER = "错误原因"
MAX_ROWS = 100_000
MAX_BYTES = 30 * 1024 * 1024
_ZIP_MAGIC = b"PK\x03\x04"
_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_LOSSY_NUMBER = 1e15  # Excel keeps 15 significant digits: a longer number cell has lost its last digits


def _header_key(text) -> str:
    """The part of a header before any bracket, without spaces ('参保险种(…)' → '参保险种')."""
    text = "" if text is None else str(text)
    for bracket in ("(", "（"):
        text = text.split(bracket, 1)[0]
    return "".join(text.split()).lstrip("\ufeff")


_EXPECTED_KEYS = [_header_key(label) for _, label, _ in COLUMNS]


def _to_bytes(workbook: Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _write_header(ws, labels: list[str], widths: list[int]) -> None:
    ws.append(labels)
    for idx, width in enumerate(widths, start=1):
        cell = ws.cell(row=1, column=idx)
        cell.font, cell.fill = _HEADER_FONT, _HEADER_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center")
        ws.column_dimensions[get_column_letter(idx)].width = width
    ws.freeze_panes = "A2"


def enrolment_template() -> bytes:
    """The blank 批量增员 template (.xlsx): one header row, code list and instructions on a second sheet."""
    wb = Workbook()
    ws = wb.active
    ws.title = DATA_SHEET
    _write_header(ws, [label for _, label, _ in COLUMNS], [width for _, _, width in COLUMNS])
    # Text format for the ID, phone, codes and month columns, so Excel keeps every digit and leading zero.
    for idx, (key, _, _) in enumerate(COLUMNS, start=1):
        if key in TEXT_COLUMNS:
            ws.column_dimensions[get_column_letter(idx)].number_format = "@"

    help_ws = wb.create_sheet(HELP_SHEET)
    help_ws.column_dimensions["A"].width = 14
    help_ws.column_dimensions["B"].width = 80
    lines = [
        ("填写说明", ""),
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
        ("", ""),
        ("险种编码", "险种名称"),
    ]
    lines.extend((t.code, t.name) for t in InsuranceType.objects.order_by("code"))
    for row in lines:
        help_ws.append(list(row))
    help_ws["A1"].font = Font(bold=True, size=13)
    code_header = len(lines) - InsuranceType.objects.count()
    for cell in help_ws[code_header]:
        cell.font, cell.fill = _HEADER_FONT, _HEADER_FILL
    for row in help_ws.iter_rows(min_row=2, max_col=2):
        row[1].alignment = Alignment(wrap_text=True, vertical="top")
    return _to_bytes(wb)


def _read_upload(uploaded) -> tuple[bytes, str]:
    """Bytes and file name of an UploadedFile, bytes or file-like object."""
    if uploaded is None:
        raise ApplicationError("请选择要上传的增员文件", field="file")
    if isinstance(uploaded, bytes | bytearray | memoryview):
        return bytes(uploaded), ""
    name = getattr(uploaded, "name", "") or ""
    if getattr(uploaded, "size", None) and uploaded.size > MAX_BYTES:
        raise ApplicationError(f"文件过大（上限 {MAX_BYTES // (1024 * 1024)} MB）", field="file")
    if hasattr(uploaded, "seek"):
        uploaded.seek(0)
    data = uploaded.read()
    return (data if isinstance(data, bytes) else bytes(data)), str(name)


def _cell_text(value) -> str:
    """A cell as the text the clerk typed: whole numbers without '.0', dates as YYYY-MM-DD."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time):
        return value.isoformat()
    return str(value).strip()


def _month_text(value) -> str:
    if isinstance(value, dt.datetime | dt.date):
        return f"{value:%Y-%m}"
    return _cell_text(value)


def read_enrolment_rows(uploaded) -> list[dict]:
    """Read a filled 增员 template: one dict per non-empty row (with its Excel row number under 'row')."""
    from python_calamine import CalamineWorkbook

    data, name = _read_upload(uploaded)
    if name and PurePath(name).suffix.lower() != ".xlsx":
        raise ApplicationError("只能上传 .xlsx 格式的增员文件（请使用下载的模板）", field="file")
    if len(data) > MAX_BYTES:
        raise ApplicationError(f"文件过大（上限 {MAX_BYTES // (1024 * 1024)} MB）", field="file")
    if not data.startswith(_ZIP_MAGIC):
        raise ApplicationError("文件不是有效的 .xlsx 工作簿，请使用下载的模板", field="file")
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        sheet_name = DATA_SHEET if DATA_SHEET in workbook.sheet_names else workbook.sheet_names[0]
        sheet = workbook.get_sheet_by_name(sheet_name)
        if sheet.height - 1 > MAX_ROWS:
            raise ApplicationError(f"数据行超过 {MAX_ROWS:,} 行，请拆分为多个文件上传", field="file")
        table = sheet.to_python(skip_empty_area=False)
    except ApplicationError:
        raise
    except Exception:
        raise ApplicationError("无法读取该文件，请确认是用 Excel 保存的 .xlsx 文件", field="file") from None
    if not table:
        raise ApplicationError("文件为空，请使用下载的模板填写", field="file")

    header = [_header_key(v) for v in table[0]]
    for idx, expected in enumerate(_EXPECTED_KEYS):
        got = header[idx] if idx < len(header) else ""
        if got != expected:
            label = COLUMNS[idx][1]
            raise ApplicationError(
                f"表头不正确：第{idx + 1}列应为「{label}」，实际为「{got or '空'}」，请使用下载的模板", field="file"
            )

    width = len(COLUMNS)
    rows: list[dict] = []
    lossy: list[int] = []
    for excel_row, values in enumerate(table[1:], start=2):
        values = list(values[:width]) + [None] * (width - len(values))
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
            continue
        if isinstance(values[0], int | float) and abs(values[0]) >= _LOSSY_NUMBER:
            lossy.append(excel_row)
        record = {"row": excel_row}
        for (key, _, _), value in zip(COLUMNS, values, strict=True):
            record[key] = _month_text(value) if key == "start_month" else _cell_text(value)
        rows.append(record)
    if lossy:
        # Guessing the lost digits could register the wrong person (1 in 11 still passes the check digit).
        listed = "、".join(str(n) for n in lossy[:10]) + ("等" if len(lossy) > 10 else "")
        raise ApplicationError(
            f"第{listed}行的社会保障号码是数字格式，Excel 只保留15位有效数字，末几位已丢失；"
            "请把该列设为文本格式后重新录入这些号码",
            field="file",
        )
    if len(rows) > MAX_ROWS:
        raise ApplicationError(f"数据行超过 {MAX_ROWS:,} 行，请拆分为多个文件上传", field="file")
    return rows


def _joined(value) -> str:
    if isinstance(value, list | tuple):
        return ",".join(str(v) for v in value)
    return _cell_text(value)


def error_workbook(rows: list[dict], errors: Iterable, first_row: int = 2) -> bytes:
    """The rejected rows with their original values and an 错误原因 column (fix and upload it again)."""
    reasons: dict[int, list[str]] = {}
    for err in errors:
        messages = reasons.setdefault(int(err.row), [])
        if err.message not in messages:
            messages.append(err.message)
    wb = Workbook()
    ws = wb.active
    ws.title = ERROR_SHEET
    labels = [label for _, label, _ in COLUMNS] + [REASON_HEADER]
    _write_header(ws, labels, [width for _, _, width in COLUMNS] + [60])
    for idx, (key, _, _) in enumerate(COLUMNS, start=1):
        if key in TEXT_COLUMNS:
            ws.column_dimensions[get_column_letter(idx)].number_format = "@"
    reason_font = Font(color="C00000")
    written = set()
    for offset, raw in enumerate(rows):
        number = raw["row"] if type(raw.get("row")) is int else first_row + offset
        if number not in reasons or number in written:
            continue
        written.add(number)
        values = [_joined(raw.get(key)) for key, _, _ in COLUMNS]
        ws.append([*values, f"第{number}行：" + "；".join(reasons[number])])
        for idx, (key, _, _) in enumerate(COLUMNS, start=1):
            if key in TEXT_COLUMNS:
                ws.cell(row=ws.max_row, column=idx).number_format = "@"
        ws.cell(row=ws.max_row, column=len(labels)).font = reason_font
    return _to_bytes(wb)

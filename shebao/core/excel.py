"""Excel files of any bulk item: a column spec, its blank template, reading an upload safely, the rejected rows.

An item declares a `SheetSpec` (sheet name, columns, row cap) and gets from this module the template to
download (styled header, text-format columns, a help sheet), a streaming reader that refuses spreadsheet
bombs before allocating anything, and a workbook of the rejected rows with their reasons, written in one
pass with every user-supplied value as literal text (never a live formula).
"""

from __future__ import annotations

import datetime as dt
import io
import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import PurePath

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from .errors import ApplicationError
from .xlsx import MAX_COLUMNS, open_workbook
from .xlsx_write import REASON, OutColumn, text_sheet

HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_LOSSY_NUMBER = 10**15  # Excel keeps 15 significant digits: a longer number cell has lost its last digits
_ZIP_MAGIC = b"PK\x03\x04"
# Line breaks and tabs inside a cell (Alt+Enter) become one space; other control characters and bidi
# overrides are refused; invisible zero-width marks from copy-paste are dropped.
_BREAKS = re.compile(r"[\t\n\r\u2028\u2029]+")
_ZERO_WIDTH = re.compile(r"[\u00ad\u200b\u200c\u200d\u2060\ufeff]")
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


@dataclass(frozen=True)
class Column:
    """One column of a bulk sheet: the row-dict key, the printed header, width, text format, how cells read."""

    key: str
    label: str
    width: int = 12
    text: bool = False  # formatted "@" so Excel keeps leading zeros and every digit
    kind: str = "text"  # "text" or "month" (a date cell reads as YYYY-MM)


@dataclass(frozen=True)
class SheetSpec:
    """The layout of one item's bulk sheet: data sheet name, columns, caps and the names of the other sheets."""

    sheet: str
    columns: tuple[Column, ...]
    what: str = "文件"  # how messages call the file ("增员文件")
    max_rows: int = 100_000
    max_bytes: int = 30 * 1024 * 1024
    help_sheet: str = "填写说明"
    error_sheet: str = "错误数据"
    reason_header: str = "错误原因"
    help_tables: tuple = field(default=(), compare=False)

    @property
    def labels(self) -> list[str]:
        """The header row as printed."""
        return [c.label for c in self.columns]


def header_key(text) -> str:
    """The part of a header before any bracket, without spaces ('参保险种(…)' → '参保险种')."""
    text = "" if text is None else str(text)
    for bracket in ("(", "（"):
        text = text.split(bracket, 1)[0]
    return "".join(text.split()).lstrip("\ufeff")


def to_bytes(workbook: Workbook) -> bytes:
    """The saved .xlsx bytes of a workbook."""
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _header_cells(ws, spec: SheetSpec, extra: Sequence[tuple[str, int]] = ()) -> list[WriteOnlyCell]:
    """Styled header cells; sets widths, the text format of text columns and the frozen first row."""
    cells = []
    columns = [(c.label, c.width, c.text) for c in spec.columns] + [(label, width, False) for label, width in extra]
    for idx, (label, width, text) in enumerate(columns, start=1):
        cell = WriteOnlyCell(ws, value=label)
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center")
        cells.append(cell)
        dim = ws.column_dimensions[get_column_letter(idx)]
        dim.width = width
        if text:
            dim.number_format = "@"
    ws.freeze_panes = "A2"
    return cells


def template_workbook(
    spec: SheetSpec, help_lines: Iterable[tuple[str, str]], tables: Iterable = (), rows: Iterable[Sequence] = ()
) -> bytes:
    """The template: a styled header row, text-format columns, and a help sheet with code tables.

    `help_lines` are (number, instruction) pairs; each of `tables` is (header pair, rows) printed below them.
    `rows` pre-fills the data sheet (e.g. a unit's employees to declare wages for), every value as text.
    """
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(spec.sheet)
    ws.append(_header_cells(ws, spec))
    for row in rows:
        ws.append([None if value in (None, "") else str(value) for value in row])
    help_ws = wb.create_sheet(spec.help_sheet)
    help_ws.column_dimensions["A"].width = 14
    help_ws.column_dimensions["B"].width = 80
    title = WriteOnlyCell(help_ws, value="填写说明")
    title.font = Font(bold=True, size=13)
    help_ws.append([title, ""])
    wrap = Alignment(wrap_text=True, vertical="top")
    for number, line in help_lines:
        cell = WriteOnlyCell(help_ws, value=line)
        cell.alignment = wrap
        help_ws.append([number, cell])
    for header, rows in tables:
        help_ws.append(["", ""])
        heads = []
        for text in header:
            cell = WriteOnlyCell(help_ws, value=text)
            cell.font, cell.fill = HEADER_FONT, HEADER_FILL
            heads.append(cell)
        help_ws.append(heads)
        for row in rows:
            help_ws.append([str(v) for v in row])
    return to_bytes(wb)


# -- reading ---------------------------------------------------------------------------------------------


def upload_bytes(uploaded, spec: SheetSpec) -> tuple[bytes, str]:
    """Bytes and file name of an UploadedFile, bytes or file-like object, within the size cap."""
    if uploaded is None:
        raise ApplicationError(f"请选择要上传的{spec.what}", field="file")
    too_big = ApplicationError(f"文件过大（上限 {spec.max_bytes // (1024 * 1024)} MB）", field="file")
    if isinstance(uploaded, bytes | bytearray | memoryview):
        data, name = bytes(uploaded), ""
    else:
        name = str(getattr(uploaded, "name", "") or "")
        if (getattr(uploaded, "size", None) or 0) > spec.max_bytes:
            raise too_big
        if hasattr(uploaded, "seek"):
            uploaded.seek(0)
        data = uploaded.read(spec.max_bytes + 1)
        data = data if isinstance(data, bytes) else bytes(data)
    if len(data) > spec.max_bytes:
        raise too_big
    return data, name


def cell_text(value) -> str:
    """A cell as the text the clerk typed: NFKC, trimmed, whole numbers without '.0', dates as YYYY-MM-DD."""
    if value is None:
        return ""
    if isinstance(value, str):
        text = unicodedata.normalize("NFKC", value)
        text = _ZERO_WIDTH.sub("", _BREAKS.sub(" ", text))
        return text.strip()
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value).strip()


def _month_text(value) -> str:
    if isinstance(value, dt.datetime | dt.date):
        return f"{value:%Y-%m}"
    return cell_text(value)


def has_control(text: str) -> bool:
    """The text holds a control character or a bidi override (invisible, or reorders what is shown)."""
    return _CONTROL.search(text) is not None


def _listed(rows: list[int]) -> str:
    return "、".join(str(n) for n in rows[:10]) + ("等" if len(rows) > 10 else "")


def iter_rows(uploaded, spec: SheetSpec, *, max_rows: int | None = None) -> Iterator[dict]:
    """Stream a filled template: one dict per non-empty row, Excel row number under 'row', every value a str.

    The file is refused (Chinese error on `file`) when it is not an .xlsx, exceeds the size caps, declares or
    holds more rows or columns than allowed, or has a wrong header. Rows whose number cells lost digits or
    whose cells hold control characters are refused after the whole sheet has been read, listing the rows.
    """
    max_rows = spec.max_rows if max_rows is None else max_rows
    data, name = upload_bytes(uploaded, spec)
    if name and PurePath(name).suffix.lower() != ".xlsx":
        raise ApplicationError(f"只能上传 .xlsx 格式的{spec.what}（请使用下载的模板）", field="file")
    if not data.startswith(_ZIP_MAGIC):
        raise ApplicationError("文件不是有效的 .xlsx 工作簿，请使用下载的模板", field="file")
    book = open_workbook(data, field="file")
    sheet = spec.sheet if spec.sheet in book.sheets else book.sheet_names[0]
    max_col = max(MAX_COLUMNS, len(spec.columns) + 1)
    declared = book.dimension(sheet)
    if declared and (declared[0] > max_rows + 1 or declared[1] > max_col):
        raise ApplicationError(
            f"工作表「{sheet}」的范围为 {declared[0]:,} 行 × {declared[1]:,} 列，超过上限"
            f"（最多 {max_rows:,} 行数据、{max_col} 列）；请删除多余的行列或拆分为多个文件上传",
            field="file",
        )
    width = len(spec.columns)
    rows = book.iter_rows(sheet, width=width, max_row=max_rows + 1, max_col=max_col)
    first = next(rows, None)
    if first is None:
        raise ApplicationError(f"文件为空，请使用下载的模板填写{spec.what}", field="file")
    header = [header_key(v) for v in first[1]] if first[0] == 1 else [""] * width
    for idx, column in enumerate(spec.columns):
        if header[idx] != header_key(column.label):
            raise ApplicationError(
                f"表头不正确：第{idx + 1}列应为「{column.label}」，实际为「{header[idx] or '空'}」，请使用下载的模板",
                field="file",
            )
    lossy: list[tuple[int, str]] = []
    control: list[tuple[int, str]] = []
    for excel_row, values in rows:
        record: dict = {"row": excel_row}
        for column, value in zip(spec.columns, values, strict=True):
            if isinstance(value, int | float) and not isinstance(value, bool) and abs(value) >= _LOSSY_NUMBER:
                lossy.append((excel_row, column.label))
            text = _month_text(value) if column.kind == "month" else cell_text(value)
            if has_control(text):
                control.append((excel_row, column.label))
            record[column.key] = text
        if any(record[c.key] for c in spec.columns):
            yield record
    if lossy:
        # Guessing the lost digits could register the wrong person (1 in 11 still passes the check digit).
        labels = "、".join(dict.fromkeys(label for _, label in lossy))
        raise ApplicationError(
            f"第{_listed([r for r, _ in lossy])}行的「{labels}」是数字格式，Excel 只保留15位有效数字，末几位已丢失；"
            "请把该列设为文本格式后重新录入这些号码",
            field="file",
        )
    if control:
        labels = "、".join(dict.fromkeys(label for _, label in control))
        raise ApplicationError(
            f"第{_listed([r for r, _ in control])}行的「{labels}」含有控制字符或文字方向控制符，请删除后重新上传",
            field="file",
        )


def read_rows(uploaded, spec: SheetSpec, *, max_rows: int | None = None) -> list[dict]:
    """All non-empty rows of a filled template (see `iter_rows`); nothing is returned if any check fails."""
    return list(iter_rows(uploaded, spec, max_rows=max_rows))


# -- the rejected rows ------------------------------------------------------------------------------------


def _joined(value) -> str:
    if isinstance(value, list | tuple):
        return ",".join(str(v) for v in value)
    return cell_text(value)


def error_workbook(spec: SheetSpec, rows: Iterable[dict], errors: Iterable, *, first_row: int = 2) -> bytes:
    """The rejected rows with their original values and a reason column, to correct and upload again.

    Linear in the rows (one streamed pass); every value is written as text, never as a formula.
    """
    reasons: dict[int, list[str]] = {}
    for err in errors:
        messages = reasons.setdefault(int(err.row), [])
        if err.message not in messages:
            messages.append(err.message)
    out: list[list[str]] = []
    written = set()
    for offset, raw in enumerate(rows):
        number = raw["row"] if type(raw.get("row")) is int else first_row + offset
        if number not in reasons or number in written:
            continue
        written.add(number)
        out.append([*(_joined(raw.get(c.key)) for c in spec.columns), f"第{number}行：" + "；".join(reasons[number])])
    columns = [OutColumn(c.label, c.width, c.text) for c in spec.columns] + [OutColumn(spec.reason_header, 60)]
    return text_sheet(spec.error_sheet, columns, out, last_style=REASON)

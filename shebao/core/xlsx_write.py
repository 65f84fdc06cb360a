"""Writing a one-sheet, text-only .xlsx in a single streamed pass (error workbooks of 100,000 rows in seconds).

Every cell is an inline string: nothing written here can become a formula, whatever the text. Cells that a
spreadsheet would take for a formula once edited (leading '=', '+', '-', '@', tab, CR) also carry the quote
prefix, so Excel keeps them as text when a clerk corrects the row.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape

from openpyxl.utils import get_column_letter

from .xlsx import xml_safe

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_ESCAPE_LIKE = re.compile(r"_(x[0-9A-Fa-f]{4}_)")

# Cell styles (indexes into cellXfs below).
GENERAL, HEADER, TEXT, TEXT_QUOTED, QUOTED, REASON = range(6)
_STYLES = f"""{_HEAD}<styleSheet xmlns="{_MAIN}">
<fonts count="3"><font><sz val="11"/><name val="Calibri"/></font><font><b/><sz val="11"/><name val="Calibri"/></font>\
<font><color rgb="FFC00000"/><sz val="11"/><name val="Calibri"/></font></fonts>
<fills count="3"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill>\
<fill><patternFill patternType="solid"><fgColor rgb="FFDDEBF7"/><bgColor indexed="64"/></patternFill></fill></fills>
<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>
<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>
<cellXfs count="6"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>\
<xf numFmtId="0" fontId="1" fillId="2" borderId="0" xfId="0" applyFont="1" applyFill="1" applyAlignment="1">\
<alignment horizontal="center" vertical="center"/></xf>\
<xf numFmtId="49" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>\
<xf numFmtId="49" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1" quotePrefix="1"/>\
<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0" quotePrefix="1"/>\
<xf numFmtId="0" fontId="2" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs>
<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>
</styleSheet>"""
_SHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"


def _content_types(count: int) -> str:
    sheets = "".join(
        f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="{_SHEET_TYPE}"/>' for i in range(1, count + 1)
    )
    return f"""{_HEAD}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">\
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>\
<Default Extension="xml" ContentType="application/xml"/>\
<Override PartName="/xl/workbook.xml" \
ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>\
{sheets}<Override PartName="/xl/styles.xml" \
ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/></Types>"""


_ROOT_RELS = f"""{_HEAD}<Relationships xmlns="{_PKG_REL}">\
<Relationship Id="rId1" Type="{_REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>"""


def _workbook_rels(count: int) -> str:
    sheets = "".join(
        f'<Relationship Id="rId{i}" Type="{_REL}/worksheet" Target="worksheets/sheet{i}.xml"/>'
        for i in range(1, count + 1)
    )
    return (
        f'{_HEAD}<Relationships xmlns="{_PKG_REL}">{sheets}'
        f'<Relationship Id="rId{count + 1}" Type="{_REL}/styles" Target="styles.xml"/></Relationships>'
    )


@dataclass(frozen=True)
class OutColumn:
    """A column of the written sheet: header, width, and whether its cells are formatted as text ('@')."""

    label: str
    width: int = 12
    text: bool = False


def _text(value: str) -> str:
    """Text as an inline-string body: XML-safe, escaped, `_xHHHH_` look-alikes protected, spaces kept."""
    value = _ESCAPE_LIKE.sub(r"_x005F_\1", xml_safe(value))
    space = ' xml:space="preserve"' if value[:1].isspace() or value[-1:].isspace() else ""
    return f"<is><t{space}>{escape(value)}</t></is>"


def _cell(ref: str, value: str, style: int) -> str:
    return f'<c r="{ref}" s="{style}" t="inlineStr">{_text(value)}</c>'


@dataclass(frozen=True)
class OutSheet:
    """One sheet of a written workbook: its name, columns and rows of text (`last_style` for the last column)."""

    name: str
    columns: Sequence[OutColumn]
    rows: Iterable[Sequence[str]]
    last_style: int | None = None


def text_sheet(
    sheet: str, columns: Sequence[OutColumn], rows: Iterable[Sequence[str]], *, last_style: int | None = None
) -> bytes:
    """An .xlsx of one sheet: a styled, frozen header and `rows` of text, written in one pass.

    `rows` must be materialised as a sized sequence or list when the dimension is wanted; `last_style`
    overrides the style of the last column (e.g. REASON in red).
    """
    return text_workbook([OutSheet(sheet, columns, rows, last_style)])


def text_workbook(sheets: Sequence[OutSheet]) -> bytes:
    """An .xlsx of several sheets (in order), each written as `text_sheet` writes its one sheet."""
    names = "".join(
        f'<sheet name="{escape(xml_safe(s.name), {chr(34): "&quot;"})}" sheetId="{i}" r:id="rId{i}"/>'
        for i, s in enumerate(sheets, start=1)
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as zf:
        zf.writestr("[Content_Types].xml", _content_types(len(sheets)))
        zf.writestr("_rels/.rels", _ROOT_RELS)
        zf.writestr(
            "xl/workbook.xml", f'{_HEAD}<workbook xmlns="{_MAIN}" xmlns:r="{_REL}"><sheets>{names}</sheets></workbook>'
        )
        zf.writestr("xl/_rels/workbook.xml.rels", _workbook_rels(len(sheets)))
        zf.writestr("xl/styles.xml", _STYLES)
        for i, sheet in enumerate(sheets, start=1):
            with zf.open(f"xl/worksheets/sheet{i}.xml", "w", force_zip64=True) as member:
                _write_sheet(member, sheet)
    return out.getvalue()


def _write_sheet(member, sheet: OutSheet) -> None:
    columns, rows, last_style = sheet.columns, sheet.rows, sheet.last_style
    rows = rows if isinstance(rows, list | tuple) else list(rows)
    letters = [get_column_letter(i) for i in range(1, len(columns) + 1)]
    plain = [TEXT if c.text else GENERAL for c in columns]
    quoted = [TEXT_QUOTED if c.text else QUOTED for c in columns]
    if last_style is not None:
        plain[-1] = last_style
    cols = "".join(
        f'<col min="{i}" max="{i}" width="{c.width}" customWidth="1"' + (f' style="{TEXT}"/>' if c.text else "/>")
        for i, c in enumerate(columns, start=1)
    )
    header = "".join(_cell(f"{letter}1", c.label, HEADER) for letter, c in zip(letters, columns, strict=True))
    member.write(
        (
            f'{_HEAD}<worksheet xmlns="{_MAIN}"><dimension ref="A1:{letters[-1]}{len(rows) + 1}"/>'
            '<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" '
            'activePane="bottomLeft" state="frozen"/></sheetView></sheetViews>'
            f'<sheetFormatPr defaultRowHeight="15"/><cols>{cols}</cols><sheetData>'
            f'<row r="1">{header}</row>'
        ).encode()
    )
    chunk: list[str] = []
    for number, values in enumerate(rows, start=2):
        cells = []
        for idx, value in enumerate(values):
            if value:
                style = quoted[idx] if value.startswith(FORMULA_START) else plain[idx]
                cells.append(_cell(f"{letters[idx]}{number}", value, style))
        chunk.append(f'<row r="{number}">{"".join(cells)}</row>')
        if len(chunk) >= 2000:
            member.write("".join(chunk).encode())
            chunk = []
    member.write(("".join(chunk) + "</sheetData></worksheet>").encode())

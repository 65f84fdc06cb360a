"""Opening untrusted .xlsx files safely: zip size caps, the sheet's declared size, rows streamed under hard caps.

Nothing here allocates in proportion to what a file *claims*: the zip is checked before anything is inflated,
the sheet's `<dimension>` is read from the first bytes of its XML and refused when too large, and rows are
parsed one at a time (the XML tree is cleared as it goes) with hard caps on rows, columns and cells that hold
even when the declared dimension lies.
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
from collections.abc import Iterator
from functools import lru_cache
from xml.etree.ElementTree import ParseError, XMLParser, XMLPullParser, fromstring

from openpyxl.styles.numbers import is_date_format
from openpyxl.utils.cell import column_index_from_string, range_boundaries
from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900, from_excel, from_ISO8601

from .errors import ApplicationError

MAX_UNCOMPRESSED = 200 * 1024 * 1024  # all members of the zip together, inflated
MAX_RATIO = 200  # inflated / compressed size of one member (real sheets: ~15)
MAX_META_BYTES = 5 * 1024 * 1024  # workbook.xml, its rels and styles.xml are small
MAX_COLUMNS = 50
_RATIO_FROM = 1024 * 1024  # tiny members compress at any ratio
_CHUNK = 64 * 1024
_REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
# Built-in number formats that show a date (27–36 and 50–58 are the Chinese-locale date formats).
_DATE_FORMAT_IDS = frozenset([*range(14, 23), *range(27, 37), 45, 46, 47, *range(50, 59)])
_UNREADABLE = "无法读取该文件，请确认是用 Excel 保存的 .xlsx 文件"


def _local(tag: str) -> str:
    """The element name without its namespace (transitional and strict OOXML use different ones)."""
    return tag.rsplit("}", 1)[-1]


def _cap_text(limit: int) -> str:
    return f"{limit // (1024 * 1024)} MB"


class SafeWorkbook:
    """An .xlsx upload whose zip has passed the size checks: sheet names, declared sizes and streamed rows."""

    def __init__(self, data: bytes, *, field: str = "file"):
        self.field = field
        try:
            self.zip = zipfile.ZipFile(io.BytesIO(data))
            infos = self.zip.infolist()
        except (zipfile.BadZipFile, OSError, ValueError, EOFError):
            raise self._error(_UNREADABLE) from None
        total = 0
        for info in infos:
            total += info.file_size
            ratio_too_high = info.file_size > _RATIO_FROM and info.file_size > MAX_RATIO * max(info.compress_size, 1)
            if total > MAX_UNCOMPRESSED or ratio_too_high:
                cap = _cap_text(MAX_UNCOMPRESSED)
                raise self._error(f"文件解压后过大（上限 {cap}），疑似异常文件，请重新保存后上传")
        self._names = {info.filename for info in infos}
        try:
            self.sheets, self._shared_path, self.date_styles, self.epoch = self._read_meta()
        except ApplicationError:
            raise
        except Exception:
            raise self._error(_UNREADABLE) from None
        if not self.sheets:
            raise self._error(_UNREADABLE)
        self._shared: list[str] | None = None

    def _error(self, message: str) -> ApplicationError:
        return ApplicationError(message, field=self.field)

    def _small_xml(self, name: str):
        info = self.zip.getinfo(name)
        if info.file_size > MAX_META_BYTES:
            raise self._error(_UNREADABLE)
        return fromstring(self.zip.read(info))

    def _rels(self, name: str) -> dict[str, tuple[str, str]]:
        """Relationship id → (target part, type) of a part's .rels file."""
        folder, base = posixpath.split(name)
        rels_name = posixpath.join(folder, "_rels", base + ".rels")
        if rels_name not in self._names:
            return {}
        rels = {}
        for rel in self._small_xml(rels_name):
            target = rel.get("Target", "")
            if target.startswith("/"):
                target = target.lstrip("/")
            else:
                target = posixpath.normpath(posixpath.join(folder, target))
            rels[rel.get("Id", "")] = (target, rel.get("Type", "").rsplit("/", 1)[-1])
        return rels

    def _read_meta(self):
        workbook_part = "xl/workbook.xml"
        for _, (target, kind) in self._rels("").items():
            if kind == "officeDocument":
                workbook_part = target
        if workbook_part not in self._names:
            raise self._error("文件不是有效的 .xlsx 工作簿（缺少 workbook.xml），请使用下载的模板")
        rels = self._rels(workbook_part)
        root = self._small_xml(workbook_part)
        epoch = CALENDAR_WINDOWS_1900
        sheets: dict[str, str] = {}
        for el in root.iter():
            tag = _local(el.tag)
            if tag == "workbookPr" and el.get("date1904", "").lower() in ("1", "true"):
                epoch = CALENDAR_MAC_1904
            elif tag == "sheet":
                target = rels.get(el.get(_REL_NS, ""), ("", ""))[0]
                if target in self._names:
                    sheets[el.get("name", "")] = target
        shared = next((t for t, kind in rels.values() if kind == "sharedStrings" and t in self._names), None)
        styles = next((t for t, kind in rels.values() if kind == "styles" and t in self._names), None)
        return sheets, shared, self._date_styles(styles), epoch

    def _date_styles(self, part: str | None) -> frozenset[int]:
        """Cell style indexes whose number format shows a date."""
        if part is None:
            return frozenset()
        root = self._small_xml(part)
        custom: dict[int, str] = {}
        dates = set()
        for el in root:
            if _local(el.tag) == "numFmts":
                custom = {int(f.get("numFmtId", "0")): f.get("formatCode", "") for f in el}
            elif _local(el.tag) == "cellXfs":
                for index, xf in enumerate(el):
                    fmt = int(xf.get("numFmtId", "0"))
                    if fmt in _DATE_FORMAT_IDS or (fmt in custom and is_date_format(custom[fmt])):
                        dates.add(index)
        return frozenset(dates)

    @property
    def sheet_names(self) -> list[str]:
        """The workbook's sheet names, in order."""
        return list(self.sheets)

    def dimension(self, sheet: str) -> tuple[int, int] | None:
        """(last row, last column) the sheet declares in `<dimension ref=…>`, or None when it declares none."""
        try:
            return self._dimension(sheet)
        except ApplicationError:
            raise
        except (ParseError, ValueError, TypeError, zipfile.BadZipFile, OSError):
            raise self._error(_UNREADABLE) from None

    def _dimension(self, sheet: str) -> tuple[int, int] | None:
        with self.zip.open(self.sheets[sheet]) as stream:
            parser = XMLPullParser(events=("start",))
            for chunk in iter(lambda: stream.read(_CHUNK), b""):
                parser.feed(chunk)
                for _, el in parser.read_events():
                    tag = _local(el.tag)
                    if tag == "dimension":
                        _, _, max_col, max_row = range_boundaries(el.get("ref", "A1"))
                        return max_row or 1, max_col or 1
                    if tag == "sheetData":
                        return None
                if stream.tell() > 16 * _CHUNK:
                    return None
        return None

    def shared_strings(self, limit: int) -> list[str]:
        """The shared string table, streamed; refused when it holds more than `limit` strings."""
        if self._shared is not None:
            return self._shared
        strings: list[str] = []
        if self._shared_path:
            with self.zip.open(self._shared_path) as stream:
                parser = XMLPullParser(events=("end",))
                for chunk in iter(lambda: stream.read(_CHUNK), b""):
                    parser.feed(chunk)
                    for _, el in parser.read_events():
                        if _local(el.tag) == "si":
                            strings.append(_text_of(el))
                            el.clear()
                            if len(strings) > limit:
                                raise self._error("文件中的文字单元格过多，疑似异常文件，请重新保存后上传")
        self._shared = strings
        return strings

    def iter_rows(
        self, sheet: str, *, width: int, max_row: int, max_col: int = MAX_COLUMNS
    ) -> Iterator[tuple[int, list]]:
        """(Excel row number, its first `width` values) for each row holding a value; refused past the caps.

        A row beyond `max_row` or a value beyond `max_col` refuses the file; cells are counted so that even
        empty ones cannot make the parse run long. A malformed sheet is refused with a Chinese message.
        """
        try:
            yield from self._rows(sheet, width=width, max_row=max_row, max_col=max_col)
        except ApplicationError:
            raise
        except (ParseError, ValueError, IndexError, KeyError, TypeError, OverflowError, zipfile.BadZipFile, OSError):
            raise self._error(_UNREADABLE) from None

    def _rows(self, sheet: str, *, width: int, max_row: int, max_col: int) -> Iterator[tuple[int, list]]:
        target = _SheetTarget(self, self.shared_strings(max_row * max_col), width, max_row, max_col)
        parser = XMLParser(target=target)
        with self.zip.open(self.sheets[sheet]) as stream:
            for chunk in iter(lambda: stream.read(_CHUNK), b""):
                parser.feed(chunk)
                yield from target.done
                target.done.clear()
                if target.finished:
                    return

    def value(self, kind: str, style: str | None, raw: str | None, strings: list[str]):
        """A cell's value from its type, style and the text of its `<v>` (or inline `<t>` runs)."""
        if raw is None:
            return None
        if kind == "inlineStr" or kind == "str":
            return unescape(raw)
        if kind == "s":
            return strings[int(raw)]
        if kind == "e":
            return raw
        if kind == "b":
            return raw.strip() in ("1", "true")
        if kind == "d":
            return from_ISO8601(raw)
        number = float(raw) if any(ch in raw for ch in ".eE") else int(raw)
        if style and int(style) in self.date_styles:
            try:
                return from_excel(number, self.epoch)
            except (ValueError, OverflowError):
                return number
        return number


_COLUMN_LETTERS = re.compile(r"[A-Za-z]+")


@lru_cache(maxsize=256)
def _column(letters: str) -> int:
    return column_index_from_string(letters.upper())


class _SheetTarget:
    """Parser callbacks over a worksheet's XML: no tree is built; caps are checked as rows and cells arrive."""

    def __init__(self, book: SafeWorkbook, strings: list[str], width: int, max_row: int, max_col: int):
        self.book, self.strings, self.width = book, strings, width
        self.max_row, self.max_col, self.max_cells = max_row, max_col, max_row * max_col
        self.done: list[tuple[int, list]] = []
        self.finished = False
        self.row_no = self.col_no = self.cells = self.phonetic = 0
        self.values: dict[int, object] = {}
        self.kind, self.style, self.parts, self.collect, self.has_text = "n", None, [], False, False
        self._names: dict[str, str] = {}

    def _name(self, tag: str) -> str:
        name = self._names.get(tag)
        if name is None:
            name = self._names[tag] = _local(tag)
        return name

    def start(self, tag, attrib):
        name = self._name(tag)
        if name == "c":
            self.cells += 1
            if self.cells > self.max_cells:
                raise self.book._error("工作表的单元格过多，疑似异常文件，请删除多余的行列后重新保存")
            ref = attrib.get("r")
            if ref:
                found = _COLUMN_LETTERS.match(ref)
                if found is None:
                    raise ValueError(ref)
                self.col_no = _column(found.group())
            else:
                self.col_no += 1
            self.kind, self.style, self.parts, self.has_text = attrib.get("t", "n"), attrib.get("s"), [], False
        elif name in ("v", "t"):
            if not self.phonetic:
                self.collect = self.has_text = True
        elif name == "rPh":
            self.phonetic += 1
        elif name == "row":
            self.row_no = int(attrib.get("r") or self.row_no + 1)
            if self.row_no > self.max_row:
                raise self.book._error(f"数据行超过 {self.max_row - 1:,} 行（第{self.row_no}行），请拆分为多个文件上传")
            self.col_no, self.values = 0, {}

    def data(self, text):
        if self.collect:
            self.parts.append(text)

    def end(self, tag):
        name = self._name(tag)
        if name in ("v", "t"):
            self.collect = False
        elif name == "c":
            raw = "".join(self.parts) if self.has_text else None
            value = self.book.value(self.kind, self.style, raw, self.strings)
            if value is not None and value != "":
                if self.col_no > self.max_col:
                    where = f"第{self.row_no}行第{self.col_no}列"
                    raise self.book._error(f"{where}有数据，超过 {self.max_col} 列的上限，请删除多余的列后重新上传")
                if self.col_no <= self.width:
                    self.values[self.col_no] = value
        elif name == "rPh":
            self.phonetic -= 1
        elif name == "row":
            if self.values:
                self.done.append((self.row_no, [self.values.get(i) for i in range(1, self.width + 1)]))
        elif name == "sheetData":
            self.finished = True

    def close(self):
        return None


_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")


def unescape(text: str) -> str:
    """Undo OOXML's `_xHHHH_` escapes (how Excel stores control characters such as `_x000D_`)."""
    return _ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text) if "_x" in text else text


def _text_of(el) -> str:
    """The text of a shared or inline string: its `<t>` runs, without phonetic guides (`<rPh>`)."""
    parts = []
    for child in el:
        tag = _local(child.tag)
        if tag == "t":
            parts.append(child.text or "")
        elif tag == "r":
            parts.extend(t.text or "" for t in child if _local(t.tag) == "t")
    return unescape("".join(parts))


_XML_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_safe(text: str) -> str:
    """Text that can be written into an .xlsx: characters XML forbids become U+FFFD."""
    return _XML_ILLEGAL.sub("\ufffd", text)


def open_workbook(data: bytes, *, field: str = "file") -> SafeWorkbook:
    """Open an uploaded .xlsx after its zip passed the size checks; a Chinese error on `field` otherwise."""
    try:
        return SafeWorkbook(data, field=field)
    except ApplicationError:
        raise
    except Exception:
        raise ApplicationError(_UNREADABLE, field=field) from None

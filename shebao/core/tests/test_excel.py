"""Generic Excel helpers: spreadsheet bombs refused cheaply, linear error workbook, no formula injection, clean text."""

import datetime as dt
import io
import re
import time
import tracemalloc
import zipfile
from types import SimpleNamespace

import openpyxl
import pytest

from shebao.core import excel
from shebao.core.errors import ApplicationError
from shebao.core.excel import Column, SheetSpec

SPEC = SheetSpec(
    sheet="名单",
    columns=(
        Column("id_number", "社会保障号码", 22, text=True),
        Column("name", "姓名"),
        Column("month", "起始月(YYYY-MM)", text=True, kind="month"),
    ),
    what="名单文件",
)
ID = "330106198501010014"


def _xlsx(rows, *, far: str | None = None, dimension: str | None = None, sheet: str = "名单") -> bytes:
    """A workbook with the header and `rows`; optionally one far cell and a rewritten (lying) dimension."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheet
    ws.append(SPEC.labels)
    for row in rows:
        ws.append(row)
    if far:
        ws[far] = "x"
    out = io.BytesIO()
    wb.save(out)
    data = out.getvalue()
    if dimension is None:
        return data
    return _rewrite(data, "xl/worksheets/sheet1.xml", lambda xml: re.sub(rb'<dimension ref="[^"]*"', dimension, xml))


def _rewrite(data: bytes, member: str, change) -> bytes:
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            content = src.read(info)
            dst.writestr(info.filename, change(content) if info.filename == member else content)
    return out.getvalue()


def _refused(data: bytes) -> tuple[ApplicationError, float, int]:
    """The refusal, the seconds it took and the peak of Python memory allocated meanwhile."""
    tracemalloc.start()
    started = time.perf_counter()
    try:
        with pytest.raises(ApplicationError) as exc:
            excel.read_rows(data, SPEC)
        elapsed = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert exc.value.status_code == 400
    assert "file" in exc.value.errors
    return exc.value, elapsed, peak


@pytest.mark.parametrize("far", ["XFD4000", "XFD16000", "G1048576"])
def test_declared_dimension_beyond_the_caps_is_refused_before_reading(far):
    data = _xlsx([[ID, "张三", "2026-01"]], far=far)
    assert len(data) < 10_000
    err, elapsed, peak = _refused(data)
    print(f"{far}: refused in {elapsed * 1000:.0f} ms, peak {peak / 1e6:.1f} MB")
    assert "超过上限" in err.message and "名单" in err.message
    assert elapsed < 2 and peak < 50_000_000


@pytest.mark.parametrize(
    ("far", "dimension", "message"),
    [
        ("XFD4000", b'<dimension ref="A1:C2"', "列的上限"),  # a value far right, dimension claims 3 columns
        ("B900000", b'<dimension ref="A1:C2"', "数据行超过"),  # a value far down
        ("XFD16000", b'<dimension ref="A1"', "超过"),
        ("XFD4000", b'<dimension ref="nonsense"', "无法读取"),
    ],
)
def test_lying_dimension_still_stops_at_the_caps(far, dimension, message):
    data = _xlsx([[ID, "张三", "2026-01"]], far=far, dimension=dimension)
    err, elapsed, peak = _refused(data)
    print(f"lying {dimension!r} with {far}: {elapsed * 1000:.0f} ms, peak {peak / 1e6:.1f} MB")
    assert message in err.message
    assert elapsed < 2 and peak < 50_000_000


def test_missing_dimension_and_many_empty_cells_are_bounded():
    # No <dimension>, then 200,000 empty cells on one row: the cell cap stops the parse.
    cells = b"".join(b"<c/>" for _ in range(200_000))

    def change(xml: bytes) -> bytes:
        xml = re.sub(rb"<dimension [^>]*/>", b"", xml)
        return xml.replace(b"</sheetData>", b'<row r="3">' + cells + b"</row></sheetData>")

    data = _rewrite(_xlsx([[ID, "张三", "2026-01"]]), "xl/worksheets/sheet1.xml", change)
    small = SheetSpec(sheet="名单", columns=SPEC.columns, max_rows=10)
    with pytest.raises(ApplicationError) as exc:
        excel.read_rows(data, small)
    assert "单元格过多" in exc.value.message


def test_zip_bomb_is_refused_from_the_central_directory():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("xl/workbook.xml", "<workbook/>")
        with zf.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as member:
            block = b" " * (1024 * 1024)
            for _ in range(210):
                member.write(block)
    data = out.getvalue()
    assert len(data) < 1_000_000
    err, elapsed, peak = _refused(data)
    assert "解压后过大" in err.message
    assert elapsed < 1 and peak < 10_000_000


def test_high_compression_ratio_is_refused():
    padded = _rewrite(
        _xlsx([[ID, "张三", "2026-01"]]), "xl/styles.xml", lambda xml: xml + b"<!--" + b" " * 3_000_000 + b"-->"
    )
    err, _, _ = _refused(padded)
    assert "解压后过大" in err.message


def test_rows_and_header_are_read_as_text():
    full_width = "３３０１０６１９８５０１０１００１４"
    data = _xlsx(
        [
            [f"  {full_width}\u200b ", "张\u3000三", dt.datetime(2026, 1, 1)],
            [],
            [330106850101001, "李四\n（曾用名）", "2026-02"],
        ]
    )
    rows = excel.read_rows(data, SPEC)
    assert rows == [
        {"row": 2, "id_number": ID, "name": "张 三", "month": "2026-01"},
        {"row": 4, "id_number": "330106850101001", "name": "李四 (曾用名)", "month": "2026-02"},
    ]


def test_numbers_that_lost_digits_are_reported():
    data = _xlsx([[ID, "甲", "2026-01"], [330106198501010014, "乙", "2026-01"]])
    with pytest.raises(ApplicationError) as exc:
        excel.read_rows(data, SPEC)
    assert "第3行" in exc.value.message and "社会保障号码" in exc.value.message and "文本格式" in exc.value.message


@pytest.mark.parametrize("name", ["张_x001B_三", "张_x0007_三", "\u202e三张", "张\u2066三"])
def test_control_and_bidi_characters_are_refused(name):
    # Excel stores control characters as _xHHHH_ escapes; the reader decodes them and refuses the row.
    data = _xlsx([[ID, "甲", "2026-01"], [ID, name, "2026-01"]])
    with pytest.raises(ApplicationError) as exc:
        excel.read_rows(data, SPEC)
    assert "第3行" in exc.value.message and "姓名" in exc.value.message and "控制字符" in exc.value.message


def test_rows_beyond_the_cap_are_refused():
    data = _xlsx([[ID, f"人{i}", "2026-01"] for i in range(4)])
    with pytest.raises(ApplicationError) as exc:
        excel.read_rows(data, SPEC, max_rows=3)
    assert "超过" in exc.value.message


def test_sheet_named_in_the_spec_or_the_first_one():
    assert excel.read_rows(_xlsx([[ID, "甲", "2026-01"]], sheet="Sheet1"), SPEC)[0]["name"] == "甲"


def test_template_has_styled_text_columns_and_help():
    data = excel.template_workbook(SPEC, [("1", "每行一人")], [(("编码", "名称"), [("110", "企业职工基本养老保险")])])
    wb = openpyxl.load_workbook(io.BytesIO(data))
    assert wb.sheetnames == ["名单", "填写说明"]
    ws = wb["名单"]
    assert [c.value for c in ws[1]] == SPEC.labels
    assert ws["A1"].font.b and ws.freeze_panes == "A2"
    assert ws.column_dimensions["A"].number_format == "@"
    assert ws.column_dimensions["B"].number_format != "@"
    helps = list(wb["填写说明"].iter_rows(values_only=True))
    assert ("1", "每行一人") in helps and ("110", "企业职工基本养老保险") in helps
    assert excel.read_rows(data, SPEC) == []


INJECTIONS = ["=1+1", "+SUM(A1:A2)", "-2+3", "@SUM(A1)", '=HYPERLINK("http://x","点我")', "=cmd|' /C calc'!A0"]


def test_error_workbook_writes_every_value_as_text():
    rows = [{"row": 2 + i, "id_number": v, "name": v, "month": v} for i, v in enumerate(INJECTIONS)]
    rows.append({"row": 20, "id_number": "\t=1+1", "name": "\r=2", "month": "ok"})
    errors = [SimpleNamespace(row=r["row"], message="=错误") for r in rows]
    wb = openpyxl.load_workbook(io.BytesIO(excel.error_workbook(SPEC, rows, errors)))
    ws = wb.active
    assert ws.title == "错误数据"
    data = list(ws.iter_rows(min_row=2))
    assert [r[0].value for r in data] == [*INJECTIONS, "=1+1"]
    for row in data:
        for cell in row:
            assert cell.data_type == "s", cell.coordinate
            assert cell.quotePrefix == str(cell.value).startswith(("=", "+", "-", "@")), cell.coordinate
    assert data[0][3].value == "第2行：=错误"
    xml = zipfile.ZipFile(io.BytesIO(excel.error_workbook(SPEC, rows, errors))).read("xl/worksheets/sheet1.xml")
    assert b"<f>" not in xml


def _error_rows(n: int):
    rows = [
        {"row": i + 2, "id_number": f"33010619850101{i:04d}", "name": f"张{i}", "month": "2026-01"} for i in range(n)
    ]
    errors = [SimpleNamespace(row=i + 2, message="社会保障号码校验位错误") for i in range(n)]
    return rows, errors


def _timed_error_workbook(n: int) -> float:
    rows, errors = _error_rows(n)
    started = time.process_time()  # CPU time: stable when other processes share the machine
    data = excel.error_workbook(SPEC, rows, errors)
    elapsed = time.process_time() - started
    assert openpyxl.load_workbook(io.BytesIO(data), read_only=True).active.max_row == n + 1  # dimension written
    return elapsed


def test_error_workbook_is_linear_in_the_rows():
    small, large = _timed_error_workbook(10_000), _timed_error_workbook(40_000)
    print(f"error workbook: 10k rows {small:.2f} s, 40k rows {large:.2f} s, ratio {large / small:.1f}")
    assert large / small < 6


def test_error_workbook_of_100k_rows_and_reading_it_back():
    rows, errors = _error_rows(100_000)
    started = time.process_time()  # CPU time: stable when other processes share the machine
    data = excel.error_workbook(SPEC, rows, errors)
    written = time.process_time() - started
    started = time.process_time()
    again = excel.read_rows(data, SPEC)
    read = time.process_time() - started
    print(f"100k rows: error workbook {written:.1f} s CPU ({len(data) / 1e6:.1f} MB), read back {read:.1f} s CPU")
    assert len(again) == 100_000 and again[-1]["id_number"] == rows[-1]["id_number"]
    assert written < 30 and read < 30

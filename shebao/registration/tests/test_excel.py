"""01010201 批量增员 from Excel: template, reading, valid rows into one case, rejected rows returned with reasons."""

import datetime as dt
import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from shebao.core.cases import case_approve
from shebao.core.errors import ApplicationError
from shebao.core.synthetic import citizen_id
from shebao.registration import excel
from shebao.registration.excel import COLUMNS, enrolment_template, error_workbook, read_enrolment_rows
from shebao.registration.models import Enrolment, Person
from shebao.registration.services import person_enrol_bulk

pytestmark = [pytest.mark.django_db, pytest.mark.catalog("01010201")]

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _filled(rows: list[list]) -> bytes:
    """The downloaded template with data rows written from row 2."""
    wb = openpyxl.load_workbook(io.BytesIO(enrolment_template()))
    ws = wb["增员名单"]
    for r, values in enumerate(rows, start=2):
        for c, value in enumerate(values, start=1):
            ws.cell(row=r, column=c, value=value)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _id(n: int) -> str:
    return citizen_id("330106", dt.date(1985, 1, 1) + dt.timedelta(days=n), n)


def test_template_has_headers_text_id_column_and_codes(db):
    wb = openpyxl.load_workbook(io.BytesIO(enrolment_template()))
    assert wb.sheetnames == ["增员名单", "填写说明"]
    ws = wb["增员名单"]
    headers = [c.value for c in ws[1]]
    assert headers[0] == "社会保障号码"
    assert headers == [label for _, label, _ in COLUMNS]
    assert headers[5].startswith("参保险种") and headers[6].startswith("参保起始月")
    assert ws.column_dimensions["A"].number_format == "@"
    codes = {row[0] for row in wb["填写说明"].iter_rows(values_only=True)}
    assert {"110", "210", "310", "410", "510"} <= codes
    # An untouched template reads as zero rows.
    assert read_enrolment_rows(enrolment_template()) == []


def test_bulk_enrolment_from_excel(make_employer, make_person, clerk, reviewer):
    employer = make_employer()
    month = timezone.localdate().replace(day=1)
    ym = f"{month:%Y-%m}"
    already = make_person(employer, id_number=_id(900), insurances=["110"])
    bad_check = _id(3)[:17] + ("0" if _id(3)[17] != "0" else "1")
    legacy15 = 330106850109008  # a 15-digit legacy number typed as a number: exact, converted to 18 digits
    numeric_id = "330106198501090080"
    sheet = [
        [_id(1), "张一", "13900139001", "杭州市西湖区", "汉族", "110,310", ym],  # 2 ok
        [_id(2), "张二", 13900139002, "", "", "110", dt.datetime(month.year, month.month, 1)],  # 3 ok (typed cells)
        [bad_check, "张三", "", "", "", "110", ym],  # 4 bad check digit
        [_id(4), "", "", "", "", "110", ym],  # 5 missing name
        [],  # 6 empty: skipped
        [legacy15, "张五", "", "", "回族", "310", ym],  # 7 ok
        [_id(1), "张一复", "", "", "", "310", ym],  # 8 duplicate of row 2
        [_id(6), "张六", "", "", "", "110,170", ym],  # 9 type not held
        [already.id_number, already.name, "", "", "", "110", ym],  # 10 already has 110
        [_id(7), "张七", "", "", "", "410", ym],  # 11 ok
    ]
    upload = SimpleUploadedFile("增员.xlsx", _filled(sheet), content_type=XLSX)
    rows = read_enrolment_rows(upload)
    assert [r["row"] for r in rows] == [2, 3, 4, 5, 7, 8, 9, 10, 11]
    by_row = {r["row"]: r for r in rows}
    assert by_row[3]["phone"] == "13900139002" and by_row[3]["start_month"] == ym
    assert by_row[7]["id_number"] == str(legacy15)
    assert all(isinstance(r["id_number"], str) for r in rows)

    persons_before = Person.objects.count()
    enrolments_before = Enrolment.objects.count()
    result = person_enrol_bulk(actor=clerk, employer=employer, rows=rows)
    assert result.valid == 4
    bad_rows = sorted({e.row for e in result.errors})
    assert bad_rows == [4, 5, 8, 9, 10]
    assert Person.objects.count() == persons_before  # nothing applied before approval

    case = case_approve(actor=reviewer, case=result.case)
    assert case.status == "completed"
    valid_ids = [_id(1), _id(2), numeric_id, _id(7)]
    assert Person.objects.filter(id_number__in=valid_ids).count() == 4
    assert Person.objects.get(id_number=_id(1)).name == "张一"
    assert Person.objects.get(id_number=numeric_id).ethnicity == "回族"
    assert Person.objects.count() == persons_before + 4
    assert Enrolment.objects.count() == enrolments_before + 5
    assert not Person.objects.filter(id_number__in=[bad_check, _id(4), _id(6)]).exists()
    assert already.enrolments.count() == 1  # the existing person gained nothing

    wb = openpyxl.load_workbook(io.BytesIO(error_workbook(rows, result.errors)))
    ws = wb.active
    header = [c.value for c in ws[1]]
    assert header[-1] == "错误原因"
    data = list(ws.iter_rows(min_row=2, values_only=True))
    assert [r[0] for r in data] == [bad_check, _id(4), _id(1), _id(6), already.id_number]
    reasons = {r[0] if r[1] != "张一复" else "dup": r[-1] for r in data}
    assert reasons[bad_check].startswith("第4行：") and "校验位" in reasons[bad_check]
    assert "姓名不能为空" in reasons[_id(4)]
    assert "第2行" in reasons["dup"] and "重复" in reasons["dup"]
    assert "170" in reasons[_id(6)]
    assert "已有有效的" in reasons[already.id_number]
    assert ws.cell(row=2, column=1).number_format == "@"

    # The error file, once fixed, can be uploaded again as it is (extra 错误原因 column ignored).
    again = read_enrolment_rows(error_workbook(rows, result.errors))
    assert [r["id_number"] for r in again] == [bad_check, _id(4), _id(1), _id(6), already.id_number]


def test_long_id_numbers_saved_as_numbers_are_refused(db):
    # Excel keeps 15 significant digits: an 18-digit number has lost its last digits, never guess them.
    data = _filled(
        [[_id(1), "甲", "", "", "", "110", "2026-01"], [int("330106198501090080"), "乙", "", "", "", "110", "2026-01"]]
    )
    with pytest.raises(ApplicationError) as exc:
        read_enrolment_rows(data)
    assert "第3行" in exc.value.message and "文本格式" in exc.value.message
    assert "file" in exc.value.errors


def test_several_errors_of_one_row_are_joined(db):
    from shebao.registration.services.enrolment import RowError

    rows = [{"id_number": "1", "name": "", "insurances": "999", "start_month": "x"}]
    errors = [RowError(2, "id_number", "号码错误"), RowError(2, "name", "姓名不能为空")]
    ws = openpyxl.load_workbook(io.BytesIO(error_workbook(rows, errors))).active
    assert ws.max_row == 2
    assert ws.cell(row=2, column=8).value == "第2行：号码错误；姓名不能为空"


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (SimpleUploadedFile("a.xls", b"\xd0\xcf\x11\xe0junk"), ".xlsx"),
        (SimpleUploadedFile("a.xlsx", b"not a zip at all"), "不是有效"),
        (SimpleUploadedFile("a.xlsx", b"PK\x03\x04broken zip"), "无法读取"),
        (b"", "不是有效"),
    ],
)
def test_unreadable_files_are_refused(db, upload, message):
    with pytest.raises(ApplicationError) as exc:
        read_enrolment_rows(upload)
    assert "file" in exc.value.errors
    assert message in exc.value.message


def test_wrong_headers_are_refused(db):
    wb = openpyxl.Workbook()
    wb.active.append(["身份证号", "姓名"])
    out = io.BytesIO()
    wb.save(out)
    with pytest.raises(ApplicationError) as exc:
        read_enrolment_rows(io.BytesIO(out.getvalue()))
    assert "表头不正确" in exc.value.message and "社会保障号码" in exc.value.message
    assert exc.value.errors["file"]


def test_too_many_rows_are_refused(db, monkeypatch):
    monkeypatch.setattr(excel, "MAX_ROWS", 3)
    data = _filled([[_id(i), f"李{i}", "", "", "", "110", "2026-01"] for i in range(4)])
    with pytest.raises(ApplicationError) as exc:
        read_enrolment_rows(data)
    assert "超过" in exc.value.message and "file" in exc.value.errors

"""节假日历维护: services that add, remove, import and publish a year's holidays and make-up days, the 暂估 recount
of open cases once a year is published, and the November warning for a missing next year."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from shebao.conftest import make_user, person_data
from shebao.core.calendar_services import (
    calendar_day_add,
    calendar_day_remove,
    calendar_warning,
    calendar_year_import,
    calendar_year_publish,
    calendar_years,
)
from shebao.core.choices import Role
from shebao.core.errors import ApplicationError, PermissionDeniedError
from shebao.core.models import AuditEvent, CalendarDay, CalendarYear, Case
from shebao.core.workdays import add_working_days

pytestmark = pytest.mark.django_db

D = dt.date
HEADER = ["日期", "类型(节假日/调休上班)", "名称"]
GOOD_2027 = [
    ["2027-01-01", "节假日", "元旦"],
    ["2027-02-06", "节假日", "春节"],
    ["2027-02-07", "调休上班", "春节"],  # a Sunday
    ["2027-02-08", "节假日", "春节"],
]


@pytest.fixture
def admin(agencies):
    return make_user(Role.AGENCY_ADMIN, agencies["city"], username="admin_city")


def xlsx_file(rows, name="2027.xlsx") -> SimpleUploadedFile:
    wb = Workbook()
    ws = wb.active
    ws.title = "节假日安排"
    ws.append(HEADER)
    for row in rows:
        ws.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue())


def csv_file(rows, *, encoding="utf-8-sig", name="2027.csv") -> SimpleUploadedFile:
    text = "\r\n".join(",".join(r) for r in [HEADER, *rows]) + "\r\n"
    return SimpleUploadedFile(name, text.encode(encoding))


def _audit_count(prefix: str) -> int:
    return AuditEvent.objects.filter(action__startswith=prefix).count()


# --- single days ------------------------------------------------------------------------------------------


def test_admin_adds_and_removes_a_day_with_audit(admin):
    day = calendar_day_add(actor=admin, year=2027, date="2027-01-01", kind="节假日", name="元旦")
    assert day.is_workday is False and day.name == "元旦"
    event = AuditEvent.objects.get(action="calendar_day.add")
    assert event.object_id == "2027-01-01" and event.after["type"] == "节假日"
    calendar_day_remove(actor=admin, date="2027-01-01")
    assert not CalendarDay.objects.filter(date=D(2027, 1, 1)).exists()
    assert AuditEvent.objects.filter(action="calendar_day.delete", object_id="2027-01-01").exists()


@pytest.mark.parametrize(
    ("values", "field", "text"),
    [
        ({"date": "2026-12-31", "kind": "节假日"}, "date", "不在2027年内"),
        ({"date": "2027-02-30", "kind": "节假日"}, "date", "无效"),
        ({"date": "", "kind": "节假日"}, "date", "日期不能为空"),
        ({"date": "2027-01-01", "kind": "休息"}, "kind", "类型应为"),
        ({"date": "2027-01-04", "kind": "调休上班"}, "kind", "周一至周五"),  # a Monday
        ({"date": "2027-01-01", "kind": "节假日", "name": "元\u202e旦"}, "name", "控制字符"),
    ],
)
def test_a_bad_day_is_refused_naming_the_field(admin, values, field, text):
    with pytest.raises(ApplicationError) as exc:
        calendar_day_add(actor=admin, year=2027, **values)
    assert field in exc.value.errors and text in " ".join(exc.value.errors[field])
    assert not CalendarDay.objects.filter(date__year=2027).exists()
    assert _audit_count("calendar") == 0


def test_a_day_entered_twice_is_refused(admin):
    calendar_day_add(actor=admin, year=2027, date="2027-01-01", kind="节假日")
    with pytest.raises(ApplicationError) as exc:
        calendar_day_add(actor=admin, year=2027, date="2027-01-01", kind="节假日")
    assert "已在节假日历中" in exc.value.errors["date"][0]


@pytest.mark.parametrize("role", [Role.CLERK, Role.REVIEWER, Role.AUDITOR, Role.FINANCE])
def test_only_agency_admins_maintain_the_calendar(agencies, role):
    user = make_user(role, agencies["a"])
    with pytest.raises(PermissionDeniedError):
        calendar_day_add(actor=user, year=2027, date="2027-01-01", kind="节假日")
    with pytest.raises(PermissionDeniedError):
        calendar_year_publish(actor=user, year=2027)
    with pytest.raises(PermissionDeniedError):
        calendar_year_import(actor=user, year=2027, uploaded=csv_file(GOOD_2027))
    assert not CalendarDay.objects.filter(date__year=2027).exists()


# --- publishing makes counts exact ------------------------------------------------------------------------


def test_entering_2027_holidays_makes_the_due_date_exact(admin):
    assert add_working_days(D(2026, 12, 31), 1).provisional is True
    calendar_day_add(actor=admin, year=2027, date="2027-01-01", kind="节假日", name="元旦")
    assert add_working_days(D(2026, 12, 31), 1).provisional is True  # entered, not yet published
    calendar_year_publish(actor=admin, year=2027, source="国务院办公厅关于2027年部分节假日安排的通知")
    due = add_working_days(D(2026, 12, 31), 1)
    assert due.date == D(2027, 1, 4) and due.provisional is False
    event = AuditEvent.objects.get(action="calendar_year.add")
    assert event.object_id == "2027" and event.after["days"] == 1


def test_publishing_recounts_open_provisional_cases(admin, clerk, make_employer):
    """An open case with a 暂估 due date for the year gets the exact date when the year is published."""
    from django.utils import timezone

    from shebao.registration.services import person_enrol

    year = timezone.localdate().year
    CalendarYear.objects.filter(year__gte=year).delete()
    case = person_enrol(actor=clerk, employer=make_employer(), data=person_data())
    assert "暂估" in case.due_note
    calendar_year_publish(actor=admin, year=year, source="测试通知")
    case = Case.objects.get(pk=case.pk)
    assert "暂估" not in case.due_note
    assert case.due_date == add_working_days(timezone.localdate(case.submitted_at), 5).date
    assert AuditEvent.objects.get(action="calendar_year.add").after["recounted"] == 1


# --- import files -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("make", [xlsx_file, csv_file, lambda rows: csv_file(rows, encoding="gb18030")])
def test_import_a_year_from_xlsx_or_csv(admin, make):
    result = calendar_year_import(actor=admin, year=2027, uploaded=make(GOOD_2027), source="国办发明电〔2026〕号")
    assert (result.holidays, result.makeup_days) == (3, 1)
    assert CalendarYear.objects.get(year=2027).source == "国办发明电〔2026〕号"
    assert CalendarDay.objects.get(date=D(2027, 2, 7)).is_workday is True
    assert CalendarDay.objects.get(date=D(2027, 2, 6)).name == "春节"
    assert _audit_count("calendar_day.add") == 4 and _audit_count("calendar_year.add") == 1
    # 2027-02-05 (Fri) + 1 working day: 02-06 holiday, 02-07 make-up Sunday.
    assert add_working_days(D(2027, 2, 5), 1) == (D(2027, 2, 7), False, ())


def test_import_replaces_the_year(admin):
    calendar_day_add(actor=admin, year=2027, date="2027-10-01", kind="节假日", name="国庆节")
    result = calendar_year_import(actor=admin, year=2027, uploaded=csv_file(GOOD_2027))
    assert result.replaced == 1
    assert not CalendarDay.objects.filter(date=D(2027, 10, 1)).exists()
    assert CalendarDay.objects.filter(date__year=2027).count() == 4


@pytest.mark.parametrize("make", [xlsx_file, csv_file])
@pytest.mark.parametrize(
    ("bad", "text"),
    [
        (["2028-01-01", "节假日", "元旦"], "第4行：日期 2028-01-01 不在2027年内"),
        (["2027-03-01", "放假", ""], "第4行：类型应为"),
        (["2027-01-01", "节假日", "元旦"], "第4行：日期 2027-01-01 与第2行重复"),
        (["2027-03-01", "调休上班", ""], "第4行：2027-03-01 是周一至周五"),
        (["2027-13-01", "节假日", ""], "第4行：日期“2027-13-01”无效"),
    ],
)
def test_import_with_a_bad_row_is_refused_naming_the_row_and_saves_nothing(admin, make, bad, text):
    rows = [GOOD_2027[0], GOOD_2027[1], bad, GOOD_2027[3]]
    before = AuditEvent.objects.count()
    with pytest.raises(ApplicationError) as exc:
        calendar_year_import(actor=admin, year=2027, uploaded=make(rows))
    assert any(text in m for m in exc.value.errors["file"]), exc.value.errors
    assert not CalendarDay.objects.filter(date__year=2027).exists()
    assert not CalendarYear.objects.filter(year=2027).exists()
    assert AuditEvent.objects.count() == before


def test_import_refuses_a_wrong_header_or_file_type(admin):
    wrong = SimpleUploadedFile("x.csv", "日期,种类,名称\r\n2027-01-01,节假日,元旦\r\n".encode())
    with pytest.raises(ApplicationError) as exc:
        calendar_year_import(actor=admin, year=2027, uploaded=wrong)
    assert "第2列应为「类型(节假日/调休上班)」" in exc.value.errors["file"][0]
    with pytest.raises(ApplicationError) as exc:
        calendar_year_import(actor=admin, year=2027, uploaded=SimpleUploadedFile("x.txt", b"abc"))
    assert "file" in exc.value.errors
    with pytest.raises(ApplicationError) as exc:
        calendar_year_import(actor=admin, year="二〇二七", uploaded=csv_file(GOOD_2027))
    assert "year" in exc.value.errors
    assert not CalendarDay.objects.filter(date__year=2027).exists()


# --- year list and the November warning -------------------------------------------------------------------


def test_year_list_shows_status(admin):
    calendar_year_publish(actor=admin, year=2025, source="测试")  # overrides the package's row
    years = {y.year: y for y in calendar_years(D(2026, 11, 1))}
    assert years[2027].status == "missing" and years[2027].label == "未维护"
    assert years[2026].status == "package" and years[2026].holidays > 0
    assert years[2025].status == "maintained" and years[2025].source == "测试"


def test_warning_from_1_november_when_next_year_is_missing(admin):
    warning = calendar_warning(admin, D(2026, 11, 1))
    assert warning is not None and warning["years"] == [2027]
    assert "2027年法定节假日安排尚未维护" in warning["message"]
    assert warning["url"] == "/calendar/2027/"


def test_no_warning_before_november(admin):
    assert calendar_warning(admin, D(2026, 10, 31)) is None


def test_no_warning_when_next_year_is_present(admin):
    calendar_year_import(actor=admin, year=2027, uploaded=csv_file(GOOD_2027))
    assert calendar_warning(admin, D(2026, 11, 1)) is None
    assert calendar_warning(admin, D(2026, 12, 31)) is None


def test_no_warning_for_other_roles(agencies):
    for role in (Role.CLERK, Role.REVIEWER, Role.AUDITOR):
        assert calendar_warning(make_user(role, agencies["a"]), D(2026, 11, 1)) is None


def test_warning_in_january_when_this_year_is_missing(admin):
    assert calendar_warning(admin, D(2027, 1, 5))["years"] == [2027]

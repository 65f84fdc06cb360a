"""Working days for statutory time limits: the holiday calendar with make-up days, and a missing year (暂估)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from shebao.core.models import CalendarDay, CalendarYear
from shebao.core.workdays import add_working_days

pytestmark = pytest.mark.django_db

D = dt.date


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        (D(2024, 9, 30), 1, D(2024, 10, 8)),  # National Day 10-01..10-07 skipped
        (D(2024, 9, 27), 1, D(2024, 9, 29)),  # Sunday 09-29 is a make-up working day
        (D(2024, 9, 28), 2, D(2024, 9, 30)),
        (D(2024, 10, 11), 1, D(2024, 10, 12)),  # make-up Saturday 10-12
        (D(2024, 10, 12), 1, D(2024, 10, 14)),  # Sunday 10-13 is a rest day
        (D(2024, 9, 27), 10, D(2024, 10, 16)),  # 9-29, 9-30, 10-8 … 10-12, 10-14, 10-15, 10-16
        (D(2024, 6, 3), 5, D(2024, 6, 11)),  # 端午 2024-06-10 (Monday) is a holiday
        (D(2024, 6, 3), 0, D(2024, 6, 3)),
    ],
)
def test_add_working_days_across_holidays(start, days, expected):
    due = add_working_days(start, days)
    assert due.date == expected
    assert due.provisional is False


def test_calendar_is_seeded_for_known_years():
    assert CalendarYear.objects.filter(year=2024).exists()
    day = CalendarDay.objects.get(date=D(2024, 10, 12))
    assert day.is_workday is True
    assert CalendarDay.objects.get(date=D(2024, 10, 1)).is_workday is False


def test_calendar_names_are_chinese():
    assert CalendarDay.objects.get(date=D(2024, 10, 1)).name == "国庆节"
    assert not CalendarDay.objects.filter(name__regex=r"[A-Za-z]").exists()


def test_2027_due_date_is_provisional_weekdays_not_empty():
    """No 2027 calendar: Monday–Friday is counted for 2027, and the result says 暂估 and which year."""
    assert not CalendarYear.objects.filter(year=2027).exists()
    # 2026-12-30 (Wed): 12-31 (Thu) counts by the 2026 calendar, then 2027-01-01 (Fri) counts as a weekday.
    due = add_working_days(D(2026, 12, 30), 5)
    assert due.date == D(2027, 1, 6)
    assert due.provisional is True
    assert due.missing_years == (2027,)
    assert due.note() == "暂估：2027年节假日安排尚未维护，按周一至周五计算"


def test_within_the_last_known_year_still_works():
    due = add_working_days(D(2026, 12, 28), 2)
    assert due == (D(2026, 12, 30), False, ())


def test_entering_a_year_makes_it_exact():
    CalendarYear.objects.create(year=2027, source="国务院办公厅通知（测试）")
    CalendarDay.objects.create(date=D(2027, 1, 1), is_workday=False, name="元旦")
    # 2026-12-31 is a Thursday; 2027-01-01 (Friday) is a holiday; next is Monday 2027-01-04.
    due = add_working_days(D(2026, 12, 31), 1)
    assert due.date == D(2027, 1, 4)
    assert due.provisional is False


def test_case_due_date_is_provisional_when_the_year_is_missing(clerk, make_employer):
    """A case whose time limit runs into a year without a calendar gets a weekday due date marked 暂估."""
    from shebao.conftest import person_data
    from shebao.registration.services import person_enrol

    employer = make_employer()
    year = timezone.localdate().year
    CalendarYear.objects.filter(year__gte=year).delete()
    case = person_enrol(actor=clerk, employer=employer, data=person_data())
    assert case.due_date is not None
    assert case.due_date.weekday() < 5
    assert f"暂估：{year}年节假日安排尚未维护，按周一至周五计算" in case.due_note
    assert case.due_note.startswith("5个工作日（")


def test_due_of_a_2027_case_is_provisional(agencies):
    """`_due` for a start in late December 2026 with the default 15-working-day style limit reaches into 2027."""
    from shebao.core.cases import _due

    due_date, note = _due("01010201", agencies["a"], D(2026, 12, 28))
    assert due_date == D(2027, 1, 4)  # 12-29, 12-30, 12-31, 01-01 (weekday, provisional), 01-04
    assert note.startswith("5个工作日（暂估：2027年节假日安排尚未维护，按周一至周五计算")

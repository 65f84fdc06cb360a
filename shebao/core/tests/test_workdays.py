"""Working days for statutory time limits: the holiday calendar with make-up days, and a missing year."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from shebao.core.models import CalendarDay, CalendarYear
from shebao.core.workdays import CalendarMissing, add_working_days

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
    assert add_working_days(start, days) == expected


def test_calendar_is_seeded_for_known_years():
    assert CalendarYear.objects.filter(year=2024).exists()
    day = CalendarDay.objects.get(date=D(2024, 10, 12))
    assert day.is_workday is True
    assert CalendarDay.objects.get(date=D(2024, 10, 1)).is_workday is False


def test_2027_is_not_in_the_calendar():
    assert not CalendarYear.objects.filter(year=2027).exists()
    with pytest.raises(CalendarMissing) as exc:
        add_working_days(D(2026, 12, 30), 5)
    assert exc.value.year == 2027
    assert "2027年法定节假日安排尚未维护" in str(exc.value)


def test_within_the_last_known_year_still_works():
    assert add_working_days(D(2026, 12, 28), 2) == D(2026, 12, 30)


def test_entering_a_year_makes_it_countable():
    CalendarYear.objects.create(year=2027, source="国务院办公厅通知（测试）")
    CalendarDay.objects.create(date=D(2027, 1, 1), is_workday=False, name="元旦")
    # 2026-12-31 is a Thursday; 2027-01-01 (Friday) is a holiday; next is Monday 2027-01-04.
    assert add_working_days(D(2026, 12, 31), 1) == D(2027, 1, 4)


def test_case_due_date_left_empty_when_the_year_is_missing(clerk, make_employer):
    """A case whose time limit runs into a year without a calendar is accepted, with a note instead of a date."""
    from shebao.conftest import person_data
    from shebao.registration.services import person_enrol

    employer = make_employer()
    CalendarYear.objects.filter(year__gte=timezone.localdate().year).delete()
    case = person_enrol(actor=clerk, employer=employer, data=person_data())
    assert case.due_date is None
    assert "法定节假日安排尚未维护" in case.due_note

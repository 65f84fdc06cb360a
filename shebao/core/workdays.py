"""Working days for statutory time limits: Monday–Friday, corrected by the holiday calendar the agency keeps.

The calendar is data (`CalendarDay`, `CalendarYear`), seeded from chinese-calendar for the years it knows
and extended each year when the State Council publishes the next year's holidays. A count that runs into a
year with no calendar raises `CalendarMissing` instead of guessing.
"""

from __future__ import annotations

import datetime as dt

from .models import CalendarDay, CalendarYear


class CalendarMissing(Exception):
    """The holiday arrangement for a year has not been entered."""

    def __init__(self, year: int):
        super().__init__(f"{year}年法定节假日安排尚未维护，无法计算工作日")
        self.year = year


def add_working_days(start: dt.date, days: int) -> dt.date:
    """The date `days` working days after `start` (the start day itself is not counted)."""
    known_years = set(CalendarYear.objects.values_list("year", flat=True))
    exceptions: dict[dt.date, bool] = {}
    loaded: set[int] = set()
    current, remaining = start, days
    while remaining > 0:
        current += dt.timedelta(days=1)
        if current.year not in known_years:
            raise CalendarMissing(current.year)
        if current.year not in loaded:
            exceptions.update(
                dict(CalendarDay.objects.filter(date__year=current.year).values_list("date", "is_workday"))
            )
            loaded.add(current.year)
        workday = exceptions.get(current, current.weekday() < 5)
        if workday:
            remaining -= 1
    return current


def seed_calendar_from_package() -> int:
    """Load the holidays and make-up working days chinese-calendar knows (complete years only)."""
    import chinese_calendar

    rows, years = [], []
    for year in range(2004, 2100):
        try:
            chinese_calendar.is_workday(dt.date(year, 12, 31))
        except NotImplementedError:
            break
        years.append(year)
        day = dt.date(year, 1, 1)
        while day.year == year:
            _, name = chinese_calendar.get_holiday_detail(day)
            workday = chinese_calendar.is_workday(day)
            if workday != (day.weekday() < 5):
                rows.append(CalendarDay(date=day, is_workday=workday, name=str(name or "")))
            day += dt.timedelta(days=1)
    CalendarDay.objects.bulk_create(rows, ignore_conflicts=True)
    CalendarYear.objects.bulk_create(
        [CalendarYear(year=y, source="chinese-calendar") for y in years], ignore_conflicts=True
    )
    return len(years)

"""Working days for statutory time limits: Monday–Friday, corrected by the holiday calendar the agency keeps.

The calendar is data (`CalendarDay`, `CalendarYear`), seeded from chinese-calendar for the years it knows
and extended each year by the agency administrators when the State Council publishes the next year's
holidays (`shebao.core.calendar_services`). A count that runs into a year with no calendar does not fail:
it counts Monday–Friday for that year and says so (`DueDay.provisional`, 暂估), so a citizen's application
is never refused or left without a due date because of a missing calendar.
"""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

from .models import CalendarDay, CalendarYear

PACKAGE_SOURCE = "chinese-calendar"
# chinese-calendar names its holidays in English; the calendar shows them in Chinese.
_HOLIDAY_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利70周年纪念日",
}


class DueDay(NamedTuple):
    """The day a count of working days ends, and whether it is provisional (a year's calendar was missing)."""

    date: dt.date
    provisional: bool = False
    missing_years: tuple[int, ...] = ()

    def note(self) -> str:
        """暂估 remark for a provisional date ('' when exact)."""
        if not self.provisional:
            return ""
        years = "、".join(f"{y}年" for y in self.missing_years)
        return f"暂估：{years}节假日安排尚未维护，按周一至周五计算"


def add_working_days(start: dt.date, days: int) -> DueDay:
    """The date `days` working days after `start` (the start day itself is not counted), with a 暂估 flag.

    Years without an entered calendar count Monday–Friday; the result then carries `provisional=True` and the
    years that were missing.
    """
    known_years = set(CalendarYear.objects.values_list("year", flat=True))
    exceptions: dict[dt.date, bool] = {}
    loaded: set[int] = set()
    missing: list[int] = []
    current, remaining = start, days
    while remaining > 0:
        current += dt.timedelta(days=1)
        year = current.year
        if year not in loaded:
            loaded.add(year)
            if year in known_years:
                exceptions.update(dict(CalendarDay.objects.filter(date__year=year).values_list("date", "is_workday")))
            else:
                missing.append(year)
        workday = exceptions.get(current, current.weekday() < 5) if year in known_years else current.weekday() < 5
        if workday:
            remaining -= 1
    return DueDay(current, bool(missing), tuple(missing))


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
                rows.append(CalendarDay(date=day, is_workday=workday, name=_HOLIDAY_NAMES.get(name or "", name or "")))
            day += dt.timedelta(days=1)
    CalendarDay.objects.bulk_create(rows, ignore_conflicts=True)
    CalendarYear.objects.bulk_create(
        [CalendarYear(year=y, source=PACKAGE_SOURCE) for y in years], ignore_conflicts=True
    )
    return len(years)

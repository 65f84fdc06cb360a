"""节假日历维护: agency administrators enter a year's official holidays and make-up working days (调休上班).

The State Council publishes each next year's arrangement in the autumn; chinese-calendar only knows the years
up to its release. Here an administrator adds or removes single days, imports a year from a file (CSV or .xlsx
with the columns 日期, 类型, 名称), and publishes the year (确认发布), which makes working-day counts into that
year exact. Every write runs in one transaction with its audit events; invalid input is refused whole, with a
Chinese message naming the field (and the row of a file), and nothing is saved.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import unicodedata
from dataclasses import dataclass
from pathlib import PurePath

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from .audit import AuditEntry, audit_write_many
from .choices import CaseStatus, Role
from .errors import ApplicationError, PermissionDeniedError
from .excel import Column, SheetSpec, has_control, header_key, iter_rows, upload_bytes
from .models import CalendarDay, CalendarYear, Case
from .validation import Errors, optional
from .workdays import PACKAGE_SOURCE

HOLIDAY, MAKEUP = "节假日", "调休上班"
KINDS = {HOLIDAY: False, MAKEUP: True}  # type → is_workday
MIN_YEAR, MAX_YEAR = 2004, 2100
WARN_FROM_MONTH = 11  # from 1 November, next year's calendar is due
MAX_FILE_ROWS = 400

CALENDAR_SHEET = SheetSpec(
    sheet="节假日安排",
    columns=(
        Column("date", "日期", width=14, text=True),
        Column("kind", "类型(节假日/调休上班)", width=22),
        Column("name", "名称", width=20),
    ),
    what="节假日安排文件",
    max_rows=MAX_FILE_ROWS,
    max_bytes=1024 * 1024,
)
_DATE = re.compile(r"^([0-9]{4})[-/.年]([0-9]{1,2})[-/.月]([0-9]{1,2})日?$", re.ASCII)


def kind_of(day: CalendarDay) -> str:
    """The type of a calendar day as shown to people: 节假日 or 调休上班."""
    return MAKEUP if day.is_workday else HOLIDAY


def _require_admin(actor) -> None:
    if not (getattr(actor, "is_authenticated", False) and (actor.role == Role.AGENCY_ADMIN or actor.is_superuser)):
        raise PermissionDeniedError("只有机构管理员可以维护节假日历")


def can_maintain(actor) -> bool:
    """May the actor maintain the holiday calendar (agency administrators)?"""
    try:
        _require_admin(actor)
    except PermissionDeniedError:
        return False
    return True


def _year(value) -> int:
    text = unicodedata.normalize("NFKC", str(value if value is not None else "")).strip()
    if not (text.isascii() and text.isdigit()) or not MIN_YEAR <= int(text) <= MAX_YEAR:
        raise ApplicationError(f"年度应为{MIN_YEAR}–{MAX_YEAR}之间的四位年份", field="year")
    return int(text)


def _parse_date(value, *, field: str = "date", where: str = "") -> dt.date:
    """A date written YYYY-MM-DD (also 2027/1/1 or 2027年1月1日), or a date object."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = unicodedata.normalize("NFKC", "" if value is None else str(value)).strip()
    if not text:
        raise ApplicationError(f"{where}日期不能为空", field=field)
    match = _DATE.match(text)
    if match:
        try:
            return dt.date(*(int(g) for g in match.groups()))
        except ValueError:
            pass
    raise ApplicationError(f"{where}日期“{text[:20]}”无效，格式应为YYYY-MM-DD", field=field)


def _date(value, year: int, *, field: str = "date", where: str = "") -> dt.date:
    """A date inside `year`."""
    day = _parse_date(value, field=field, where=where)
    if day.year != year:
        raise ApplicationError(f"{where}日期 {day} 不在{year}年内", field=field)
    return day


def _kind(value, *, field: str = "kind", where: str = "") -> bool:
    text = unicodedata.normalize("NFKC", "" if value is None else str(value)).strip()
    if text not in KINDS:
        raise ApplicationError(f"{where}类型应为“节假日”或“调休上班”", field=field)
    return KINDS[text]


def _check_weekday(day: dt.date, is_workday: bool, *, field: str = "kind", where: str = "") -> None:
    if is_workday and day.weekday() < 5:
        raise ApplicationError(f"{where}{day} 是周一至周五，本来就是工作日，不能登记为调休上班", field=field)


def _audit_day(action: str, day: CalendarDay, *, before: bool = False) -> AuditEntry:
    data = {"date": day.date, "type": kind_of(day), "name": day.name}
    return AuditEntry(action, "calendar_day", day.date.isoformat(), data if before else None, None if before else data)


@transaction.atomic
def calendar_day_add(*, actor, year, date, kind, name: str = "") -> CalendarDay:
    """Add one holiday or make-up working day to a year's calendar (新增节假日安排)."""
    _require_admin(actor)
    errors = Errors()
    year = _year(year)
    day = errors.capture(_date, date, year)
    is_workday = errors.capture(_kind, kind)
    name = errors.capture(optional, name, "name", "名称", max_length=50)
    errors.raise_if_any()
    _check_weekday(day, is_workday)
    if CalendarDay.objects.select_for_update().filter(date=day).exists():
        raise ApplicationError(f"{day} 已在节假日历中，请先删除原记录", field="date")
    row = CalendarDay.objects.create(date=day, is_workday=is_workday, name=name)
    audit_write_many(actor=actor, entries=[_audit_day("calendar_day.add", row)])
    return row


@transaction.atomic
def calendar_day_remove(*, actor, date) -> None:
    """Remove one day from the holiday calendar (删除节假日安排)."""
    _require_admin(actor)
    day = _parse_date(date)
    row = CalendarDay.objects.select_for_update().filter(date=day).first()
    if row is None:
        raise ApplicationError(f"{day} 不在节假日历中", field="date")
    entry = _audit_day("calendar_day.delete", row, before=True)
    row.delete()
    audit_write_many(actor=actor, entries=[entry])


def _source(source, year: int) -> str:
    text = optional(source, "source", "发布依据", max_length=200)
    return text or f"国务院办公厅关于{year}年部分节假日安排的通知"


@transaction.atomic
def calendar_year_publish(*, actor, year, source: str = "") -> CalendarYear:
    """确认发布: the year's arrangement is complete, so working-day counts into it are exact from now on.

    Open cases whose due date was provisional (暂估) for this year get their due date recounted.
    """
    _require_admin(actor)
    year = _year(year)
    source = _source(source, year)
    row = CalendarYear.objects.select_for_update().filter(year=year).first()
    before = {"source": row.source} if row else None
    if row is None:
        row = CalendarYear.objects.create(year=year, source=source)
    else:
        row.source = source
        row.save(update_fields=["source"])
    recounted = _recount_provisional_cases(year)
    action = "calendar_year.add" if before is None else "calendar_year.change"
    after = {"source": source, "days": CalendarDay.objects.filter(date__year=year).count(), "recounted": recounted}
    audit_write_many(actor=actor, entries=[AuditEntry(action, "calendar_year", str(year), before, after)])
    return row


@transaction.atomic
def calendar_year_withdraw(*, actor, year) -> None:
    """撤销发布: the year counts as not maintained again (its days stay, to be corrected and published again)."""
    _require_admin(actor)
    year = _year(year)
    row = CalendarYear.objects.select_for_update().filter(year=year).first()
    if row is None:
        raise ApplicationError(f"{year}年节假日历尚未发布", field="year")
    row.delete()
    entry = AuditEntry("calendar_year.delete", "calendar_year", str(year), {"source": row.source}, None)
    audit_write_many(actor=actor, entries=[entry])


def _recount_provisional_cases(year: int) -> int:
    """Open cases whose 暂估 due date ran into `year`: recount them with the calendar now entered."""
    from .cases import _due

    marker = f"暂估：{year}年"
    open_cases = Case.objects.select_related("item", "agency").filter(
        status__in=[CaseStatus.SUBMITTED, CaseStatus.ACCEPTED], due_note__contains=marker
    )
    changed = []
    for case in open_cases:
        case.due_date, case.due_note = _due(case.item.code, case.agency, timezone.localdate(case.submitted_at))
        changed.append(case)
    Case.objects.bulk_update(changed, ["due_date", "due_note"], batch_size=500)
    return len(changed)


# -- import file -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportResult:
    """What an import did: the year, how many holidays and make-up days it holds, how many days it replaced."""

    year: int
    holidays: int
    makeup_days: int
    replaced: int


def _csv_rows(uploaded) -> list[dict]:
    data, _ = upload_bytes(uploaded, CALENDAR_SHEET)
    for encoding in ("utf-8-sig", "gb18030"):  # Excel for Chinese Windows saves CSV in GBK
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ApplicationError("无法识别CSV文件的编码，请保存为UTF-8编码", field="file")
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    if not header:
        raise ApplicationError("文件为空，请按模板填写日期、类型、名称三列", field="file")
    for idx, column in enumerate(CALENDAR_SHEET.columns):
        got = header_key(header[idx]) if idx < len(header) else ""
        if got != header_key(column.label):
            raise ApplicationError(
                f"表头不正确：第{idx + 1}列应为「{column.label}」，实际为「{got or '空'}」", field="file"
            )
    rows = []
    for number, values in enumerate(reader, start=2):
        if number > MAX_FILE_ROWS + 1:
            raise ApplicationError(f"文件行数超过上限（最多 {MAX_FILE_ROWS} 行）", field="file")
        values = [unicodedata.normalize("NFKC", v).strip() for v in values[:3]] + [""] * (3 - len(values[:3]))
        if any(has_control(v) for v in values):
            raise ApplicationError(f"第{number}行含有控制字符或文字方向控制符，请删除后重新上传", field="file")
        if any(values):
            rows.append({"row": number, "date": values[0], "kind": values[1], "name": values[2]})
    return rows


def read_calendar_file(uploaded) -> list[dict]:
    """The rows of an uploaded calendar file (.csv or .xlsx), each with its row number under 'row'."""
    name = str(getattr(uploaded, "name", "") or "")
    suffix = PurePath(name).suffix.lower()
    if suffix == ".csv":
        return _csv_rows(uploaded)
    if suffix in (".xlsx", ""):
        return list(iter_rows(uploaded, CALENDAR_SHEET))
    raise ApplicationError("只能上传 .csv 或 .xlsx 格式的节假日安排文件", field="file")


@transaction.atomic
def calendar_year_import(*, actor, year, uploaded, source: str = "", publish: bool = True) -> ImportResult:
    """Replace a year's holidays and make-up days with those of a file, and publish the year (导入节假日安排).

    Every row is checked first (date inside the year, type 节假日/调休上班, no date twice, name); one bad row
    refuses the whole file with messages naming the rows, and nothing is saved.
    """
    _require_admin(actor)
    year = _year(year)
    source = _source(source, year) if publish else ""
    rows = read_calendar_file(uploaded)
    if not rows:
        raise ApplicationError("文件中没有数据行", field="file")
    problems: list[str] = []
    seen: dict[dt.date, int] = {}
    days: list[CalendarDay] = []
    for raw in rows:
        where = f"第{raw['row']}行："
        try:
            day = _date(raw["date"], year, where=where)
            is_workday = _kind(raw["kind"], where=where)
            _check_weekday(day, is_workday, where=where)
            name = optional(raw["name"], "name", f"{where}名称", max_length=50)
        except ApplicationError as exc:
            problems.append(exc.message)
            continue
        if day in seen:
            problems.append(f"{where}日期 {day} 与第{seen[day]}行重复")
            continue
        seen[day] = raw["row"]
        days.append(CalendarDay(date=day, is_workday=is_workday, name=name))
    if problems:
        shown = problems[:20] + ([f"……共{len(problems)}处错误"] if len(problems) > 20 else [])
        raise ApplicationError("文件有误，未导入任何数据：" + "；".join(shown), errors={"file": shown})
    old = list(CalendarDay.objects.select_for_update().filter(date__year=year).order_by("date"))
    CalendarDay.objects.filter(date__year=year).delete()
    CalendarDay.objects.bulk_create(days)
    entries = [_audit_day("calendar_day.delete", d, before=True) for d in old]
    entries += [_audit_day("calendar_day.add", d) for d in sorted(days, key=lambda d: d.date)]
    audit_write_many(actor=actor, entries=entries)
    if publish:
        calendar_year_publish(actor=actor, year=year, source=source)
    makeup = sum(1 for d in days if d.is_workday)
    return ImportResult(year=year, holidays=len(days) - makeup, makeup_days=makeup, replaced=len(old))


# -- reads -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class YearStatus:
    """One year of the calendar as the maintenance page lists it: status, source and counts."""

    year: int
    status: str  # "maintained" | "package" | "missing"
    source: str
    holidays: int
    makeup_days: int

    @property
    def label(self) -> str:
        """The status in Chinese."""
        return {"maintained": "已维护", "package": "来自日历库", "missing": "未维护"}[self.status]


def calendar_years(today: dt.date, *, ahead: int = 1, back: int = 3) -> list[YearStatus]:
    """The years around today (and every year entered), newest first, with their status."""
    published = dict(CalendarYear.objects.values_list("year", "source"))
    counts: dict[tuple[int, bool], int] = {}
    for day, is_workday in CalendarDay.objects.filter(date__year__gte=today.year - back).values_list(
        "date", "is_workday"
    ):
        counts[(day.year, is_workday)] = counts.get((day.year, is_workday), 0) + 1
    years = set(range(today.year - back, today.year + ahead + 1))
    years |= {y for y in published if y >= today.year - back} | {y for y, _ in counts}
    out = []
    for year in sorted(years, reverse=True):
        source = published.get(year)
        status = "missing" if source is None else "package" if source == PACKAGE_SOURCE else "maintained"
        out.append(YearStatus(year, status, source or "", counts.get((year, False), 0), counts.get((year, True), 0)))
    return out


def calendar_warning(user, today: dt.date) -> dict | None:
    """For agency administrators: the years whose calendar is missing and due (this year; next year from 1 Nov)."""
    if not can_maintain(user):
        return None
    due = [today.year] + ([today.year + 1] if today.month >= WARN_FROM_MONTH else [])
    published = set(CalendarYear.objects.filter(year__in=due).values_list("year", flat=True))
    missing = [y for y in due if y not in published]
    if not missing:
        return None
    years = "、".join(f"{y}年" for y in missing)
    return {
        "years": missing,
        "message": f"{years}法定节假日安排尚未维护：办结时限暂按周一至周五计算（暂估）。"
        "请在国务院办公厅公布节假日安排后录入或导入。",
        "url": reverse("core:calendar-year", args=[missing[-1]]),
    }

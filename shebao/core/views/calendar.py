"""节假日历维护 (/calendar/): agency administrators see which years have a holiday calendar, add or remove days,
import a year from a file and publish it. Everyone else gets 403. The views parse input and call one service of
`shebao.core.calendar_services`; a refused input re-renders the page with the messages (400, nothing saved).
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from ..calendar_services import (
    CALENDAR_SHEET,
    HOLIDAY,
    KINDS,
    MAKEUP,
    MAX_YEAR,
    MIN_YEAR,
    calendar_day_add,
    calendar_day_remove,
    calendar_year_import,
    calendar_year_publish,
    calendar_year_withdraw,
    calendar_years,
    can_maintain,
    kind_of,
)
from ..choices import Role
from ..errors import ApplicationError
from ..excel import template_workbook
from ..items import AppUi, Link, register_app
from ..models import CalendarDay, CalendarYear
from .helpers import error_status

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# The staff sidebar shows 节假日历 to agency administrators (imported by CoreConfig.ready()).
register_app(
    AppUi(
        app="core.calendar",
        nav_links=(Link("节假日历", "core:calendar", roles=(Role.AGENCY_ADMIN,), active_on=("core:calendar-year",)),),
    )
)


def calendar_admin_required(view: Callable) -> Callable:
    """Agency administrators only; every other role gets 403."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        if not can_maintain(request.user):
            raise PermissionDenied("节假日历仅限机构管理员维护")
        return view(request, *args, **kwargs)

    return login_required(wrapper)


def _errors(exc: ApplicationError) -> list[str]:
    listed = [m for msgs in exc.errors.values() for m in msgs]
    return listed or [exc.message]


@calendar_admin_required
def calendar_index(request: HttpRequest) -> HttpResponse:
    """节假日历: the years with their status (已维护 / 未维护 / 来自日历库) and the import form."""
    return _render_index(request)


def _render_index(request: HttpRequest, *, errors=(), values=None, status: int = 200) -> HttpResponse:
    today = timezone.localdate()
    context = {
        "years": calendar_years(today),
        "errors": list(errors),
        "values": values or {"year": today.year + 1},
        "min_year": MIN_YEAR,
        "max_year": MAX_YEAR,
    }
    return render(request, "core/calendar_index.html", context, status=status)


@calendar_admin_required
@require_POST
def calendar_import(request: HttpRequest) -> HttpResponse:
    """导入节假日安排: a CSV or .xlsx file replaces the year's days and publishes the year."""
    year, source = request.POST.get("year", ""), request.POST.get("source", "")
    try:
        result = calendar_year_import(actor=request.user, year=year, uploaded=request.FILES.get("file"), source=source)
    except ApplicationError as exc:
        values = {"year": year, "source": source}
        return _render_index(request, errors=_errors(exc), values=values, status=error_status(exc))
    messages.success(
        request,
        f"已导入{result.year}年节假日安排：节假日 {result.holidays} 天、调休上班 {result.makeup_days} 天，并已发布",
    )
    return redirect("core:calendar-year", year=result.year)


@calendar_admin_required
def calendar_template(request: HttpRequest) -> HttpResponse:
    """The blank import template (.xlsx) with its instructions."""
    help_lines = [
        ("1", "每行一个日期：法定节假日（放假的日子）或调休上班日（周六、周日上班）。"),
        ("2", "日期格式 YYYY-MM-DD，例如 2027-01-01；所有日期须在导入的年度内，同一日期不能出现两次。"),
        ("3", f"类型只能填“{HOLIDAY}”或“{MAKEUP}”；调休上班日须为周六或周日。"),
        ("4", "名称填节日名称，如“春节”，可不填。也可用同样三列的 CSV 文件（UTF-8 编码）导入。"),
        ("5", "导入会替换该年度已录入的全部日期，并将该年度标记为已维护；有任何一行错误时整个文件不导入。"),
    ]
    body = template_workbook(CALENDAR_SHEET, help_lines)
    response = HttpResponse(body, content_type=XLSX)
    response["Content-Disposition"] = "attachment; filename*=UTF-8''%E8%8A%82%E5%81%87%E6%97%A5%E5%AE%89%E6%8E%92.xlsx"
    return response


@calendar_admin_required
def calendar_year(request: HttpRequest, year: int) -> HttpResponse:
    """One year's calendar: its days, the add form, remove buttons, publish / withdraw."""
    return _render_year(request, year)


def _render_year(request: HttpRequest, year: int, *, errors=(), values=None, status: int = 200) -> HttpResponse:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise Http404("年度超出范围")
    days = CalendarDay.objects.filter(date__year=year).order_by("date")
    published = CalendarYear.objects.filter(year=year).first()
    context = {
        "year": year,
        "published": published,
        "rows": [{"day": d, "kind": kind_of(d)} for d in days],
        "kinds": list(KINDS),
        "errors": list(errors),
        "values": values or {},
        "default_source": f"国务院办公厅关于{year}年部分节假日安排的通知",
    }
    return render(request, "core/calendar_year.html", context, status=status)


@calendar_admin_required
@require_POST
def calendar_day_add_view(request: HttpRequest, year: int) -> HttpResponse:
    """新增一天: a holiday or a make-up working day of the year."""
    values = {k: request.POST.get(k, "") for k in ("date", "kind", "name")}
    try:
        day = calendar_day_add(actor=request.user, year=year, **values)
    except ApplicationError as exc:
        return _render_year(request, year, errors=_errors(exc), values=values, status=error_status(exc))
    messages.success(request, f"已新增 {day.date} {kind_of(day)}")
    return redirect("core:calendar-year", year=year)


@calendar_admin_required
@require_POST
def calendar_day_remove_view(request: HttpRequest, year: int) -> HttpResponse:
    """删除一天 of the year's calendar."""
    try:
        calendar_day_remove(actor=request.user, date=request.POST.get("date", ""))
    except ApplicationError as exc:
        return _render_year(request, year, errors=_errors(exc), status=error_status(exc))
    messages.success(request, f"已删除 {request.POST.get('date', '')}")
    return redirect("core:calendar-year", year=year)


@calendar_admin_required
@require_POST
def calendar_year_publish_view(request: HttpRequest, year: int) -> HttpResponse:
    """确认发布 (or 撤销发布 with action=withdraw) the year's arrangement."""
    source = request.POST.get("source", "")
    try:
        if request.POST.get("action") == "withdraw":
            calendar_year_withdraw(actor=request.user, year=year)
            messages.success(request, f"已撤销发布{year}年节假日历，该年度办结时限将按周一至周五暂估")
        else:
            calendar_year_publish(actor=request.user, year=year, source=source)
            messages.success(request, f"已发布{year}年节假日历，办结时限按此计算")
    except ApplicationError as exc:
        return _render_year(request, year, errors=_errors(exc), values={"source": source}, status=error_status(exc))
    return redirect("core:calendar-year", year=year)

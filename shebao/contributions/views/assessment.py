"""Cluster 02 (assessment): 020301 应缴额核定 pages and their routes.

Workbench: 应缴核定 (start a month's assessment or a 补充核定 — executed at once in-process, or on Celery workers;
the clerk lands on the run page with its progress bar — and the recent runs), the month's summary by insurance type
with the employers drill-down, an employer's month (person lines) and the Excel export of a month. Portal: 我的账单,
the employer's bill per month.
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Max
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone

from shebao.core.access import has_grant
from shebao.core.batch import batch_run
from shebao.core.catalog import catalog_view
from shebao.core.choices import Action, Role
from shebao.core.errors import ApplicationError, NotFoundError
from shebao.core.models import Region
from shebao.core.views import error_status, paginate, role_required, staff_required

from ..forms.assessment import AssessmentStartForm
from ..services.assessment import (
    assessment_runs_for,
    assessment_start,
    check_month,
    employer_of,
    employer_totals,
    month_lines,
    month_runs,
    receivables_for,
    totals_of,
)
from ..services.assessment_batch import ITEM
from ..services.assessment_bill import bill_persons, employer_bill
from ..services.assessment_export import EXPORT_LIMIT, export_month


def _can_view(user) -> None:
    if not (has_grant(user, ITEM, Action.VIEW) or has_grant(user, ITEM, Action.HANDLE)):
        raise PermissionDenied("您没有查看应缴额核定（020301）的权限")


def _this_month() -> dt.date:
    return timezone.localdate().replace(day=1)


def _month_arg(request: HttpRequest, default: dt.date) -> tuple[dt.date, str]:
    """?month=YYYY-MM (default when absent) and the message to show when it is malformed."""
    text = request.GET.get("month", "").strip()
    if not text:
        return default, ""
    try:
        return check_month(text), ""
    except ApplicationError as exc:
        return default, exc.message


def _region_arg(request: HttpRequest) -> Region:
    """?region= within the clerk's region (404 otherwise); default the clerk's agency's region."""
    from shebao.core.batch import region_prefix

    own = request.user.agency.region
    code = request.GET.get("region", "").strip() or own.code
    region = Region.objects.filter(code=code).first() if code.isascii() and code.isdigit() else None
    if region is None or not region.code.startswith(region_prefix(own)):
        raise Http404("区划不存在或不在您的数据范围内")
    return region


@catalog_view(ITEM)
@staff_required
def assessment_home(request: HttpRequest) -> HttpResponse:
    """020301 应缴核定: start a month's assessment (or a 补充核定) and see the recent runs."""
    user = request.user
    _can_view(user)
    can_run = has_grant(user, ITEM, Action.HANDLE)
    initial = {"region": user.agency.region_id, "month": f"{_this_month():%Y-%m}"}
    form = AssessmentStartForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        if not can_run:
            raise PermissionDenied("您没有办理应缴额核定（020301）的经办权限")
        if form.is_valid():
            try:
                run = assessment_start(
                    actor=user,
                    region=form.value("region") or None,
                    month=form.value("month") or None,
                    supplementary=bool(form.value("supplementary", False)),
                )
            except NotFoundError as exc:
                raise Http404(exc.message) from None
            except ApplicationError as exc:
                form.add_service_error(exc)
                status = error_status(exc)
            else:
                which = f"补充核定第{run.seq}批" if run.seq else "主批次"
                run = batch_run(run)
                messages.success(
                    request,
                    f"已发起 {run.region_id} {run.period:%Y-%m} 月度应缴核定（批次 #{run.pk}，{which}，"
                    f"{run.chunks_total} 个分块）：{run.get_status_display()}，已写入 {run.rows} 条应收明细",
                )
                return redirect("core:batch-detail", run_id=run.pk)
        else:
            status = 400
    runs = assessment_runs_for(user).order_by("-period", "-seq", "-id")[:12]
    context = {"form": form, "runs": runs, "can_run": can_run, "month": _this_month()}
    return render(request, "contributions/assessment/home.html", context, status=status)


@staff_required
def assessment_month(request: HttpRequest) -> HttpResponse:
    """月度核定汇总: a region's month by insurance type, its runs, and the employers with their totals."""
    user = request.user
    _can_view(user)
    region = _region_arg(request)
    last = assessment_runs_for(user).filter(region=region).aggregate(m=Max("period"))["m"]
    month, error = _month_arg(request, last or _this_month())
    lines = month_lines(user, region=region, month=month)
    context = {
        "region": region,
        "month": month,
        "month_error": error,
        "totals": totals_of(lines),
        "runs": month_runs(user, region=region, month=month),
        "page": paginate(request, employer_totals(lines)),
        "export_limit": EXPORT_LIMIT,
    }
    return render(request, "contributions/assessment/month.html", context, status=400 if error else 200)


@staff_required
def assessment_employer(request: HttpRequest, employer_id: int) -> HttpResponse:
    """单位月度应缴明细 (workbench): the unit's bill for a month with every person's lines."""
    _can_view(request.user)
    try:
        employer = employer_of(request.user, employer_id)
    except NotFoundError as exc:
        raise Http404(exc.message) from None
    return _bill_page(request, employer, template="contributions/assessment/employer.html")


@role_required(Role.EMPLOYER)
def assessment_bill(request: HttpRequest) -> HttpResponse:
    """网上经办 · 我的账单: the unit's bill for a month (per person and insurance type, both parts, due date)."""
    try:
        employer = employer_of(request.user, request.user.employer_id or 0)
    except NotFoundError as exc:
        raise Http404(exc.message) from None
    return _bill_page(request, employer, template="contributions/assessment/portal_bill.html")


def _bill_page(request: HttpRequest, employer, *, template: str) -> HttpResponse:
    months = list(
        receivables_for(request.user)
        .filter(employer=employer)
        .order_by("-period")
        .values_list("period", flat=True)
        .distinct()[:24]
    )
    month, error = _month_arg(request, months[0] if months else _this_month())
    bill = employer_bill(actor=request.user, employer=employer, month=month)
    page, persons = bill_persons(request.user, employer, month, page=request.GET.get("page") or 1)
    context = {
        "employer": employer,
        "month": month,
        "months": months,
        "month_error": error,
        "bill": bill,
        "page": page,
        "persons": persons,
    }
    return render(request, template, context, status=400 if error else 200)


@staff_required
def assessment_export(request: HttpRequest) -> HttpResponse:
    """月度应缴明细导出 (.xlsx): the month's lines of the region (or of one employer), ID numbers masked."""
    user = request.user
    _can_view(user)
    region = _region_arg(request)
    month, error = _month_arg(request, _this_month())
    if error:
        return HttpResponse(error, status=400, content_type="text/plain; charset=utf-8")
    employer = request.GET.get("employer", "").strip()
    try:
        filename, content = export_month(
            actor=user, region=region, month=month, employer_id=int(employer) if employer.isdigit() else None
        )
    except NotFoundError as exc:
        raise Http404(exc.message) from None
    except ApplicationError as exc:
        return HttpResponse(exc.message, status=error_status(exc), content_type="text/plain; charset=utf-8")
    response = HttpResponse(content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


urlpatterns = [
    path("assessment/", assessment_home, name="assessment-home"),
    path("assessment/month/", assessment_month, name="assessment-month"),
    path("assessment/month/export.xlsx", assessment_export, name="assessment-export"),
    path("assessment/employers/<int:employer_id>/", assessment_employer, name="assessment-employer"),
    path("portal/bill/", assessment_bill, name="assessment-bill"),
]

"""Cluster 11 (quality): 1106 数据质量检查 pages and their routes.

质量检查 (start a run over an agency's subtree — executed at once in this process — the runs in scope and the rule
registry), the report of a run (counts per rule, the records found, paged and filtered by rule, the trend over the
agency's recent runs as an inline SVG bar chart) and its Excel download. Agency administrators and auditors only.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path

from shebao.core.catalog import catalog_view
from shebao.core.errors import ApplicationError, NotFoundError
from shebao.core.views import error_status, paginate, staff_required

from ..forms.quality import QualityStartForm
from ..services.quality import (
    ITEM,
    agencies_for,
    can_use_quality,
    check_rule,
    findings_of,
    quality_check,
    quality_run_get_for,
    quality_runs_for,
    rule_rows,
    rules_in_order,
    trend,
)
from ..services.quality_export import ROWS_PER_SHEET, export_run
from ..services.quality_rules import ObjectType


def _allowed(user) -> None:
    if not can_use_quality(user):
        raise PermissionDenied("数据质量检查仅限机构管理员、稽核员发起和查看")


def _run_or_404(request: HttpRequest, run_id: int):
    try:
        return quality_run_get_for(actor=request.user, run_id=run_id)
    except NotFoundError as exc:
        raise Http404(exc.message) from None


@catalog_view(ITEM)
@staff_required
def quality_home(request: HttpRequest) -> HttpResponse:
    """1106 数据质量检查: start a run, the runs in scope and the rule registry."""
    user = request.user
    _allowed(user)
    agencies = list(agencies_for(user)[:500])
    initial = {"agency": user.agency.code, "rules": [r.code for r in rules_in_order()]}
    form = QualityStartForm(request.POST or None, initial=initial, agencies=agencies)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                run = quality_check(actor=user, agency=form.value("agency") or None, rules=form.value("rules", []))
            except NotFoundError as exc:
                raise Http404(exc.message) from None
            except ApplicationError as exc:
                form.add_service_error(exc)
                status = error_status(exc)
            else:
                messages.success(request, f"数据质量检查 #{run.pk} 已完成：发现问题记录 {run.total} 条")
                return redirect("operations:quality-run", run_id=run.pk)
        else:
            status = 400
    context = {
        "form": form,
        "page": paginate(request, quality_runs_for(user).order_by("-id")),
        "rules": rules_in_order(),
    }
    return render(request, "operations/quality/home.html", context, status=status)


@staff_required
def quality_run_page(request: HttpRequest, run_id: int) -> HttpResponse:
    """数据质量检查报告: counts per rule, the records found (paged, ?rule=) and the trend over recent runs."""
    _allowed(request.user)
    run = _run_or_404(request, run_id)
    rule, rule_error = request.GET.get("rule", "").strip(), ""
    if rule:
        try:
            rule = check_rule(rule)
        except ApplicationError as exc:
            rule, rule_error = "", exc.message
    context = {
        "run": run,
        "rows": rule_rows(run),
        "rule": rule,
        "rule_error": rule_error,
        "page": paginate(request, findings_of(run, rule=rule or None)),
        "labels": dict(ObjectType.choices),
        "trend": trend(run),
        "rows_per_sheet": ROWS_PER_SHEET,
    }
    return render(request, "operations/quality/run.html", context, status=400 if rule_error else 200)


@staff_required
def quality_export(request: HttpRequest, run_id: int) -> HttpResponse:
    """数据质量检查报告下载 (.xlsx): 汇总 and one sheet per rule, ID numbers masked."""
    _allowed(request.user)
    run = _run_or_404(request, run_id)
    filename, content = export_run(run)
    response = HttpResponse(content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    from urllib.parse import quote

    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


urlpatterns = [
    path("quality/", quality_home, name="quality-home"),
    path("quality/runs/<int:run_id>/", quality_run_page, name="quality-run"),
    path("quality/runs/<int:run_id>/export.xlsx", quality_export, name="quality-export"),
]

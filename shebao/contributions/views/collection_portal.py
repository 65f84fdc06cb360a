"""Employer portal pages of collection (单位网上经办): the bill (020402), online payment, arrears (020501)."""

from __future__ import annotations

import secrets

from django.contrib import messages
from django.db.models import F, Q, Sum
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone

from shebao.core.access import has_grant
from shebao.core.catalog import catalog_view
from shebao.core.choices import Action, Role
from shebao.core.errors import ApplicationError
from shebao.core.views import error_status, paginate, role_required
from shebao.registration.selectors import employer_get_for

from ..choices import Collector
from ..forms.collection import OnlinePaymentForm
from ..selectors.collection import arrears_lines, arrears_scope, arrears_summary, collector_for, payments_of
from ..services.collection_payments import payment_online

T = "contributions/collection/"


def _my_unit(request: HttpRequest):
    if not request.user.employer_id:
        raise Http404("您的账户未关联参保单位")
    try:
        return employer_get_for(actor=request.user, employer_id=request.user.employer_id)
    except ApplicationError as exc:
        raise Http404(exc.message) from None


def _bill_months(request, employer):
    """Per month: what was due, what has been paid, what is open (contributions and late fees together)."""
    return (
        arrears_scope(request.user)
        .filter(employer_id=employer.pk)
        .values("period")
        .annotate(
            due=Sum(F("employer_due") + F("individual_due")),
            paid=Sum(F("employer_paid") + F("individual_paid")),
            open=Sum(F("employer_arrears") + F("individual_arrears")),
            late_fee=Sum(F("employer_arrears") + F("individual_arrears"), filter=Q(line_class="late_fee")),
        )
        .order_by("-period")
    )


@catalog_view("020402")
@role_required(Role.EMPLOYER)
def portal_bill(request: HttpRequest) -> HttpResponse:
    """020402 缴费账单: each month's dues, payments and what is open; the payments and their receipts."""
    employer = _my_unit(request)
    summary = arrears_summary(actor=request.user, employer=employer)
    context = {
        "employer": employer,
        "summary": summary,
        "months": paginate(request, _bill_months(request, employer)),
        "payments": payments_of(actor=request.user, employer=employer)[:20],
        "tax": collector_for(employer.agency.region_id, timezone.localdate()) == Collector.TAX,
        "can_pay": has_grant(request.user, "020402", Action.HANDLE),
    }
    return render(request, T + "portal_bill.html", context)


@catalog_view("020402")
@role_required(Role.EMPLOYER)
def portal_pay(request: HttpRequest) -> HttpResponse:
    """020402 网上缴费: the unit pays what it owes (or any amount; the rest is kept as credit)."""
    employer = _my_unit(request)
    if not has_grant(request.user, "020402", Action.HANDLE):
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied("您没有网上缴费的权限")
    summary = arrears_summary(actor=request.user, employer=employer)
    tax = collector_for(employer.agency.region_id, timezone.localdate()) == Collector.TAX
    owed = max(summary.total - summary.credit, 0)
    form = OnlinePaymentForm(
        request.POST or None, initial={"amount": f"{owed:.2f}", "request_id": secrets.token_hex(16)}
    )
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            payment = payment_online(
                actor=request.user, employer=employer, amount=form.value("amount"), request_id=form.value("request_id")
            )
        except ApplicationError as exc:
            form.add_service_error(exc)
            status = error_status(exc)
        else:
            if payment.replayed:
                messages.info(request, "该笔缴费已经完成，未重复扣款")
            else:
                messages.success(request, f"缴费成功：{payment.amount:,.2f} 元已入账，可在缴费记录中打印缴费凭证")
            return redirect("contributions:collection-portal-bill")
    elif request.method == "POST":
        status = 400
    context = {"employer": employer, "summary": summary, "form": form, "tax": tax, "owed": owed}
    return render(request, T + "portal_pay.html", context, status=status)


@catalog_view("020501")
@role_required(Role.EMPLOYER)
def portal_arrears(request: HttpRequest) -> HttpResponse:
    """020501 欠费查询: what the unit owes by ageing, type and month, and line by line."""
    employer = _my_unit(request)
    lines = arrears_lines(actor=request.user, employer=employer)
    context = {
        "employer": employer,
        "summary": arrears_summary(actor=request.user, employer=employer),
        "page": paginate(request, lines),
    }
    return render(request, T + "portal_arrears.html", context)


urlpatterns = [
    path("collection/portal/bill/", portal_bill, name="collection-portal-bill"),
    path("collection/portal/pay/", portal_pay, name="collection-portal-pay"),
    path("collection/portal/arrears/", portal_arrears, name="collection-portal-arrears"),
]

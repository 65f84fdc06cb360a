"""Employer portal (网上经办: 增员/减员 online) and the insured person's own page (我的社保)."""

from __future__ import annotations

from django.conf import settings
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from shebao.core.access import cases_for
from shebao.core.catalog import catalog_view
from shebao.core.choices import CaseStatus, Role
from shebao.core.errors import ApplicationError
from shebao.core.models import Case
from shebao.core.views import (
    paginate,
    role_required,
)

from .. import forms as f
from ..choices import (
    EnrolmentStatus,
    PersonCategory,
)
from ..models import Employer, Enrolment
from ..selectors import (
    active_employee_count,
    enrolments_of,
    person_search,
)
from ..services import (
    person_change,
    person_enrol,
)
from .common import _employer_or_404, _person_or_404, _submit
from .persons import _bulk

XLSX = settings.SHEBAO_UPLOAD_TYPES[".xlsx"]
BULK_ERRORS_KEY = "registration.bulk_errors"


# --------------------------------------------------------------------------------------------------------------
# Employer portal (网上经办)
# --------------------------------------------------------------------------------------------------------------


def _my_unit(request: HttpRequest) -> Employer:
    if not request.user.employer_id:
        raise Http404("您的账户未关联参保单位")
    return _employer_or_404(request, request.user.employer_id)


@role_required(Role.EMPLOYER)
def portal_home(request: HttpRequest) -> HttpResponse:
    """网上经办 · 我的单位: registration details, insurance types, employee count and recent applications."""
    employer = _my_unit(request)
    cases = cases_for(request.user).select_related("item__parent")
    context = {
        "employer": employer,
        "insurances": employer.insurances.filter(active=True).select_related("insurance_type"),
        "active_count": active_employee_count(employer),
        "cases": cases[:10],
        "pending": cases.filter(status__in=[CaseStatus.SUBMITTED, CaseStatus.ACCEPTED]).count(),
    }
    return render(request, "registration/portal_home.html", context)


@role_required(Role.EMPLOYER)
def portal_employees(request: HttpRequest) -> HttpResponse:
    """网上经办 · 职工名单: the unit's employees with their enrolments (ID numbers masked)."""
    employer = _my_unit(request)
    q = request.GET.get("q", "").strip()
    qs = person_search(actor=request.user, q=q, employer_id=employer.pk).prefetch_related(
        Prefetch(
            "enrolments",
            queryset=Enrolment.objects.exclude(status="ended").select_related("insurance_type"),
            to_attr="open_enrolments",
        )
    )
    page = paginate(request, qs)
    for person in page.object_list:
        person.can_leave = any(
            e.status == EnrolmentStatus.ACTIVE and e.employer_id == employer.pk for e in person.open_enrolments
        )
    return render(request, "registration/portal_employees.html", {"employer": employer, "employees": page, "q": q})


@catalog_view("01010201")
@role_required(Role.EMPLOYER)
def portal_enrol(request: HttpRequest) -> HttpResponse:
    """01010201 网上增员: the unit declares one new employee; the agency accepts and reviews it."""
    employer = _my_unit(request)
    form = f.PersonEnrolForm(
        request.POST or None,
        employer=employer,
        initial={"start_month": f"{timezone.localdate():%Y-%m}", "ethnicity": "汉族"},
    )

    def call() -> Case:
        return person_enrol(
            actor=request.user, data=form.service_data(), employer=employer, category=PersonCategory.EMPLOYEE
        )

    return _submit(
        request,
        form,
        call,
        "registration/person_enrol.html",
        {"employer": employer, "code": "01010201", "portal": True},
    )


@catalog_view("01010201")
@role_required(Role.EMPLOYER)
def portal_enrol_bulk(request: HttpRequest) -> HttpResponse:
    """01010201 网上批量增员: the unit uploads the Excel template."""
    employer = _my_unit(request)
    return _bulk(
        request,
        employer=employer,
        template="registration/person_bulk.html",
        context={"employer": employer, "code": "01010201", "portal": True},
    )


@catalog_view("01010202")
@role_required(Role.EMPLOYER)
def portal_leave(request: HttpRequest, person_id: int) -> HttpResponse:
    """01010202 网上减员: 停保 of every insurance type the employee holds with the unit, with the reason."""
    employer = _my_unit(request)
    person = _person_or_404(request, person_id)
    active = list(
        person.enrolments.filter(status=EnrolmentStatus.ACTIVE, employer=employer)
        .select_related("insurance_type")
        .order_by("insurance_type_id")
    )
    form = f.LeaveForm(request.POST or None, initial={"change_month": f"{timezone.localdate():%Y-%m}"})

    def call() -> Case:
        if not active:
            raise ApplicationError("该职工没有在本单位参保缴费的险种，无需减员", field="non_field_errors")
        return person_change(
            actor=request.user,
            person=person,
            suspend_insurances=[e.insurance_type_id for e in active],
            change_month=form.value("change_month") or None,
            reason=form.value("reason"),
        )

    return _submit(
        request,
        form,
        call,
        "registration/simple_form.html",
        {
            "person": person,
            "employer": employer,
            "code": "01010202",
            "title": "减员",
            "submit": "提交减员申请",
            "back": reverse("registration:portal-employees"),
            "portal": True,
            "leave_types": active,
            "intro": "自减员月份起，该职工在本单位参加的以下险种暂停缴费（停保），经办机构受理复核后生效。",
        },
    )


# --------------------------------------------------------------------------------------------------------------
# Insured person (我的社保)
# --------------------------------------------------------------------------------------------------------------


@role_required(Role.INSURED)
def insured_home(request: HttpRequest) -> HttpResponse:
    """我的社保: own details, enrolments per insurance type and own applications."""
    if not request.user.person_id:
        raise Http404("您的账户未关联参保人")
    person = _person_or_404(request, request.user.person_id)
    return render(
        request,
        "registration/insured_home.html",
        {
            "person": person,
            "enrolments": enrolments_of(person),
            "cases": cases_for(request.user).select_related("item__parent")[:20],
        },
    )

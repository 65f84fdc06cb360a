"""Employer portal (网上经办: 增员/减员 online) and the insured person's own page (我的社保)."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from shebao.core import validation as v
from shebao.core.access import cases_for, has_grant
from shebao.core.catalog import catalog_view
from shebao.core.choices import Action, CaseStatus, Role
from shebao.core.errors import ApplicationError
from shebao.core.forms import ServiceForm
from shebao.core.models import Case
from shebao.core.views import (
    grant_required,
    paginate,
    role_required,
)

from .. import forms as f
from ..choices import (
    EnrolmentStatus,
    PersonCategory,
    PersonStatus,
)
from ..models import Employer, Enrolment, Person
from ..selectors import (
    EMPLOYEE_FILTERS,
    employee_counts,
    employees_of,
    enrolments_of,
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
        "counts": employee_counts(actor=request.user, employer=employer),
        "cases": cases[:10],
        "pending": cases.filter(status__in=[CaseStatus.SUBMITTED, CaseStatus.ACCEPTED]).count(),
        "can": {code: has_grant(request.user, code, Action.HANDLE) for code in ("01010201", "01010202")},
    }
    return render(request, "registration/portal_home.html", context)


@role_required(Role.EMPLOYER)
def portal_employees(request: HttpRequest) -> HttpResponse:
    """网上经办 · 职工名单: the unit's employees by status (在职参保 / 暂停（减员） / 全部) with counts, IDs masked."""
    employer = _my_unit(request)
    q = request.GET.get("q", "").strip()
    status = request.GET.get("status", "")
    status = status if status in EMPLOYEE_FILTERS else "active"
    qs = employees_of(actor=request.user, employer=employer, status=status, q=q).prefetch_related(
        Prefetch(
            "enrolments",
            queryset=Enrolment.objects.exclude(status=EnrolmentStatus.ENDED).select_related("insurance_type"),
            to_attr="open_enrolments",
        )
    )
    page = paginate(request, qs)
    for person in page.object_list:
        person.can_leave = any(
            e.status == EnrolmentStatus.ACTIVE and e.employer_id == employer.pk for e in person.open_enrolments
        )
    counts = employee_counts(actor=request.user, employer=employer)
    filters = [(key, label, counts[key]) for key, label in EMPLOYEE_FILTERS.items()]
    context = {
        "employer": employer,
        "employees": page,
        "q": q,
        "status": status,
        "filters": filters,
        "can_enrol": has_grant(request.user, "01010201", Action.HANDLE),
        "can_leave": has_grant(request.user, "01010202", Action.HANDLE),
    }
    return render(request, "registration/portal_employees.html", context)


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


def _me(request: HttpRequest) -> Person:
    """The insured user's own record (their account is linked to exactly one person)."""
    if not request.user.person_id:
        raise Http404("您的账户未关联参保人")
    return _person_or_404(request, request.user.person_id)


def _my_changes(request: HttpRequest, person: Person):
    return cases_for(request.user).filter(item_id="01010202", person=person).select_related("item__parent")


@role_required(Role.INSURED)
def insured_home(request: HttpRequest) -> HttpResponse:
    """我的社保: own details, enrolments per insurance type and own applications."""
    person = _me(request)
    return render(
        request,
        "registration/insured_home.html",
        {
            "person": person,
            "enrolments": enrolments_of(person),
            "cases": cases_for(request.user).select_related("item__parent")[:20],
            "can_change": person.status == PersonStatus.ACTIVE and has_grant(request.user, "01010202", Action.HANDLE),
        },
    )


class ContactChangeForm(ServiceForm):
    """变更联系方式 (01010202 by the insured person online): telephone and address, every error reported at once."""

    phone = forms.CharField(label="联系电话", required=False, max_length=30, help_text="手机号11位，或区号-座机号")
    address = forms.CharField(label="居住地址", required=False, max_length=250)

    required_fields = ("phone", "address")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in self.required_fields:
            self.fields[name].widget.attrs["aria-required"] = "true"

    def clean(self):
        """The same checks (and Chinese messages) as the service, all at once, before anything is submitted."""
        data = super().clean()
        errors = v.Errors()
        phone = errors.capture(v.required, data.get("phone"), "phone", "联系电话", max_length=20)
        if phone:
            errors.capture(v.phone, phone)
        errors.capture(v.required, data.get("address"), "address", "居住地址", max_length=200)
        for field, messages in errors.errors.items():
            for message in messages:
                self.add_error(field if field in self.fields else None, message)
        return data

    def changes(self) -> dict:
        """The contact details as the service takes them."""
        return {"phone": self.value("phone"), "address": self.value("address")}


@catalog_view("01010202")
@role_required(Role.INSURED)
@grant_required("01010202")
def insured_change(request: HttpRequest) -> HttpResponse:
    """01010202 变更联系方式 online: the insured person changes their own phone and address; the agency reviews."""
    person = _me(request)
    form = ContactChangeForm(
        request.POST or None, initial={"phone": person.phone, "address": person.address}, auto_id="id_%s"
    )

    def call() -> Case:
        return person_change(actor=request.user, person=person, changes=form.changes())

    return _submit(
        request,
        form,
        call,
        "registration/insured_change.html",
        {"person": person, "code": "01010202", "cases": _my_changes(request, person)[:10]},
    )

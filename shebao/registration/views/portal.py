"""Employer portal (网上经办: 增员/减员 online) and the insured person's own page (我的社保)."""

from __future__ import annotations

from django import forms
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from shebao.core import validation as v
from shebao.core.access import cases_for, has_grant
from shebao.core.choices import Action, CaseStatus, Role
from shebao.core.errors import ApplicationError
from shebao.core.forms import ServiceForm
from shebao.core.models import Case
from shebao.core.views import ItemFormView, paginate, role_required

from .. import forms as f
from ..choices import (
    EnrolmentStatus,
    PersonStatus,
)
from ..models import Employer, Enrolment, Person
from ..selectors import (
    EMPLOYEE_FILTERS,
    employee_counts,
    employees_of,
    enrolments_of,
    person_get_for,
)
from ..services import (
    person_change,
)
from .common import _employer_or_404, _person_or_404
from .persons import PersonBulkView, PersonEnrolView

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


class _OwnUnit:
    """A portal page of the employer's own unit (the subject is always the user's unit, whatever is posted)."""

    role = Role.EMPLOYER

    def get_subject(self):
        return _my_unit(self.request)

    def get_context_data(self, **extra) -> dict:
        return super().get_context_data(portal=True, **extra)


class PortalEnrolView(_OwnUnit, PersonEnrolView):
    """01010201 网上增员: the unit declares one new employee; the agency accepts and reviews it."""


portal_enrol = PortalEnrolView.as_view()


class PortalBulkView(_OwnUnit, PersonBulkView):
    """01010201 网上批量增员: the unit uploads the Excel template."""


portal_enrol_bulk = PortalBulkView.as_view()


class PortalLeaveView(ItemFormView):
    """01010202 网上减员: 停保 of every insurance type the employee holds with the unit, with the reason."""

    item_code = "01010202"
    role = Role.EMPLOYER
    title, submit_label = "减员", "提交减员申请"
    intro = "自减员月份起，该职工在本单位参加的以下险种暂停缴费（停保），经办机构受理复核后生效。"
    form_class = f.LeaveForm

    def get_subject(self, person_id):
        self.employer = _my_unit(self.request)
        person = person_get_for(actor=self.request.user, person_id=person_id)
        self.active = list(
            person.enrolments.filter(status=EnrolmentStatus.ACTIVE, employer=self.employer)
            .select_related("insurance_type")
            .order_by("insurance_type_id")
        )
        return person

    def get_initial(self) -> dict:
        return {"change_month": f"{timezone.localdate():%Y-%m}"}

    def get_context_data(self, **extra) -> dict:
        context = {"person": self.subject, "employer": self.employer, "portal": True, "leave_types": self.active}
        return super().get_context_data(**context, **extra)

    def back_url(self) -> str:
        return reverse("registration:portal-employees")

    def submit(self, form, person) -> Case:
        if not self.active:
            raise ApplicationError("该职工没有在本单位参保缴费的险种，无需减员", field="non_field_errors")
        return person_change(
            actor=self.request.user,
            person=person,
            suspend_insurances=[e.insurance_type_id for e in self.active],
            change_month=form.value("change_month") or None,
            reason=form.value("reason"),
        )


portal_leave = PortalLeaveView.as_view()


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


class InsuredChangeView(ItemFormView):
    """01010202 变更联系方式 online: the insured person changes their own phone and address; the agency reviews."""

    item_code = "01010202"
    role = Role.INSURED
    template_name = "registration/insured_change.html"
    form_class = ContactChangeForm

    def get_subject(self):
        return _me(self.request)

    def get_initial(self) -> dict:
        return {"phone": self.subject.phone, "address": self.subject.address}

    def get_context_data(self, **extra) -> dict:
        cases = _my_changes(self.request, self.subject)[:10]
        return super().get_context_data(person=self.subject, cases=cases, **extra)

    def submit(self, form, person) -> Case:
        return person_change(actor=self.request.user, person=person, changes=form.changes())


insured_change = InsuredChangeView.as_view()

"""Employer pages (workbench): search, detail, 01010101 enrol, 01010102 change, 01010103 deregister."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from shebao.core.catalog import catalog_view
from shebao.core.masking import personal_view
from shebao.core.models import Case
from shebao.core.views import (
    ItemFormView,
    SearchListView,
    paginate,
    staff_required,
)
from shebao.registration.choices import EnrolmentStatus

from .. import forms as f
from ..choices import (
    EmployerStatus,
)
from ..models import Enrolment
from ..selectors import (
    active_employee_count,
    employer_get_for,
    employer_search,
    person_search,
)
from ..services import (
    employer_change,
    employer_deregister,
    employer_enrol,
    employer_restructure,
    employer_transfer_agency,
)
from .common import _can, _employer_or_404, _related_cases, change_history

# --------------------------------------------------------------------------------------------------------------
# Employers (workbench)
# --------------------------------------------------------------------------------------------------------------


class EmployerListView(SearchListView):
    """单位查询: search units by name (contains), 统一社会信用代码 or 社会保险登记编号 (whole or last digits)."""

    url_name = "registration:employer-list"
    template_name = "registration/employer_list.html"
    results_template = "registration/_employer_results.html"
    statuses = EmployerStatus.choices
    item_hints = ("01010102", "01010103", "01010201")
    create_item = "01010101"

    def search(self, q: str, status: str):
        return employer_search(actor=self.request.user, q=q, status=status)


employer_list = EmployerListView.as_view()


class _EmployerItemView(ItemFormView):
    """A form about one unit of the clerk's scope (the catalogue menu starts from the employer search)."""

    menu_start = "registration:employer-list"

    def get_subject(self, employer_id):
        return employer_get_for(actor=self.request.user, employer_id=employer_id)

    def get_context_data(self, **extra) -> dict:
        return super().get_context_data(employer=self.subject, **extra)

    def back_url(self) -> str:
        return reverse("registration:employer-detail", args=[self.subject.pk])


class EmployerEnrolView(ItemFormView):
    """01010101 单位参保登记 at the window: the unit's declaration becomes an accepted case for review."""

    item_code = "01010101"
    template_name = "registration/employer_enrol.html"
    form_class = f.EmployerEnrolForm

    def get_initial(self) -> dict:
        return {
            "region": self.request.user.agency.region_id,
            "start_month": f"{timezone.localdate():%Y-%m}",
            "insurances": ["110", "210", "310", "410", "510"],
        }

    def get_form_kwargs(self) -> dict:
        return {"agency": self.request.user.agency}

    def back_url(self) -> str:
        return reverse("registration:employer-list")

    def submit(self, form, subject) -> Case:
        return employer_enrol(actor=self.request.user, data=form.service_data(), materials=self.materials)


employer_enrol_view = EmployerEnrolView.as_view()


@staff_required
def employer_detail(request: HttpRequest, employer_id: int) -> HttpResponse:
    """参保单位详情: details, insurance types, employees, cases and change history, with the registration actions."""
    employer = _employer_or_404(request, employer_id)
    user = request.user
    employees = person_search(actor=user, employer_id=employer.pk).prefetch_related(
        Prefetch(
            "enrolments",
            queryset=Enrolment.objects.exclude(status=EnrolmentStatus.ENDED).select_related("insurance_type"),
            to_attr="open_enrolments",
        )
    )
    # the account and contact phone as the user's role may see them (masking rules, 1107); a full account is logged
    shown = personal_view(
        user,
        {"bank_account": employer.bank_account, "phone": employer.contact_phone},
        object_type="employer",
        object_id=employer.pk,
        where="参保单位详情",
    )
    context = {
        "employer": employer,
        "shown": shown,
        "insurances": employer.insurances.select_related("insurance_type").order_by("-active", "insurance_type_id"),
        "employees": paginate(request, employees),
        "active_count": active_employee_count(employer),
        "cases": _related_cases(request, employer=employer)[:20],
        "history": change_history("employer", employer.pk, full=True),
        "can": {code: _can(user, code) for code in ("01010102", "01010103", "01010201")},
        "active": employer.status == EmployerStatus.ACTIVE,
        "today": timezone.localdate(),
    }
    if request.htmx and request.GET.get("page"):
        return render(request, "registration/_employees.html", context)
    return render(request, "registration/employer_detail.html", context)


class EmployerChangeView(_EmployerItemView):
    """01010102 单位变更登记: details and insurance types (the change applies when the reviewer approves)."""

    item_code = "01010102"
    template_name = "registration/employer_change.html"
    form_class = f.EmployerChangeForm

    def get_form_kwargs(self) -> dict:
        return {"employer": self.subject, "agency": self.request.user.agency}

    def submit(self, form, employer) -> Case:
        return employer_change(
            actor=self.request.user,
            employer=employer,
            changes=form.details(),
            add_insurances=form.value("add_insurances", []),
            remove_insurances=form.value("remove_insurances", []),
            effective_month=form.value("effective_month") or None,
            materials=self.materials,
        )


employer_change_view = EmployerChangeView.as_view()


class EmployerRestructureView(_EmployerItemView):
    """01010102 单位分立合并: the unit's employees move to the successor unit(s) in one case."""

    item_code = "01010102"
    title, submit_label = "单位分立合并", "提交分立合并"
    intro = "原单位在职参保人员的参保关系转入承继单位，自生效月起在承继单位参保；合并时原单位默认注销。"
    form_class = f.EmployerRestructureForm

    def submit(self, form, employer) -> Case:
        data = form.parsed(self.request.user)
        return employer_restructure(
            actor=self.request.user,
            kind=data["kind"],
            sources=[employer, *[e for e in data["others"] if e.pk != employer.pk]],
            targets=data["targets"],
            assignments=data["assignments"],
            effective_month=data["effective_month"],
            cancel_sources=data["cancel_sources"],
            materials=self.materials,
        )


employer_restructure_view = EmployerRestructureView.as_view()


class EmployerTransferView(_EmployerItemView):
    """01010102 成建制转移: the unit and all its employees move to another agency of this system."""

    item_code = "01010102"
    title, submit_label = "成建制转移", "提交成建制转移"
    intro = "单位及其全部在职参保人员整体转至本系统内的另一经办机构。"
    form_class = f.EmployerTransferForm

    def get_form_kwargs(self) -> dict:
        return {"employer": self.subject}

    def submit(self, form, employer) -> Case:
        return employer_transfer_agency(
            actor=self.request.user,
            employer=employer,
            to_agency=form.agency(),
            effective_month=form.value("effective_month"),
            materials=self.materials,
        )


employer_transfer_view = EmployerTransferView.as_view()


class EmployerDeregisterView(_EmployerItemView):
    """01010103 单位注销登记: refused while the unit still has insured employees (or arrears)."""

    item_code = "01010103"
    title, submit_label, danger = "单位注销登记", "提交注销登记", True
    intro = "单位仍有在职参保人员（或欠费）时不能注销；注销后单位及其职工的参保关系全部终止。"
    form_class = f.EmployerDeregisterForm

    def get_initial(self) -> dict:
        return {"cancel_date": timezone.localdate().isoformat()}

    def submit(self, form, employer) -> Case:
        return employer_deregister(
            actor=self.request.user,
            employer=employer,
            reason=form.value("reason"),
            cancel_date=form.value("cancel_date") or None,
            materials=self.materials,
        )


employer_deregister_view = EmployerDeregisterView.as_view()


@catalog_view("01010101")
@login_required
def employer_receipt(request: HttpRequest, employer_id: int) -> HttpResponse:
    """01010101 社会保险登记回执 (PDF) of a registered unit."""
    from ..documents import employer_receipt_pdf

    employer = _employer_or_404(request, employer_id)
    response = HttpResponse(employer_receipt_pdf(employer=employer), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="receipt-{employer.reg_no}.pdf"'
    return response

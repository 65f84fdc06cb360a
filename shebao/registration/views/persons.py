"""Person pages (workbench): search, detail, 01010201 enrol and bulk 增员, 01010202 change, 01010203 terminate."""

from __future__ import annotations

import base64

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from shebao.core.access import can_view_full_id, require_grant
from shebao.core.catalog import catalog_view
from shebao.core.choices import Action, Channel
from shebao.core.errors import ApplicationError
from shebao.core.identifiers import mask_id
from shebao.core.models import Case
from shebao.core.pdaccess import log_full_view
from shebao.core.views import (
    ItemFormView,
    case_submitted,
    error_status,
    grant_required,
    paginate,
    staff_required,
)

from .. import forms as f
from ..choices import (
    PersonCategory,
    PersonStatus,
)
from ..models import Employer, Person
from ..selectors import (
    enrolments_of,
    person_get_for,
    person_search,
)
from ..services import (
    person_change,
    person_enrol,
    person_enrol_bulk,
    person_terminate,
)
from .common import _can, _employer_or_404, _person_or_404, _related_cases, _submit, change_history
from .search import push_url, search_redirect, search_terms

XLSX = settings.SHEBAO_UPLOAD_TYPES[".xlsx"]
BULK_ERRORS_KEY = "registration.bulk_errors"


# --------------------------------------------------------------------------------------------------------------
# Persons (workbench)
# --------------------------------------------------------------------------------------------------------------


@staff_required
def person_list(request: HttpRequest) -> HttpResponse:
    """人员查询: by 社会保障号码 (whole or last digits) or name (contains); ID numbers masked in the list.

    The form posts; ID numbers are kept behind a session token (`?t=`) so they never appear in a URL.
    """
    if request.method == "POST":
        return search_redirect(request, "person")
    q, status, expired = search_terms(request, "person")
    qs = person_search(actor=request.user, q=q, status=status if status in PersonStatus.values else "")
    item = request.GET.get("item", "")
    context = {
        "page": paginate(request, qs),
        "q": q,
        "status": status,
        "statuses": PersonStatus.choices,
        "item_hint": item if item in ("01010202", "01010203") else "",
        "item": item if item.isdigit() else "",
        "expired": expired,
        "can_enrol": _can(request.user, "01010201"),
    }
    template = "registration/_person_results.html" if request.htmx else "registration/person_list.html"
    return push_url(request, render(request, template, context))


def _employer_param(request: HttpRequest) -> Employer | None:
    raw = request.GET.get("employer", "")
    return _employer_or_404(request, raw) if raw else None


@catalog_view("01010201")
@staff_required
@grant_required("01010201")
def person_enrol_view(request: HttpRequest) -> HttpResponse:
    """01010201 个人参保登记 at the window: an employee of a unit (增员), a flexible worker or a resident."""
    employer = _employer_param(request)
    category = request.GET.get("category", "")
    initial = {"start_month": f"{timezone.localdate():%Y-%m}", "ethnicity": "汉族"}
    if category in PersonCategory.values:
        initial["category"] = category
    form = f.PersonEnrolForm(request.POST or None, employer=employer, initial=initial)

    def call() -> Case:
        return person_enrol(
            actor=request.user,
            data=form.service_data(),
            employer=form.unit(request.user),
            category=form.chosen_category(),
        )

    return _submit(request, form, call, "registration/person_enrol.html", {"employer": employer, "code": "01010201"})


def _bulk(request: HttpRequest, *, employer: Employer | None, template: str, context: dict) -> HttpResponse:
    """Shared by the workbench and the portal: read the workbook, enrol the valid rows, report the others."""
    from ..excel import error_workbook, read_enrolment_rows

    form = f.BulkEnrolForm(request.POST or None, request.FILES or None, employer=employer)
    status, result, row_errors = 200, None, []
    if request.method == "POST" and form.is_valid():
        try:
            unit = form.unit(request.user)
            require_grant(request.user, "01010201", Action.HANDLE)  # the grant before any work on the file
            rows = read_enrolment_rows(form.cleaned_data.get("file"))
            result = person_enrol_bulk(actor=request.user, rows=rows, employer=unit, channel=Channel.BATCH)
        except ApplicationError as exc:
            form.add_service_error(exc)
            status = error_status(exc)
        else:
            row_errors = result.errors
            if row_errors:
                data = error_workbook(rows, row_errors)
                request.session[BULK_ERRORS_KEY] = base64.b64encode(data).decode("ascii")
            if result.case is None:
                form.add_error(
                    None,
                    f"所有数据行（{len(row_errors)} 处错误）均未通过校验，未保存任何数据；请下载错误清单修改后重新上传",
                )
                status = 400
            elif not row_errors:
                return case_submitted(request, result.case)
            else:
                messages.warning(
                    request,
                    f"已提交 {result.valid} 人（业务流水号 {result.case.number}），"
                    f"另有 {len(row_errors)} 处错误的数据行未提交",
                )
    elif request.method == "POST":
        status = 400
    labels = {
        "id_number": "社会保障号码",
        "name": "姓名",
        "phone": "联系电话",
        "address": "居住地址",
        "ethnicity": "民族",
        "insurances": "参保险种",
        "start_month": "参保起始月",
    }
    errors = [{"row": e.row, "field": labels.get(e.field, e.field), "message": e.message} for e in row_errors[:500]]
    return render(
        request,
        template,
        {**context, "form": form, "result": result, "row_errors": errors, "row_error_total": len(row_errors)},
        status=status,
    )


@catalog_view("01010201")
@staff_required
@grant_required("01010201")
def person_bulk_view(request: HttpRequest) -> HttpResponse:
    """01010201 批量增员: upload the Excel template; valid rows go into one case, invalid rows come back."""
    employer = _employer_param(request)
    return _bulk(
        request,
        employer=employer,
        template="registration/person_bulk.html",
        context={"employer": employer, "code": "01010201", "portal": False},
    )


@catalog_view("01010201")
@login_required
def person_bulk_template(request: HttpRequest) -> HttpResponse:
    """01010201 增员模板 (Excel) to fill in."""
    from ..excel import enrolment_template

    response = HttpResponse(enrolment_template(), content_type=XLSX)
    response["Content-Disposition"] = 'attachment; filename="enrolment-template.xlsx"'
    return response


@catalog_view("01010201")
@login_required
def person_bulk_errors(request: HttpRequest) -> HttpResponse:
    """01010201 批量增员错误清单: the rejected rows of the user's last upload, with the reasons, to correct."""
    data = request.session.get(BULK_ERRORS_KEY)
    if not data:
        raise Http404("没有可下载的错误清单")
    response = HttpResponse(base64.b64decode(data), content_type=XLSX)
    response["Content-Disposition"] = 'attachment; filename="enrolment-errors.xlsx"'
    return response


@staff_required
def person_detail(request: HttpRequest, person_id: int) -> HttpResponse:
    """参保人详情: details (full ID only for those entitled), enrolments, cases and the change history."""
    person = _person_or_404(request, person_id)
    user = request.user
    full = can_view_full_id(user, person_id=person.pk, employer_id=person.employer_id)
    if full:
        shown = ["id_number", "bank_account"] if person.benefit_bank_account else "id_number"
        log_full_view(user, "person", person.pk, shown, "参保人详情")
    context = {
        "person": person,
        "full_id": full,
        "id_number": person.id_number if full else mask_id(person.id_number),
        "enrolments": enrolments_of(person),
        "cases": _related_cases(request, person=person)[:20],
        "history": change_history("person", person.pk, full=full),
        "can": {code: _can(user, code) for code in ("01010202", "01010203")},
        "active": person.status == PersonStatus.ACTIVE,
    }
    return render(request, "registration/person_detail.html", context)


class PersonChangeView(ItemFormView):
    """01010202 个人变更登记: basic details (name change with material), insurance add/停保/续保, payment."""

    item_code = "01010202"
    menu_start = "registration:person-list"
    template_name = "registration/person_change.html"

    def get_subject(self, person_id):
        return person_get_for(actor=self.request.user, person_id=person_id)

    def get_form(self):
        post = self.request.method == "POST"
        return f.PersonChangeForm(
            self.request.POST or None,
            self.request.FILES or None,
            person=self.subject,
            initial=None if post else _person_initial(self.subject),
        )

    def get_context_data(self, **extra) -> dict:
        return super().get_context_data(person=self.subject, **extra)

    def back_url(self) -> str:
        return reverse("registration:person-detail", args=[self.subject.pk])

    def submit(self, form, person) -> Case:
        return person_change(
            actor=self.request.user,
            person=person,
            changes=form.changes(),
            add_insurances=form.value("add_insurances", []),
            suspend_insurances=form.value("suspend_insurances", []),
            resume_insurances=form.value("resume_insurances", []),
            change_month=form.value("change_month") or None,
            reason=form.value("reason"),
            materials=self.materials,
        )


person_change_view = PersonChangeView.as_view()


def _person_initial(person: Person) -> dict:
    data = {name: getattr(person, name) for name in f.PERSON_BASIC_FIELDS}
    data |= {
        "contribution_method": person.contribution_method,
        "benefit_bank_name": person.benefit_bank_name,
        "benefit_bank_account": person.benefit_bank_account,
        "change_month": f"{timezone.localdate():%Y-%m}",
    }
    return data


class PersonTerminateView(ItemFormView):
    """01010203 社会保险关系终止: death, emigration, duplicate enrolment or other — ends every enrolment."""

    item_code = "01010203"
    menu_start = "registration:person-list"
    title, submit_label, danger = "社会保险关系终止", "提交关系终止", True
    intro = "终止后该人员的全部参保关系结束（死亡、出国（境）定居、重复参保等）。"
    form_class = f.PersonTerminateForm

    def get_subject(self, person_id):
        return person_get_for(actor=self.request.user, person_id=person_id)

    def get_initial(self) -> dict:
        return {"end_date": timezone.localdate().isoformat()}

    def get_context_data(self, **extra) -> dict:
        return super().get_context_data(person=self.subject, **extra)

    def back_url(self) -> str:
        return reverse("registration:person-detail", args=[self.subject.pk])

    def submit(self, form, person) -> Case:
        return person_terminate(
            actor=self.request.user,
            person=person,
            reason=form.value("reason"),
            end_date=form.value("end_date") or None,
            note=form.value("note"),
            materials=self.materials,
        )


person_terminate_view = PersonTerminateView.as_view()

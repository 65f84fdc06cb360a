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

from shebao.core.access import can_view_full_id
from shebao.core.catalog import catalog_view
from shebao.core.choices import Channel
from shebao.core.masking import personal_view
from shebao.core.models import Case
from shebao.core.views import ItemFormView, SearchListView, case_submitted, staff_required

from .. import forms as f
from ..choices import (
    PersonCategory,
    PersonStatus,
)
from ..selectors import (
    employer_get_for,
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
from ..services.enrolment import BulkResult
from .common import _can, _person_or_404, _related_cases, change_history

XLSX = settings.SHEBAO_UPLOAD_TYPES[".xlsx"]
BULK_ERRORS_KEY = "registration.bulk_errors"


# --------------------------------------------------------------------------------------------------------------
# Persons (workbench)
# --------------------------------------------------------------------------------------------------------------


class PersonListView(SearchListView):
    """人员查询: by 社会保障号码 (whole or last digits) or name (contains); ID numbers masked in the list."""

    url_name = "registration:person-list"
    template_name = "registration/person_list.html"
    results_template = "registration/_person_results.html"
    statuses = PersonStatus.choices
    item_hints = ("01010202", "01010203")
    create_item = "01010201"

    def search(self, q: str, status: str):
        return person_search(actor=self.request.user, q=q, status=status)


person_list = PersonListView.as_view()


class PersonEnrolView(ItemFormView):
    """01010201 个人参保登记 at the window: an employee of a unit (增员), a flexible worker or a resident."""

    item_code = "01010201"
    template_name = "registration/person_enrol.html"
    form_class = f.PersonEnrolForm

    def get_subject(self):
        """The unit named by `?employer=` (the 增员 button of its page), else none: the form asks for it."""
        raw = self.request.GET.get("employer", "")
        return employer_get_for(actor=self.request.user, employer_id=raw) if raw else None

    def get_initial(self) -> dict:
        initial = {"start_month": f"{timezone.localdate():%Y-%m}", "ethnicity": "汉族"}
        category = self.request.GET.get("category", "")
        if category in PersonCategory.values:
            initial["category"] = category
        return initial

    def get_form_kwargs(self) -> dict:
        return {"employer": self.subject}

    def get_context_data(self, **extra) -> dict:
        return super().get_context_data(employer=self.subject, **extra)

    def submit(self, form, employer) -> Case:
        return person_enrol(
            actor=self.request.user,
            data=form.service_data(),
            employer=form.unit(self.request.user),
            category=form.chosen_category(),
            materials=self.materials,
        )


person_enrol_view = PersonEnrolView.as_view()


class PersonBulkView(PersonEnrolView):
    """01010201 批量增员: upload the Excel template; valid rows go into one case, invalid rows come back."""

    template_name = "registration/person_bulk.html"
    form_class = f.BulkEnrolForm
    takes_materials = False  # the roster is the batch application (decisions.md: materials checklist)

    def submit(self, form, employer) -> BulkResult:
        from ..excel import read_enrolment_rows

        unit = form.unit(self.request.user)
        self.rows = read_enrolment_rows(form.cleaned_data.get("file"))
        return person_enrol_bulk(actor=self.request.user, rows=self.rows, employer=unit, channel=Channel.BATCH)

    def submitted(self, form, result: BulkResult) -> HttpResponse:
        """All rows valid: the case page. Some wrong: the case and the rows on this page, with the error workbook."""
        from ..excel import COLUMN_NAMES, error_workbook

        row_errors = result.errors
        if not row_errors:
            return case_submitted(self.request, result.case)
        data = error_workbook(self.rows, row_errors)
        self.request.session[BULK_ERRORS_KEY] = base64.b64encode(data).decode("ascii")
        status = 200
        if result.case is None:
            form.add_error(
                None,
                f"所有数据行（{len(row_errors)} 处错误）均未通过校验，未保存任何数据；请下载错误清单修改后重新上传",
            )
            status = 400
        else:
            messages.warning(
                self.request,
                f"已提交 {result.valid} 人（业务流水号 {result.case.number}），"
                f"另有 {len(row_errors)} 处错误的数据行未提交",
            )
        shown = [{"row": e.row, "field": COLUMN_NAMES.get(e.field, e.field), "message": e.message} for e in row_errors]
        return self.render(form, status=status, result=result, row_errors=shown[:500], row_error_total=len(row_errors))


person_bulk_view = PersonBulkView.as_view()


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
    # each field as the user's role may see it (masking rules, 1107); full ID numbers and accounts are logged
    shown = personal_view(
        user,
        {
            "id_number": person.id_number,
            "bank_account": person.benefit_bank_account,
            "phone": person.phone,
            "address": person.address,
        },
        object_type="person",
        object_id=person.pk,
        where="参保人详情",
    )
    context = {
        "person": person,
        "full_id": full,
        "shown": shown,
        "id_number": shown["id_number"],
        "enrolments": enrolments_of(person),
        "cases": _related_cases(request, person=person)[:20],
        "history": change_history("person", person.pk, full=full),
        "can": {code: _can(user, code) for code in ("01010202", "01010203")},
        "active": person.status == PersonStatus.ACTIVE,
    }
    return render(request, "registration/person_detail.html", context)


class _PersonItemView(ItemFormView):
    """A form about one person of the clerk's scope (the catalogue menu starts from the person search)."""

    menu_start = "registration:person-list"

    def get_subject(self, person_id):
        return person_get_for(actor=self.request.user, person_id=person_id)

    def get_context_data(self, **extra) -> dict:
        return super().get_context_data(person=self.subject, **extra)

    def back_url(self) -> str:
        return reverse("registration:person-detail", args=[self.subject.pk])


class PersonChangeView(_PersonItemView):
    """01010202 个人变更登记: basic details (name change with material), insurance add/停保/续保, payment."""

    item_code = "01010202"
    template_name = "registration/person_change.html"
    form_class = f.PersonChangeForm

    def get_initial(self) -> dict:
        """The person's current details and this month."""
        person = self.subject
        data = {name: getattr(person, name) for name in f.PERSON_BASIC_FIELDS}
        return data | {
            "contribution_method": person.contribution_method,
            "benefit_bank_name": person.benefit_bank_name,
            "benefit_bank_account": person.benefit_bank_account,
            "change_month": f"{timezone.localdate():%Y-%m}",
        }

    def get_form_kwargs(self) -> dict:
        return {"person": self.subject}

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


class PersonTerminateView(_PersonItemView):
    """01010203 社会保险关系终止: death, emigration, duplicate enrolment or other — ends every enrolment."""

    item_code = "01010203"
    title, submit_label, danger = "社会保险关系终止", "提交关系终止", True
    intro = "终止后该人员的全部参保关系结束（死亡、出国（境）定居、重复参保等）。"
    form_class = f.PersonTerminateForm

    def get_initial(self) -> dict:
        return {"end_date": timezone.localdate().isoformat()}

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

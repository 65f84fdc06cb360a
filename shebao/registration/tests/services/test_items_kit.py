"""The six registration items through the item test kit (`shebao.testing.ItemTestCase`): happy path, approval
applying the change with audit rows, 404 out of scope, 4xx on bad input with nothing saved, maker-checker by
account and by person, and one open case per subject — in the service, the API and the UI."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.urls import reverse
from django.utils import timezone

from shebao.conftest import employer_data, person_data
from shebao.core.tests.factories import valid_id_number
from shebao.registration.choices import EmployerStatus, EnrolmentStatus, PersonStatus
from shebao.registration.models import Employer, EmployerInsurance, Enrolment, Person
from shebao.registration.services import (
    employer_change,
    employer_deregister,
    employer_enrol,
    person_change,
    person_enrol,
    person_terminate,
)
from shebao.registration.tests.factories import EmployerFactory, PersonFactory
from shebao.testing import ItemTestCase, Kit, Submission

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.catalog("01010101", "01010102", "01010103", "01010201", "01010202", "01010203"),
]

_ids = itertools.count(3_000_000)  # ID numbers apart from those PersonFactory hands out
EMPLOYER_FORM_FIELDS = (
    "uscc",
    "name",
    "unit_type",
    "legal_rep",
    "address",
    "industry_code",
    "injury_risk_class",
    "contact_name",
    "contact_phone",
    "bank_name",
    "bank_account",
)


def _today() -> str:
    return timezone.localdate().isoformat()


def _tomorrow() -> str:
    return (timezone.localdate() + dt.timedelta(days=1)).isoformat()


def _employer(kit: Kit) -> Employer:
    return EmployerFactory(agency=kit.agencies["a"])


def _person(kit: Kit) -> Person:
    return PersonFactory(employer=_employer(kit))


class TestEmployerEnrolKit(ItemTestCase):
    """01010101 单位参保登记."""

    item_code = "01010101"
    bad_field = "uscc"
    saved_models = (Employer, EmployerInsurance)
    ui_out_of_scope = False  # the form enrols with the clerk's own agency; the API can name another one

    def _submission(self, kit, data):
        return Submission(
            service=employer_enrol,
            kwargs={"data": data, "agency": kit.agencies["a"]},
            api_url="/api/v1/employers/",
            api_body={**data, "agency": kit.agencies["a"].code},
            ui_url=reverse("registration:employer-enrol"),
            ui_form=data,
        )

    def submission(self, kit, subject):
        return self._submission(kit, employer_data())

    def bad_submission(self, kit, subject):
        data = employer_data()
        data["uscc"] = data["uscc"][:-1] + ("0" if data["uscc"][-1] != "0" else "1")  # wrong check character
        return self._submission(kit, data)

    def check_applied(self, kit, subject, case):
        employer = Employer.objects.get(pk=case.result["employer_id"])
        assert employer.uscc == case.payload["uscc"] and employer.status == EmployerStatus.ACTIVE
        assert employer.agency == kit.agencies["a"]
        assert employer.insurances.filter(active=True).count() == len(case.payload["insurances"])


class TestEmployerChangeKit(ItemTestCase):
    """01010102 单位变更登记 (details)."""

    item_code = "01010102"
    bad_field = "contact_phone"
    saved_models = (Employer, EmployerInsurance)

    def subject(self, kit):
        return _employer(kit)

    def _submission(self, employer, phone):
        form = {k: getattr(employer, k) for k in EMPLOYER_FORM_FIELDS}
        return Submission(
            service=employer_change,
            kwargs={"employer": employer, "changes": {"contact_phone": phone}},
            api_url=f"/api/v1/employers/{employer.pk}/change/",
            api_body={"contact_phone": phone},
            ui_url=reverse("registration:employer-change", args=[employer.pk]),
            ui_form={**form, "region": employer.region_id, "contact_phone": phone},
        )

    def submission(self, kit, subject):
        return self._submission(subject, "0571-87654321")

    def bad_submission(self, kit, subject):
        return self._submission(subject, "12345")

    def check_applied(self, kit, subject, case):
        subject.refresh_from_db()
        assert subject.contact_phone == "0571-87654321" and subject.version == 2


class TestEmployerDeregisterKit(ItemTestCase):
    """01010103 单位注销登记."""

    item_code = "01010103"
    bad_field = "cancel_date"
    saved_models = (Employer, EmployerInsurance)

    def subject(self, kit):
        return _employer(kit)

    def _submission(self, employer, day):
        body = {"reason": "歇业", "cancel_date": day}
        return Submission(
            service=employer_deregister,
            kwargs={"employer": employer, **body},
            api_url=f"/api/v1/employers/{employer.pk}/deregister/",
            api_body=body,
            ui_url=reverse("registration:employer-deregister", args=[employer.pk]),
            ui_form=body,
        )

    def submission(self, kit, subject):
        return self._submission(subject, _today())

    def bad_submission(self, kit, subject):
        return self._submission(subject, _tomorrow())  # a future date

    def check_applied(self, kit, subject, case):
        subject.refresh_from_db()
        assert subject.status == EmployerStatus.CANCELLED and subject.cancel_reason == "歇业"
        assert not subject.insurances.filter(active=True).exists()


class TestPersonEnrolKit(ItemTestCase):
    """01010201 个人参保登记 (an employee, 增员 at the window)."""

    item_code = "01010201"
    bad_field = "id_number"
    saved_models = (Person, Enrolment)

    def subject(self, kit):
        return _employer(kit)

    def _submission(self, employer, data):
        return Submission(
            service=person_enrol,
            kwargs={"employer": employer, "data": data},
            api_url="/api/v1/persons/",
            api_body={"employer": employer.pk, **data},
            ui_url=f"{reverse('registration:person-enrol')}?employer={employer.pk}",
            ui_form=data,
            id_number=data["id_number"],
        )

    def submission(self, kit, subject):
        return self._submission(subject, person_data(id_number=valid_id_number(next(_ids))))

    def bad_submission(self, kit, subject):
        number = valid_id_number(next(_ids))
        bad = number[:17] + ("0" if number[17] != "0" else "1")
        return self._submission(subject, person_data(id_number=bad))

    def check_applied(self, kit, subject, case):
        person = Person.objects.get(id_number=case.payload["rows"][0]["id_number"])
        assert person.employer == subject and person.agency == subject.agency
        assert set(person.enrolments.values_list("status", flat=True)) == {EnrolmentStatus.ACTIVE}


class TestPersonChangeKit(ItemTestCase):
    """01010202 个人变更登记 (contact details)."""

    item_code = "01010202"
    bad_field = "phone"
    saved_models = (Person, Enrolment)

    def subject(self, kit):
        return _person(kit)

    def _submission(self, person, phone):
        form = {
            "name": person.name,
            "phone": phone,
            "address": person.address,
            "ethnicity": person.ethnicity,
            "contribution_method": person.contribution_method,
            "benefit_bank_name": person.benefit_bank_name,
            "benefit_bank_account": person.benefit_bank_account,
            "change_month": f"{timezone.localdate():%Y-%m}",
            "reason": "",
        }
        return Submission(
            service=person_change,
            kwargs={"person": person, "changes": {"phone": phone}},
            api_url=f"/api/v1/persons/{person.pk}/change/",
            api_body={"phone": phone},
            ui_url=reverse("registration:person-change", args=[person.pk]),
            ui_form=form,
            id_number=person.id_number,
        )

    def submission(self, kit, subject):
        return self._submission(subject, "13700137000")

    def bad_submission(self, kit, subject):
        return self._submission(subject, "12345")

    def check_applied(self, kit, subject, case):
        subject.refresh_from_db()
        assert subject.phone == "13700137000" and subject.version == 2


class TestPersonTerminateKit(ItemTestCase):
    """01010203 社会保险关系终止."""

    item_code = "01010203"
    bad_field = "end_date"
    saved_models = (Person, Enrolment)

    def subject(self, kit):
        return _person(kit)

    def _submission(self, person, day):
        body = {"reason": "emigration", "end_date": day}
        return Submission(
            service=person_terminate,
            kwargs={"person": person, **body},
            api_url=f"/api/v1/persons/{person.pk}/terminate/",
            api_body=body,
            ui_url=reverse("registration:person-terminate", args=[person.pk]),
            ui_form=body,
            id_number=person.id_number,
        )

    def submission(self, kit, subject):
        return self._submission(subject, _today())

    def bad_submission(self, kit, subject):
        return self._submission(subject, _tomorrow())

    def check_applied(self, kit, subject, case):
        subject.refresh_from_db()
        assert subject.status == PersonStatus.TERMINATED
        assert set(subject.enrolments.values_list("status", flat=True)) == {EnrolmentStatus.ENDED}

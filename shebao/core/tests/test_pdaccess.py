"""Personal-data access log: showing a full ID number or bank account to a user writes one row; masked views none."""

from __future__ import annotations

import pytest
from django.urls import reverse

from shebao.conftest import make_user, person_data
from shebao.core.cases import case_approve
from shebao.core.choices import Role
from shebao.core.models import PersonalDataAccess
from shebao.registration.services import person_change, person_enrol

pytestmark = pytest.mark.django_db


@pytest.fixture
def person(clerk, reviewer, make_employer, make_person):
    person = make_person(make_employer())
    changes = {"benefit_bank_account": "6222021202001234567", "benefit_bank_name": "工商银行"}
    case_approve(actor=reviewer, case=person_change(actor=clerk, person=person, changes=changes))
    person.refresh_from_db()
    return person


def test_person_page_logs_the_full_id_and_account_shown_to_a_clerk(client, clerk, person):
    client.force_login(clerk)
    page = client.get(reverse("registration:person-detail", args=[person.pk]))
    assert page.status_code == 200 and person.id_number in page.content.decode()
    rows = PersonalDataAccess.objects.filter(object_type="person", object_id=str(person.pk))
    assert sorted(rows.values_list("field", flat=True)) == ["bank_account", "id_number"]
    row = rows.first()
    assert (row.actor, row.agency_id, row.where) == (clerk, clerk.agency_id, "参保人详情")


def test_masked_page_logs_nothing(client, agencies, person):
    finance = make_user(Role.FINANCE, agencies["a"])
    client.force_login(finance)
    page = client.get(reverse("registration:person-detail", args=[person.pk]))
    assert page.status_code == 200 and person.id_number not in page.content.decode()
    assert not PersonalDataAccess.objects.exists()


def test_api_person_detail_logs_the_full_view(client, clerk, person):
    client.force_login(clerk)
    response = client.get(f"/api/v1/persons/{person.pk}/")
    assert response.status_code == 200 and response.json()["id_number"] == person.id_number
    assert PersonalDataAccess.objects.filter(object_id=str(person.pk), where="接口：参保人详情").count() == 2


def test_case_page_with_a_full_id_logs_it(client, clerk, make_employer):
    employer = make_employer()
    case = person_enrol(actor=clerk, employer=employer, data=person_data())
    client.force_login(clerk)
    page = client.get(reverse("core:case-detail", args=[case.pk]))
    assert page.status_code == 200 and case.payload["rows"][0]["id_number"] in page.content.decode()
    row = PersonalDataAccess.objects.get()
    assert (row.object_type, row.object_id, row.field) == ("case", str(case.pk), "id_number")
    assert case.number in row.where


def test_case_page_showing_a_new_bank_account_logs_it(client, clerk, person):
    case = person_change(
        actor=clerk, person=person, changes={"benefit_bank_account": "6222021202007654321", "benefit_bank_name": "建行"}
    )
    client.force_login(clerk)
    assert "6222021202007654321" in client.get(reverse("core:case-detail", args=[case.pk])).content.decode()
    assert PersonalDataAccess.objects.filter(object_type="case", object_id=str(case.pk), field="bank_account").exists()

"""API of 02020101–02020202: the rate table and rate rows of a unit, the tier/base overview of a person, and the
four item operations (201 with the case; strict input; 400 naming the field; 403 without the grant; 404 out of
scope) — nothing saved on refusal."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from shebao.contributions.models import EmployerRate, PersonContributionChoice
from shebao.core.models import AuditEvent, Case
from shebao.registration.tests.factories import EmployerFactory, EmployerUserFactory, InsuredUserFactory, PersonFactory
from shebao.testing import assert_refused, count_rows

from ..conftest import flexible_worker, month_add, rated_employer, resident, this_month

pytestmark = [pytest.mark.django_db, pytest.mark.catalog("02020101", "02020201", "02020102", "02020202")]
GUARDED = (Case, AuditEvent, EmployerRate, PersonContributionChoice)


# -- rate table and rows -------------------------------------------------------------------------------------------


def test_rate_table_of_a_month(api, agencies, clerk):
    unit = rated_employer(agencies["a"], risk_class=2, grade="0.8", rate="0.0032")
    res = api(clerk).get(f"/api/v1/employers/{unit.pk}/rates/", {"month": f"{this_month():%Y-%m}"})
    assert res.status_code == 200, res.json()
    body = res.json()
    assert body["month"] == f"{this_month():%Y-%m}" and body["injury_risk_class"] == 2
    lines = {line["insurance_type"]: line for line in body["lines"]}
    assert set(lines) == {"110", "210", "310", "410", "510"}
    assert (lines["110"]["employer_rate"], lines["110"]["individual_rate"], lines["110"]["source"]) == (
        "0.16",
        "0.08",
        "parameter",
    )
    assert lines["410"]["employer_rate"] == "0.003200" and lines["410"]["source"] == "employer"
    assert lines["410"]["float_grade"] == "0.800" and lines["410"]["base_rate"] == "0.004"
    assert "人社部发〔2015〕71号" in lines["410"]["reference"]
    before = api(clerk).get(f"/api/v1/employers/{unit.pk}/rates/", {"month": f"{month_add(this_month(), -1):%Y-%m}"})
    assert before.json()["lines"] == []  # not yet insured that month


def test_rate_table_defaults_to_this_month_and_refuses_a_bad_month(api, agencies, clerk):
    unit = EmployerFactory(agency=agencies["a"])
    body = api(clerk).get(f"/api/v1/employers/{unit.pk}/rates/").json()
    assert body["month"] == f"{timezone.localdate():%Y-%m}" and body["warnings"]
    for bad in ("2026-13", "abc", "2026/01"):
        assert_refused(api(clerk).get(f"/api/v1/employers/{unit.pk}/rates/", {"month": bad}), status=400, field="month")


def test_rate_table_scope(api, agencies, clerk_b):
    unit = rated_employer(agencies["a"])
    assert api(clerk_b).get(f"/api/v1/employers/{unit.pk}/rates/").status_code == 404
    own = EmployerUserFactory(employer=unit)
    assert api(own).get(f"/api/v1/employers/{unit.pk}/rates/").status_code == 200
    other = EmployerUserFactory(employer=EmployerFactory(agency=agencies["a"]))
    assert api(other).get(f"/api/v1/employers/{unit.pk}/rates/").status_code == 404
    assert api().get(f"/api/v1/employers/{unit.pk}/rates/").status_code == 401
    assert api(own).get("/api/v1/employers/99999999/rates/").status_code == 404
    # registration's JSON 404 for other paths under employers/ still answers
    res = api(own).get(f"/api/v1/employers/{unit.pk}/no-such-thing/")
    assert res.status_code == 404 and "detail" in res.json()


def test_rate_rows_paginated(api, agencies, clerk):
    unit = rated_employer(agencies["a"], valid_from=month_add(this_month(), -3))
    for n in (1, 2):
        EmployerRate.objects.create(
            employer=unit, insurance_type_id="410", valid_from=month_add(this_month(), -3 + n), employer_rate="0.003"
        )
    res = api(clerk).get(f"/api/v1/employers/{unit.pk}/rates/history/", {"page_size": 2})
    assert res.status_code == 200
    body = res.json()
    assert body["count"] == 3 and len(body["results"]) == 2
    assert body["results"][0]["valid_from"] == f"{month_add(this_month(), -1):%Y-%m}"
    assert_refused(api(clerk).get(f"/api/v1/employers/{unit.pk}/rates/history/", {"page": "0"}), status=400)


# -- 02020101 / 02020201 ---------------------------------------------------------------------------------------------


def test_determine_then_approve(api, approve, agencies, clerk):
    unit = EmployerFactory(agency=agencies["a"], injury_risk_class=6)
    res = api(clerk).post(f"/api/v1/employers/{unit.pk}/rates/determine/", {"float_grade": "1.5"}, format="json")
    assert res.status_code == 201, res.json()
    assert res.json()["payload"]["employer_rate"] == "0.019500"
    done = approve(res.json()["id"])
    assert done["result"]["employer_rate"] == "0.019500"
    assert EmployerRate.objects.get(employer=unit).employer_rate == Decimal("0.0195")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"float_grade": 1.2}, "float_grade"),  # a number, not a decimal string
        ({"float_grade": "0.5"}, "float_grade"),  # not a grade of class 1
        ({"valid_from": "2026-1"}, "valid_from"),
        ({"adjust_assessed": "yes"}, "adjust_assessed"),
        ({"grade": "1.0"}, "grade"),  # unknown field
        ({"note": "\u202e反转"}, "note"),
    ],
)
def test_determine_bad_input(api, agencies, clerk, body, field):
    unit = EmployerFactory(agency=agencies["a"])
    before = count_rows(*GUARDED)
    res = api(clerk).post(f"/api/v1/employers/{unit.pk}/rates/determine/", body, format="json")
    assert_refused(res, status=400, field=field, nothing_saved=before)


def test_employers_and_insured_people_may_not_set_rates(api, agencies):
    unit = rated_employer(agencies["a"])
    before = count_rows(*GUARDED)
    user = EmployerUserFactory(employer=unit)
    body = {"reason": "evaluation", "float_grade": "1.2", "valid_from": f"{month_add(this_month(), 1):%Y-%m}"}
    assert_refused(
        api(user).post(f"/api/v1/employers/{unit.pk}/rates/change/", body, format="json"),
        status=403,
        nothing_saved=before,
    )
    insured = InsuredUserFactory()
    assert_refused(
        api(insured).post(f"/api/v1/employers/{unit.pk}/rates/determine/", {}, format="json"),
        status=403,
        nothing_saved=before,
    )


def test_change_then_approve(api, approve, agencies, clerk):
    unit = rated_employer(agencies["a"], risk_class=4, grade="1.0", rate="0.009")
    month = month_add(this_month(), 2)
    body = {"reason": "evaluation", "float_grade": "0.5", "valid_from": f"{month:%Y-%m}", "note": "评估结果优良"}
    res = api(clerk).post(f"/api/v1/employers/{unit.pk}/rates/change/", body, format="json")
    assert res.status_code == 201, res.json()
    approve(res.json()["id"])
    lines = api(clerk).get(f"/api/v1/employers/{unit.pk}/rates/", {"month": f"{month:%Y-%m}"}).json()["lines"]
    assert next(line for line in lines if line["insurance_type"] == "410")["employer_rate"] == "0.004500"


def test_change_bad_reason_and_month(api, agencies, clerk):
    unit = rated_employer(agencies["a"])
    before = count_rows(*GUARDED)
    res = api(clerk).post(
        f"/api/v1/employers/{unit.pk}/rates/change/",
        {"reason": "because", "valid_from": f"{this_month():%Y-%m}"},
        format="json",
    )
    assert_refused(res, status=400, field="reason", nothing_saved=before)
    res = api(clerk).post(
        f"/api/v1/employers/{unit.pk}/rates/change/",
        {"reason": "evaluation", "float_grade": "1.2", "valid_from": f"{this_month():%Y-%m}"},
        format="json",
    )
    assert_refused(res, status=400, field="valid_from", nothing_saved=before)


# -- 02020102 / 02020202 ---------------------------------------------------------------------------------------------


def test_person_overview_for_a_resident(api, agencies, clerk):
    person = resident(agencies["a"], tier="300")
    body = api(clerk).get(f"/api/v1/persons/{person.pk}/contribution-choices/").json()
    assert body["kind"] == "tier" and body["determined"] is True
    assert body["next_period"] == f"{timezone.localdate().year + 1}-01-01"
    assert body["lines"] == [
        {
            "insurance_type": "170",
            "name": body["lines"][0]["name"],
            "start_month": f"{this_month():%Y-%m}",
            "amount": "300.00",
            "valid_from": f"{timezone.localdate().year}-01-01",
        }
    ]
    tiers = {t["amount"]: t["subsidy"] for t in body["tiers"]}
    assert tiers["400.00"] == "30.00" and tiers["500.00"] == "60.00" and len(tiers) == 12
    assert body["band"] is None and any(s["parameter"] == "contribution.resident_pension.tiers" for s in body["trace"])
    assert body["history"][0]["tier"] == "300.00"


def test_person_overview_for_a_flexible_worker_and_an_employee(api, agencies, clerk):
    flexible = flexible_worker(agencies["a"])
    body = api(clerk).get(f"/api/v1/persons/{flexible.pk}/contribution-choices/").json()
    assert body["kind"] == "base" and body["determined"] is False
    assert body["band"] == {"lower": "4800.00", "upper": "24000.00", "average_wage": "8000.00"}
    employee = PersonFactory(employer__agency=agencies["a"])
    body = api(clerk).get(f"/api/v1/persons/{employee.pk}/contribution-choices/").json()
    assert body["kind"] is None and body["lines"] == [] and body["tiers"] is None


def test_the_insured_person_reads_and_applies_for_themselves_only(api, agencies, clerk):
    person = resident(agencies["a"])
    user = InsuredUserFactory(person=person)
    assert api(user).get(f"/api/v1/persons/{person.pk}/contribution-choices/").status_code == 200
    res = api(user).post(
        f"/api/v1/persons/{person.pk}/contribution-choices/determine/", {"amount": "1000"}, format="json"
    )
    assert res.status_code == 201 and res.json()["status"] == "submitted" and res.json()["channel"] == "online"
    other = resident(agencies["a"])
    before = count_rows(*GUARDED)
    assert api(user).get(f"/api/v1/persons/{other.pk}/contribution-choices/").status_code == 404
    assert_refused(
        api(user).post(f"/api/v1/persons/{other.pk}/contribution-choices/determine/", {"amount": "500"}, format="json"),
        status=404,
        nothing_saved=before,
    )
    employer_user = EmployerUserFactory(employer=EmployerFactory(agency=agencies["a"]))
    assert_refused(
        api(employer_user).post(
            f"/api/v1/persons/{person.pk}/contribution-choices/change/", {"amount": "500"}, format="json"
        ),
        status=403,
        nothing_saved=before,
    )


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"amount": 6000}, "amount"),  # a number, not a decimal string
        ({"amount": "4799.99"}, "amount"),
        ({"amount": "6000", "insurance_types": ["999"]}, "insurance_types"),
        ({"amount": "6000", "valid_from": "20260"}, "valid_from"),
        ({}, "amount"),
        ({"amount": "6000", "tier": "500"}, "tier"),
    ],
)
def test_choice_bad_input(api, agencies, clerk, body, field):
    person = flexible_worker(agencies["a"])
    before = count_rows(*GUARDED)
    res = api(clerk).post(f"/api/v1/persons/{person.pk}/contribution-choices/determine/", body, format="json")
    assert_refused(res, status=400, field=field, nothing_saved=before)


def test_change_of_base_then_approve(api, approve, agencies, clerk):
    person = flexible_worker(agencies["a"], types=("110",))
    PersonContributionChoice.objects.create(
        person=person, insurance_type_id="110", valid_from=this_month(), base=Decimal("5000.00")
    )
    res = api(clerk).post(
        f"/api/v1/persons/{person.pk}/contribution-choices/change/", {"amount": "9000.50"}, format="json"
    )
    assert res.status_code == 201, res.json()
    approve(res.json()["id"])
    body = api(clerk).get(f"/api/v1/persons/{person.pk}/contribution-choices/").json()
    assert body["lines"][0]["amount"] == "5000.00"  # this month unchanged
    assert [h["base"] for h in body["history"]] == ["9000.50", "5000.00"]
    assert body["history"][0]["valid_from"] == month_add(this_month(), 1).isoformat()
    assert body["history"][0]["case"] and dt.date.fromisoformat(body["history"][1]["valid_from"]) == this_month()

"""020301 API: POST assessments/ starts and executes a month's run, GET lists and shows runs with totals per insurance
type, GET employers/<id>/bill/ gives a unit's month."""

from __future__ import annotations

from decimal import Decimal

import pytest

from shebao.contributions.models import Receivable
from shebao.core.batch_models import BatchRun
from shebao.core.choices import Role
from shebao.core.tests.factories import UserFactory
from shebao.registration.tests.factories import EmployerUserFactory, InsuredUserFactory
from shebao.testing import assert_refused, count_rows

from ..builders import unit

pytestmark = [pytest.mark.django_db, pytest.mark.catalog("020301")]

URL = "/api/v1/assessments/"


@pytest.fixture
def assessed(agencies, clerk, api):
    employer, people = unit(agencies["a"], persons=2, bases=("5000.00", "10000.00"))
    res = api(clerk).post(URL, {"month": "2026-10"}, format="json")
    assert res.status_code == 201, res.json()
    return employer, people, res.json()


def test_start_answers_201_with_the_finished_run_and_its_totals(assessed):
    _, _, body = assessed
    assert (body["status"], body["month"], body["region"], body["seq"], body["rows"]) == (
        "done",
        "2026-10",
        "330102",
        0,
        8,
    )
    assert body["due_date"] == "2026-10-15" and body["percent"] == 100.0
    pension = next(t for t in body["totals"]["by_insurance_type"] if t["insurance_type"] == "110")
    assert pension == {
        "insurance_type": "110",
        "name": pension["name"],
        "lines": 2,
        "persons": 2,
        "employer_amount": "2400.00",
        "individual_amount": "1200.00",
        "total": "3600.00",
    }
    assert body["totals"]["lines"] == 8


def test_a_supplementary_run_over_the_api(assessed, clerk, api):
    res = api(clerk).post(URL, {"month": "2026-10", "supplementary": True}, format="json")
    assert res.status_code == 201 and res.json()["seq"] == 1 and res.json()["rows"] == 0


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"month": "2026-13"}, "month"),
        ({"month": 202610}, "month"),
        ({}, "month"),
        ({"month": "2026-10", "supplementary": "yes"}, "supplementary"),
        ({"month": "2026-10", "region": "33010"}, "region"),
        ({"month": "2026-10", "region": "999999"}, "region"),
        ({"month": "2026-10", "chunk_size": 1}, "chunk_size"),
    ],
)
def test_bad_input_is_400_naming_the_field(agencies, clerk, api, body, field):
    assert_refused(lambda: api(clerk).post(URL, body, format="json"), status=400, field=field, nothing_saved=[BatchRun])


def test_another_district_is_404_and_no_grant_is_403(agencies, clerk_b, api):
    assert_refused(
        lambda: api(clerk_b).post(URL, {"month": "2026-10", "region": "330102"}, format="json"),
        status=404,
        nothing_saved=[BatchRun],
    )
    auditor = UserFactory(role=Role.AUDITOR, agency=agencies["a"])
    assert_refused(lambda: api(auditor).post(URL, {"month": "2026-10"}, format="json"), status=403)
    unit_user = EmployerUserFactory()
    assert_refused(lambda: api(unit_user).post(URL, {"month": "2026-10"}, format="json"), status=403)
    assert_refused(lambda: api(unit_user).get(URL), status=403)


def test_a_second_main_run_is_409_naming_it(assessed, clerk, api):
    _, _, body = assessed
    before = count_rows(BatchRun, Receivable)
    res = api(clerk).post(URL, {"month": "2026-10"}, format="json")
    assert_refused(res, status=409, field="month", message_contains=f"#{body['id']}", nothing_saved=before)


def test_list_and_detail_are_scoped_to_the_region(assessed, clerk, clerk_b, api):
    _, _, body = assessed
    listed = api(clerk).get(URL, {"month": "2026-10"}).json()
    assert [r["id"] for r in listed["results"]] == [body["id"]]
    assert api(clerk).get(URL, {"month": "2026-09"}).json()["results"] == []
    assert api(clerk_b).get(URL).json()["results"] == []
    assert api(clerk).get(f"{URL}{body['id']}/").json()["totals"] == body["totals"]
    assert_refused(lambda: api(clerk_b).get(f"{URL}{body['id']}/"), status=404)
    assert_refused(lambda: api(clerk).get(URL, {"month": "2026-1x"}), status=400, field="month")


def test_the_employer_sees_its_bill_and_no_other(assessed, agencies, api):
    employer, _people, _ = assessed
    user = EmployerUserFactory(employer=employer)
    res = api(user).get(f"/api/v1/employers/{employer.pk}/bill/", {"month": "2026-10"})
    assert res.status_code == 200, res.json()
    bill = res.json()
    assert (bill["month"], bill["due_date"], bill["persons_count"]) == ("2026-10", "2026-10-15", 2)
    assert bill["totals"]["total"] == str(
        sum((r.employer_amount + r.individual_amount for r in Receivable.objects.filter(employer=employer)), Decimal(0))
    )
    first = bill["persons"][0]
    assert "*" in first["id_number"] and len(first["lines"]) == 4
    assert Decimal(first["total"]) == sum(
        Decimal(line["employer_amount"]) + Decimal(line["individual_amount"]) for line in first["lines"]
    )
    other, _ = unit(agencies["a"], persons=1)
    assert_refused(lambda: api(user).get(f"/api/v1/employers/{other.pk}/bill/", {"month": "2026-10"}), status=404)
    assert_refused(
        lambda: api(InsuredUserFactory()).get(f"/api/v1/employers/{employer.pk}/bill/", {"month": "2026-10"}),
        status=404,
    )


def test_the_bill_pages_persons_and_checks_the_month(assessed, clerk, clerk_b, api):
    employer, _, _ = assessed
    url = f"/api/v1/employers/{employer.pk}/bill/"
    page = api(clerk).get(url, {"month": "2026-10", "page_size": 1, "page": 2}).json()
    assert (page["page"], len(page["persons"]), page["persons_count"]) == (2, 1, 2)
    assert_refused(lambda: api(clerk).get(url, {"month": "10/2026"}), status=400, field="month")
    assert_refused(lambda: api(clerk).get(url), status=400, field="month")
    assert_refused(lambda: api(clerk_b).get(url, {"month": "2026-10"}), status=404)
    empty = api(clerk).get(url, {"month": "2026-09"}).json()
    assert empty["persons"] == [] and empty["totals"]["total"] == "0.00" and empty["due_date"] is None

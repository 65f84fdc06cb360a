"""Bad input over HTTP (PostgreSQL): look-alike identifiers, control characters, unknown fields, NUL, deep JSON."""

from __future__ import annotations

import pytest

from shebao.conftest import employer_data, person_data
from shebao.registration.models import Employer, Person

pytestmark = pytest.mark.django_db

FULL_WIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")
ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
DEVANAGARI = str.maketrans("0123456789", "०१२३४५६७८९")


def _one_digit(number: str, table: dict, position: int) -> str:
    """The number with the digit at `position` written in another script."""
    return number[:position] + number[position].translate(table) + number[position + 1 :]


def test_api_refuses_other_script_digit_copy_of_an_enrolled_person(api, clerk, approve, make_employer):
    employer = make_employer()
    data = person_data()
    res = api(clerk).post("/api/v1/persons/", {"employer": employer.pk, **data}, format="json")
    assert res.status_code == 201, res.json()
    approve(res.json()["id"])

    for table in (ARABIC_INDIC, DEVANAGARI):
        twin = {**data, "id_number": _one_digit(data["id_number"], table, 10)}
        res = api(clerk).post("/api/v1/persons/", {"employer": employer.pk, **twin}, format="json")
        assert res.status_code == 400, res.json()
        assert "id_number" in str(res.json()["errors"])
    assert Person.objects.count() == 1


def test_api_full_width_copy_finds_the_enrolled_person(api, clerk, approve, make_employer):
    employer = make_employer()
    data = person_data()
    res = api(clerk).post("/api/v1/persons/", {"employer": employer.pk, **data}, format="json")
    approve(res.json()["id"])

    twin = {**data, "id_number": data["id_number"].translate(FULL_WIDTH)}
    res = api(clerk).post("/api/v1/persons/", {"employer": employer.pk, **twin}, format="json")
    assert res.status_code == 400, res.json()
    assert "已有有效的" in str(res.json()["errors"])
    assert list(Person.objects.values_list("id_number", flat=True)) == [data["id_number"]]


def test_api_stores_the_ascii_form_of_a_full_width_uscc(api, clerk, approve):
    data = employer_data()
    res = api(clerk).post("/api/v1/employers/", {**data, "uscc": data["uscc"].translate(FULL_WIDTH)}, format="json")
    assert res.status_code == 201, res.json()
    approve(res.json()["id"])
    assert Employer.objects.get().uscc == data["uscc"]


def test_api_refuses_rlo_in_employer_name(api, clerk):
    res = api(clerk).post("/api/v1/employers/", employer_data(name="杭州\u202e司公限有"), format="json")
    assert res.status_code == 400
    assert res.json()["errors"]["name"] == ["单位名称含有不允许的控制字符"]
    assert not Employer.objects.exists()

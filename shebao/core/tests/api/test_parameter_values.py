"""Parameter values are checked against their unit; a bad stored value is a clear 400, never a 500."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from shebao.conftest import make_user, person_data
from shebao.core.choices import Role
from shebao.core.errors import ApplicationError
from shebao.core.models import Parameter
from shebao.core.parameters import param_lookup, parameter_value_clean
from shebao.registration.models import Person

pytestmark = [pytest.mark.django_db]

PARAMS = "/api/v1/parameters/"


def _set(api, admin, key: str, value, **extra):
    body = {"key": key, "region": "330102", "effective_from": "2020-01-01", "value": value, **extra}
    return api(admin).post(PARAMS, body, format="json")


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("registration.enrol_backdate_months", "abc"),
        ("registration.enrol_backdate_months", "3.5"),
        ("registration.enrol_backdate_months", "-1"),
        ("registration.enrol_backdate_months", "٣"),
        ("registration.min_age", "十六"),
        ("case.time_limit.01010101", "1e3"),
        ("case.time_limit.default", "5\x07"),
    ],
)
def test_value_that_does_not_fit_the_unit_is_refused(api, agencies, key, value):
    admin = make_user(Role.AGENCY_ADMIN, agencies["a"])
    res = _set(api, admin, key, value)
    assert res.status_code == 400, res.json()
    assert list(res.json()["errors"]) == ["value"]
    assert res.json()["errors"]["value"][0].startswith("参数值")
    assert not Parameter.objects.filter(key=key, region_id="330102").exists()


def test_enrolment_still_works_after_abc_is_refused(api, agencies, clerk, make_employer):
    admin = make_user(Role.AGENCY_ADMIN, agencies["a"])
    assert _set(api, admin, "registration.enrol_backdate_months", "abc").status_code == 400
    employer = make_employer()
    res = api(clerk).post("/api/v1/persons/", {"employer": employer.pk, **person_data()}, format="json")
    assert res.status_code == 201, res.json()


def test_unit_of_a_key_cannot_be_changed(api, agencies):
    admin = make_user(Role.AGENCY_ADMIN, agencies["a"])
    res = _set(api, admin, "registration.enrol_backdate_months", "abc", unit="文本")
    assert (res.status_code, list(res.json()["errors"])) == (400, ["unit"])


def test_full_width_number_is_stored_in_ascii(api, agencies):
    admin = make_user(Role.AGENCY_ADMIN, agencies["a"])
    res = _set(api, admin, "registration.enrol_backdate_months", "６")
    assert res.status_code == 201, res.json()
    assert res.json()["value"] == "6"


def test_bad_value_already_in_the_database_is_a_clear_400_not_a_500(api, clerk, make_employer):
    employer = make_employer()
    Parameter.objects.create(
        key="registration.enrol_backdate_months",
        region_id="330102",
        effective_from=dt.date(2020, 1, 1),
        value="abc",
        unit="月",
    )
    client = api(clerk)
    client.raise_request_exception = False
    res = client.post("/api/v1/persons/", {"employer": employer.pk, **person_data()}, format="json")
    assert res.status_code == 400, res.content[:300]
    assert "registration.enrol_backdate_months" in res.json()["detail"]
    assert "abc" in res.json()["detail"]
    assert not Person.objects.exists()
    with pytest.raises(ApplicationError):
        param_lookup("registration.enrol_backdate_months", region="330102", on=timezone.localdate()).as_decimal()


@pytest.mark.parametrize(
    ("value", "unit", "clean"),
    [("016", "月", "16"), ("0.16", "比例", "0.16"), ("12.5", "%", "12.5"), ("8000.00", "元/月", "8000.00")],
)
def test_value_is_cleaned_for_its_unit(value, unit, clean):
    assert parameter_value_clean(value, unit) == clean


@pytest.mark.parametrize(("value", "unit"), [("1.6", "比例"), ("101", "%"), ("NaN", "元"), ("Infinity", "倍")])
def test_ratio_and_percent_ranges(value, unit):
    with pytest.raises(ApplicationError) as exc:
        parameter_value_clean(value, unit)
    assert "value" in exc.value.errors

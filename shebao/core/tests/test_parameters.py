"""Dated parameters: value in force on a date, region fallback (county → city → province → national), overrides."""

from __future__ import annotations

import datetime as dt

import pytest

from shebao.conftest import make_user
from shebao.core.choices import Role
from shebao.core.errors import ApplicationError, PermissionDeniedError
from shebao.core.models import Agency, AuditEvent, Parameter
from shebao.core.parameters import param_lookup, param_value, parameter_set

pytestmark = pytest.mark.django_db

D = dt.date
KEY = "test.rate"


@pytest.fixture
def dated():
    """A national value that changes on 2024-07-01."""
    Parameter.objects.create(key=KEY, region=None, effective_from=D(2020, 1, 1), value="0.16", unit="比例")
    Parameter.objects.create(
        key=KEY, region=None, effective_from=D(2024, 7, 1), value="0.14", unit="比例", legal_reference="测试文件"
    )


@pytest.mark.parametrize(
    ("on", "expected", "since"),
    [
        (D(2024, 6, 30), "0.16", D(2020, 1, 1)),  # the day before the change
        (D(2024, 7, 1), "0.14", D(2024, 7, 1)),  # the day of the change
        (D(2024, 7, 2), "0.14", D(2024, 7, 1)),  # the day after
        (D(2020, 1, 1), "0.16", D(2020, 1, 1)),
    ],
)
def test_effective_date_boundaries(dated, on, expected, since):
    found = param_lookup(KEY, on=on)
    assert (found.value, found.effective_from, found.region_code) == (expected, since, None)


def test_before_the_first_value_is_an_error(dated):
    with pytest.raises(ApplicationError) as exc:
        param_lookup(KEY, on=D(2019, 12, 31))
    assert "key" in exc.value.errors


def test_values_convert(dated):
    found = param_lookup(KEY, on=D(2025, 1, 1))
    assert str(found.as_decimal()) == "0.14"
    assert found.legal_reference == "测试文件"
    assert param_value(KEY, on=D(2025, 1, 1)) == "0.14"


@pytest.fixture
def layered(dated):
    """浙江省 from 2021, 杭州市 from 2022, 上城区 from 2023 (national changes 2024-07-01)."""
    Parameter.objects.create(key=KEY, region_id="330000", effective_from=D(2021, 1, 1), value="P")
    Parameter.objects.create(key=KEY, region_id="330100", effective_from=D(2022, 1, 1), value="C")
    Parameter.objects.create(key=KEY, region_id="330102", effective_from=D(2023, 1, 1), value="D")


@pytest.mark.parametrize(
    ("region", "on", "expected", "source"),
    [
        ("330102", D(2023, 1, 1), "D", "330102"),
        ("330102", D(2022, 12, 31), "C", "330100"),
        ("330102", D(2021, 6, 1), "P", "330000"),
        ("330102", D(2020, 12, 31), "0.16", None),
        ("330102", D(2025, 1, 1), "D", "330102"),  # the national change does not override a local value
        ("330105", D(2025, 1, 1), "C", "330100"),  # sibling county falls back to the city
        ("330100", D(2025, 1, 1), "C", "330100"),
        ("330000", D(2025, 1, 1), "P", "330000"),
        ("110105", D(2025, 1, 1), "0.14", None),  # another province: national
        (None, D(2025, 1, 1), "0.14", None),
    ],
)
def test_region_fallback(layered, region, on, expected, source):
    found = param_lookup(KEY, region=region, on=on)
    assert (found.value, found.region_code) == (expected, source)


def test_nearest_region_wins_even_with_an_older_date(dated):
    Parameter.objects.create(key=KEY, region_id="330102", effective_from=D(2020, 1, 1), value="county-old")
    Parameter.objects.create(key=KEY, region_id="330100", effective_from=D(2024, 1, 1), value="city-new")
    assert param_value(KEY, region="330102", on=D(2025, 1, 1)) == "county-old"


def test_unknown_region(dated):
    with pytest.raises(ApplicationError) as exc:
        param_lookup(KEY, region="999999", on=D(2025, 1, 1))
    assert "region" in exc.value.errors


def test_shipped_defaults_are_loaded():
    assert param_lookup("registration.min_age", on=D(2026, 1, 1)).as_int() == 16
    assert param_lookup("case.time_limit.01010101", region="330102", on=D(2026, 1, 1)).unit == "日"


# --- parameter_set ------------------------------------------------------------------------------------------


@pytest.fixture
def city_admin(agencies):
    return make_user(Role.AGENCY_ADMIN, agencies["city"], username="admin_city")


@pytest.fixture
def superuser(db):
    return make_user(Role.AGENCY_ADMIN, None, username="root", is_superuser=True, is_staff=True)


MIN_AGE = "registration.min_age"


@pytest.mark.parametrize("region", ["330100", "330102", "330105"])
def test_city_admin_sets_own_region_and_children(city_admin, region):
    param = parameter_set(
        actor=city_admin, key=MIN_AGE, region=region, effective_from=D(2026, 1, 1), value="18", legal_reference="测试"
    )
    assert param.region_id == region
    assert param.is_default is False
    assert param.created_by == city_admin
    assert param.unit == "周岁"  # taken over from the existing key
    assert param_lookup(MIN_AGE, region=region, on=D(2026, 1, 1)).value == "18"
    assert param_lookup(MIN_AGE, region=region, on=D(2025, 12, 31)).value == "16"
    assert param_lookup(MIN_AGE, region="110105", on=D(2026, 1, 1)).value == "16"


@pytest.mark.parametrize("region", ["330000", "350100", "110105", None])
def test_city_admin_cannot_set_province_other_province_or_national(city_admin, region):
    before = Parameter.objects.count(), AuditEvent.objects.count()
    with pytest.raises(PermissionDeniedError):
        parameter_set(actor=city_admin, key=MIN_AGE, region=region, effective_from=D(2026, 1, 1), value="18")
    assert (Parameter.objects.count(), AuditEvent.objects.count()) == before


def test_district_admin_cannot_set_for_its_parent_city(agencies):
    district_admin = make_user(Role.AGENCY_ADMIN, agencies["a"])
    with pytest.raises(PermissionDeniedError):
        parameter_set(actor=district_admin, key=MIN_AGE, region="330100", effective_from=D(2026, 1, 1), value="18")
    with pytest.raises(PermissionDeniedError):
        parameter_set(actor=district_admin, key=MIN_AGE, region="330105", effective_from=D(2026, 1, 1), value="18")
    assert (
        parameter_set(
            actor=district_admin, key=MIN_AGE, region="330102", effective_from=D(2026, 1, 1), value="18"
        ).region_id
        == "330102"
    )


def test_admin_of_another_province_is_refused(db):
    fuzhou = Agency.objects.create(code="350100", name="福州市社会保险中心", region_id="350100")
    admin = make_user(Role.AGENCY_ADMIN, fuzhou)
    with pytest.raises(PermissionDeniedError):
        parameter_set(actor=admin, key=MIN_AGE, region="330102", effective_from=D(2026, 1, 1), value="18")


def test_clerk_cannot_set_parameters(clerk):
    with pytest.raises(PermissionDeniedError):
        parameter_set(actor=clerk, key=MIN_AGE, region="330102", effective_from=D(2026, 1, 1), value="18")


def test_national_value_needs_a_superuser(superuser):
    param = parameter_set(actor=superuser, key=MIN_AGE, region=None, effective_from=D(2030, 1, 1), value="17")
    assert param.region_id is None
    assert param_lookup(MIN_AGE, region="330102", on=D(2030, 1, 1)).value == "17"
    assert param_lookup(MIN_AGE, region="330102", on=D(2029, 12, 31)).value == "16"


def test_setting_writes_an_audit_row(city_admin):
    param = parameter_set(actor=city_admin, key=MIN_AGE, region="330102", effective_from=D(2026, 1, 1), value="18")
    event = AuditEvent.objects.order_by("-seq").first()
    assert event.action == "parameter.set"
    assert event.object_type == "parameter" and event.object_id == str(param.pk)
    assert event.actor == city_admin and event.agency == city_admin.agency
    assert event.after == {
        "key": MIN_AGE,
        "region": "330102",
        "from": "2026-01-01",
        "value": "18",
        "verified": True,
        "created": True,
    }


def test_setting_the_same_date_again_updates_the_row(city_admin):
    first = parameter_set(actor=city_admin, key=MIN_AGE, region="330102", effective_from=D(2026, 1, 1), value="18")
    second = parameter_set(actor=city_admin, key=MIN_AGE, region="330102", effective_from=D(2026, 1, 1), value="17")
    assert first.pk == second.pk
    assert AuditEvent.objects.filter(action="parameter.set").count() == 2
    assert AuditEvent.objects.order_by("-seq").first().after["created"] is False


@pytest.mark.parametrize(
    ("key", "region", "value", "field"),
    [
        ("", "330102", "1", "key"),
        ("no.such.key", "330102", "1", "key"),
        (MIN_AGE, "330102", "  ", "value"),
        (MIN_AGE, "330102", "9" * 201, "value"),
        (MIN_AGE, "999999", "1", "region"),
    ],
)
def test_parameter_set_input_errors(city_admin, key, region, value, field):
    with pytest.raises(ApplicationError) as exc:
        parameter_set(actor=city_admin, key=key, region=region, effective_from=D(2026, 1, 1), value=value)
    assert field in exc.value.errors

"""API of the business catalogue and of dated parameters (override by an agency admin, then look-up)."""

from __future__ import annotations

import datetime as dt

import pytest

from shebao.conftest import make_user
from shebao.core.choices import Role
from shebao.core.models import Parameter

pytestmark = [pytest.mark.django_db]

PARAMS = "/api/v1/parameters/"
LOOKUP = "/api/v1/parameters/lookup/"


def test_catalog_tree_and_leaves(api, clerk):
    client = api(clerk)
    tree = client.get("/api/v1/catalog/").json()
    assert len(tree) == 12
    cluster = tree[0]
    assert cluster["code"] == "01"
    leaf = cluster["children"][0]["children"][0]["children"][0]
    assert (leaf["code"], leaf["is_leaf"], leaf["children"]) == ("01010101", True, [])
    leaves = client.get("/api/v1/catalog/", {"leaf": "true"}).json()
    assert len(leaves) == 152
    assert all(node["is_leaf"] for node in leaves)
    assert leaves[0]["full_name"] == "单位登记·参保登记"
    assert client.get("/api/v1/catalog/", {"leaf": "maybe"}).status_code == 400


def test_catalog_needs_login(api):
    assert api().get("/api/v1/catalog/").status_code == 401


def test_parameter_list_filters(api, clerk):
    client = api(clerk)
    body = client.get(PARAMS, {"key": "registration."}).json()
    assert body["count"] == 3
    assert {p["key"] for p in body["results"]} == {
        "registration.enrol_backdate_months",
        "registration.enrol_advance_months",
        "registration.min_age",
    }
    assert client.get(PARAMS, {"region": "330102"}).json()["count"] == 0
    assert client.get(PARAMS, {"region": "abc"}).status_code == 400


def test_override_then_lookup(api, agencies):
    admin = make_user(Role.AGENCY_ADMIN, agencies["a"])
    res = api(admin).post(
        PARAMS,
        {
            "key": "registration.enrol_backdate_months",
            "region": "330102",
            "effective_from": "2026-01-01",
            "value": "6",
            "legal_reference": "上城区经办规程",
        },
        format="json",
    )
    assert res.status_code == 201, res.json()
    assert res.json()["unit"] == "月"
    assert res.json()["is_default"] is False

    client = api(admin)
    key = "registration.enrol_backdate_months"
    local = client.get(LOOKUP, {"key": key, "region": "330102", "date": "2026-03-01"}).json()
    assert (local["value"], local["region"], local["legal_reference"]) == ("6", "330102", "上城区经办规程")
    before = client.get(LOOKUP, {"key": key, "region": "330102", "date": "2025-12-31"}).json()
    assert (before["value"], before["region"]) == ("3", None)
    neighbour = client.get(LOOKUP, {"key": key, "region": "330105", "date": "2026-03-01"}).json()
    assert neighbour["value"] == "3"
    assert client.get(PARAMS, {"region": "330102"}).json()["count"] == 1


def test_clerk_may_not_override(api, clerk):
    res = api(clerk).post(
        PARAMS,
        {
            "key": "registration.min_age",
            "region": "330102",
            "effective_from": "2026-01-01",
            "value": "18",
        },
        format="json",
    )
    assert res.status_code == 403
    assert not Parameter.objects.filter(is_default=False).exists()


def test_admin_may_not_override_other_district(api, agencies):
    admin = make_user(Role.AGENCY_ADMIN, agencies["a"])
    res = api(admin).post(
        PARAMS,
        {
            "key": "registration.min_age",
            "region": "330105",
            "effective_from": "2026-01-01",
            "value": "18",
        },
        format="json",
    )
    assert res.status_code == 403


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"key": "no.such.key"}, "key"),
        ({"value": ""}, "value"),
        ({"region": "999999"}, "region"),
        ({"region": 330102}, "region"),
        ({"effective_from": "2026-02-30"}, "effective_from"),
        ({"value": 6}, "value"),
    ],
)
def test_override_bad_input(api, agencies, body, field):
    admin = make_user(Role.AGENCY_ADMIN, agencies["a"])
    data = {"key": "registration.min_age", "region": "330102", "effective_from": "2026-01-01", "value": "18"}
    res = api(admin).post(PARAMS, {**data, **body}, format="json")
    assert res.status_code == 400, res.json()
    assert field in res.json()["errors"]
    assert not Parameter.objects.filter(is_default=False).exists()


def test_lookup_errors(api, clerk):
    client = api(clerk)
    missing = client.get(LOOKUP, {"key": "no.such.key"})
    assert missing.status_code == 400
    assert "key" in missing.json()["errors"]
    assert client.get(LOOKUP, {"key": "registration.min_age", "region": "999999"}).status_code == 400
    assert client.get(LOOKUP, {"key": "registration.min_age", "date": "someday"}).status_code == 400
    too_early = client.get(LOOKUP, {"key": "registration.min_age", "date": "1990-01-01"})
    assert too_early.status_code == 400
    today = client.get(LOOKUP, {"key": "registration.min_age"}).json()
    assert today["value"] == "16"
    assert dt.date.fromisoformat(today["effective_from"]) == dt.date(1995, 1, 1)

"""Parameters shown to people: no internal markers ("unverified", 待核实…) in what clerks, employers or insured people
read (case due notes, the parameter API); whether a source is verified is a flag only administrators see."""

from __future__ import annotations

import datetime as dt
import importlib
from pathlib import Path

import pytest
import yaml
from django.apps import apps as django_apps
from django.core.exceptions import ImproperlyConfigured

from shebao.conftest import make_user, person_data
from shebao.core import parameters as parameters_module
from shebao.core.choices import Role
from shebao.core.errors import ApplicationError
from shebao.core.models import AuditEvent, Case, Parameter
from shebao.core.parameters import PARAMETER_DIR, internal_marker, load_default_parameters, parameter_set
from shebao.registration.services import person_enrol

pytestmark = pytest.mark.django_db

PARAMS = "/api/v1/parameters/"
LOOKUP = "/api/v1/parameters/lookup/"
MARKERS = ("unverified", "待核实", "未核实")


def _has_marker(text: str) -> bool:
    return any(m in text.lower() for m in MARKERS)


def test_shipped_yaml_has_no_internal_markers():
    for path in PARAMETER_DIR.glob("*.yaml"):
        for key, spec in yaml.safe_load(path.read_text(encoding="utf-8"))["parameters"].items():
            for entry in spec["values"]:
                assert internal_marker(str(entry.get("ref", ""))) is None, (path.name, key)
            assert internal_marker(spec.get("description", "")) is None, (path.name, key)


def test_unconfirmed_sources_are_flagged_not_written_into_the_reference():
    row = Parameter.objects.get(key="registration.enrol_backdate_months", region__isnull=True)
    assert row.verified is False and row.legal_reference == "地方经办规程"
    assert Parameter.objects.get(key="registration.min_age", region__isnull=True).verified is True
    assert not Parameter.objects.filter(legal_reference__iregex=r"unverified|待核实").exists()


def test_a_yaml_with_a_marker_stops_the_load(tmp_path, monkeypatch):
    entry = '{from: 2020-01-01, value: 1, ref: "某规程（待核实）"}'
    (tmp_path / "x.yaml").write_text(
        f"parameters:\n  x.limit:\n    unit: 日\n    values:\n      - {entry}\n", encoding="utf-8"
    )
    monkeypatch.setattr(parameters_module, "PARAMETER_DIR", Path(tmp_path))
    with pytest.raises(ImproperlyConfigured):
        load_default_parameters()
    assert not Parameter.objects.filter(key="x.limit").exists()


def test_clerks_case_page_shows_no_marker(client, clerk, make_employer):
    case = person_enrol(actor=clerk, employer=make_employer(), data=person_data())
    assert "GB/T 35615" in case.due_note and not _has_marker(case.due_note)
    client.force_login(clerk)
    html = client.get(f"/cases/{case.pk}/").content.decode()
    assert "GB/T 35615 社会保险登记服务规范" in html
    assert not _has_marker(html)


@pytest.mark.parametrize("role", [Role.CLERK, Role.REVIEWER, Role.AUDITOR])
def test_parameter_api_for_staff_has_no_marker_nor_status(api, agencies, role):
    client = api(make_user(role, agencies["a"]))
    res = client.get(PARAMS, {"page_size": 200})
    assert res.status_code == 200
    assert not _has_marker(res.content.decode())
    assert all("verified" not in row for row in res.json()["results"])
    res = client.get(LOOKUP, {"key": "registration.enrol_backdate_months"})
    assert res.status_code == 200 and "verified" not in res.json()
    assert not _has_marker(res.content.decode())


def test_admin_sees_the_verification_status(api, agencies):
    client = api(make_user(Role.AGENCY_ADMIN, agencies["a"]))
    rows = {r["key"]: r for r in client.get(PARAMS, {"key": "registration."}).json()["results"]}
    assert rows["registration.enrol_backdate_months"]["verified"] is False
    assert rows["registration.min_age"]["verified"] is True
    looked_up = client.get(LOOKUP, {"key": "registration.enrol_backdate_months"}).json()
    assert looked_up["verified"] is False


def test_override_with_a_marker_is_refused_naming_the_field(agencies):
    admin = make_user(Role.AGENCY_ADMIN, agencies["a"])
    with pytest.raises(ApplicationError) as exc:
        parameter_set(
            actor=admin,
            key="registration.enrol_backdate_months",
            region="330102",
            effective_from=dt.date(2026, 1, 1),
            value="6",
            legal_reference="上城区经办规程（unverified）",
        )
    assert "legal_reference" in exc.value.errors and "内部标记" in exc.value.errors["legal_reference"][0]
    assert not Parameter.objects.filter(region_id="330102").exists()


def test_override_records_an_unverified_source_as_a_flag(api, agencies):
    admin = make_user(Role.AGENCY_ADMIN, agencies["a"])
    body = {
        "key": "registration.enrol_backdate_months",
        "region": "330102",
        "effective_from": "2026-01-01",
        "value": "6",
        "legal_reference": "上城区经办规程",
        "verified": False,
    }
    res = api(admin).post(PARAMS, body, format="json")
    assert res.status_code == 201, res.json()
    assert res.json()["verified"] is False
    assert Parameter.objects.get(region_id="330102").verified is False
    assert AuditEvent.objects.get(action="parameter.set").after["verified"] is False


def test_migration_strips_markers_from_existing_rows(clerk, make_employer):
    migration = importlib.import_module("shebao.core.migrations.0005_parameter_verified")
    param = Parameter.objects.get(key="registration.enrol_advance_months", region__isnull=True)
    Parameter.objects.filter(pk=param.pk).update(legal_reference="地方经办规程（unverified）", verified=True)
    case = person_enrol(actor=clerk, employer=make_employer(), data=person_data())
    Case.objects.filter(pk=case.pk).update(due_note="5个工作日（GB/T 35615 社会保险登记服务规范（unverified））")
    migration.strip_markers(django_apps, None)
    param.refresh_from_db()
    assert (param.legal_reference, param.verified) == ("地方经办规程", False)
    assert Case.objects.get(pk=case.pk).due_note == "5个工作日（GB/T 35615 社会保险登记服务规范）"

"""1107 数据安全 API: access-log search (ID number only in the body), audited export of the log, export requests
through approval to the watermarked download, masking rules changing the person detail API, JSON 404s."""

from __future__ import annotations

import pytest

from shebao.conftest import make_user
from shebao.core.choices import Role
from shebao.core.models import AuditEvent, Case, PersonalDataAccess
from shebao.operations.models import MaskingRule, PersonalDataExport
from shebao.testing import assert_refused

from ..helpers import REASON, column_values, open_workbook, unit_with_employees

pytestmark = [pytest.mark.django_db, pytest.mark.catalog("1107")]

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def auditor(agencies):
    return make_user(Role.AUDITOR, agencies["a"], username="auditor_a")


def test_full_id_in_person_detail_api_is_logged_and_found_by_the_auditor(api, agencies, clerk, auditor):
    _, (person, other) = unit_with_employees(agencies["a"], 2)
    res = api(clerk).get(f"/api/v1/persons/{person.pk}/")
    assert res.status_code == 200 and res.json()["id_number"] == person.id_number
    api(clerk).get(f"/api/v1/persons/{other.pk}/")

    res = api(auditor).post("/api/v1/security/access-log/search/", {"id_number": person.id_number}, format="json")
    assert res.status_code == 200, res.json()
    rows = res.json()["results"]
    assert {(r["actor"], r["object_id"], r["field"]) for r in rows} == {
        (clerk.pk, str(person.pk), "id_number"),
        (clerk.pk, str(person.pk), "bank_account"),
    }
    assert person.id_number not in res.content.decode()  # the list shows masked numbers only
    assert person.id_number[:6] in rows[0]["object_label"]

    res = api(auditor).get("/api/v1/security/access-log/", {"actor": clerk.username, "field": "bank_account"})
    assert res.status_code == 200 and res.json()["count"] == 2
    auditor_b = make_user(Role.AUDITOR, agencies["b"])
    assert api(auditor_b).get("/api/v1/security/access-log/").json()["count"] == 0  # not their subtree


def test_access_log_refuses_number_in_url_bad_filters_and_other_roles(api, agencies, clerk, auditor):
    res = api(auditor).get("/api/v1/security/access-log/", {"id_number": "110105198001010011"})
    assert res.status_code == 400 and "网址" in res.json()["errors"]["id_number"][0]
    res = api(auditor).post("/api/v1/security/access-log/search/", {"date_from": "2026-02-30"}, format="json")
    assert res.status_code == 400 and "date_from" in res.json()["errors"]
    res = api(auditor).post("/api/v1/security/access-log/search/", {"id_number": "abc"}, format="json")
    assert res.status_code == 400 and "18位" in res.json()["errors"]["id_number"][0]
    res = api(auditor).post("/api/v1/security/access-log/search/", {"colour": "red"}, format="json")
    assert res.status_code == 400 and "colour" in res.json()["errors"]
    assert api(clerk).get("/api/v1/security/access-log/").status_code == 403
    assert api().get("/api/v1/security/access-log/").status_code in (401, 403)


def test_access_log_export_is_itself_audited(api, agencies, clerk, auditor):
    _, (person,) = unit_with_employees(agencies["a"], 1)
    api(clerk).get(f"/api/v1/persons/{person.pk}/")
    res = api(auditor).get("/api/v1/security/access-log/export/", {"field": "id_number"})
    assert res.status_code == 200 and res["Content-Type"] == XLSX
    wb = open_workbook(res.content)
    values = [v for row in wb.active.iter_rows(values_only=True) for v in row if v]
    assert "社会保障号码" in values and person.id_number not in values
    event = AuditEvent.objects.get(action="pd_access.export")
    assert event.actor_id == auditor.pk and event.after["rows"] == 1
    assert event.after["filters"] == {"field": "id_number"}


def test_export_request_approval_and_download(api, approve, agencies, clerk, reviewer):
    employer, people = unit_with_employees(agencies["a"], 2)
    body = {"kind": "employees", "filters": {"employer": employer.pk}, "reason": REASON}
    res = api(clerk).post("/api/v1/security/exports/", body, format="json")
    assert res.status_code == 201, res.json()
    case_id = res.json()["id"]
    url = f"/api/v1/security/exports/{case_id}/"

    detail = api(clerk).get(url).json()
    assert detail["state"] == "待复核" and detail["file"] is None and detail["rows"] == 2
    res = api(clerk).get(url + "download/")
    assert res.status_code == 400 and "尚未经复核" in res.json()["detail"]

    res = api(clerk).post(f"/api/v1/cases/{case_id}/approve/", {}, format="json")
    assert res.status_code in (403, 400)  # the requester never approves their own request
    approve(case_id)

    assert api(reviewer).get(url + "download/").status_code == 404  # only the requester downloads
    res = api(clerk).get(url + "download/")
    assert res.status_code == 200 and res["Content-Type"] == XLSX
    wb = open_workbook(res.content)
    case = Case.objects.get(pk=case_id)
    assert f"导出人 {clerk}" in wb.active["A1"].value and case.number in wb.active["A1"].value
    assert sorted(column_values(wb)) == sorted(p.id_number for p in people)
    assert PersonalDataAccess.objects.filter(object_type="pd_export", actor=clerk).exists()
    detail = api(clerk).get(url).json()
    assert detail["file"]["downloads"] == 1 and detail["file"]["watermark"] == wb.active["A1"].value
    listed = api(reviewer).get("/api/v1/security/exports/").json()
    assert [r["id"] for r in listed["results"]] == [case_id]


def test_export_request_bad_input_and_scope(api, agencies, clerk, clerk_b):
    employer, _ = unit_with_employees(agencies["a"])
    client = api(clerk)
    assert_refused(
        lambda: client.post("/api/v1/security/exports/", {"kind": "employees", "reason": REASON}, format="json"),
        status=400,
        field="filters",
        message_contains="参保单位",
        nothing_saved=[Case, PersonalDataExport],
    )
    assert_refused(
        lambda: client.post("/api/v1/security/exports/", {"kind": "x", "reason": REASON}, format="json"),
        status=400,
        field="kind",
        nothing_saved=[Case],
    )
    res = client.post(
        "/api/v1/security/exports/",
        {"kind": "employees", "filters": {"employer": employer.pk}, "reason": REASON},
        format="json",
    )
    case_id = res.json()["id"]
    assert api(clerk_b).get(f"/api/v1/security/exports/{case_id}/").status_code == 404
    assert api(clerk_b).get(f"/api/v1/security/exports/{case_id}/download/").status_code == 404
    for path in ("exports/abc/", "exports/1x/download/", "masking-rules/abc/", "nothing/"):
        res = client.get(f"/api/v1/security/{path}")
        assert res.status_code == 404 and res["Content-Type"].startswith("application/json"), path


def test_masking_rule_update_changes_the_person_detail_api_for_that_role_only(api, agencies, clerk, reviewer):
    root_admin = make_user(Role.AGENCY_ADMIN, agencies["city"])
    _, (person,) = unit_with_employees(agencies["a"], 1)
    rules = api(root_admin).get("/api/v1/security/masking-rules/").json()
    rule = next(r for r in rules if r["role"] == "clerk" and r["kind"] == "phone")
    assert rule["rule"] == "full"

    res = api(root_admin).patch(f"/api/v1/security/masking-rules/{rule['id']}/", {"rule": "hidden"}, format="json")
    assert res.status_code == 200 and res.json()["rule_label"] == "不显示"
    id_rule = MaskingRule.objects.get(role="clerk", kind="id_number")
    api(root_admin).patch(f"/api/v1/security/masking-rules/{id_rule.pk}/", {"rule": "mask_middle"}, format="json")

    as_clerk = api(clerk).get(f"/api/v1/persons/{person.pk}/").json()
    as_reviewer = api(reviewer).get(f"/api/v1/persons/{person.pk}/").json()
    assert as_clerk["phone"] == "（已隐藏）" and as_reviewer["phone"] == person.phone
    assert as_clerk["id_number"] != person.id_number and as_clerk["id_number_masked"] is True
    assert as_reviewer["id_number"] == person.id_number


def test_masking_rule_update_refused_for_district_admin_and_bad_rule(api, agencies):
    root_admin = make_user(Role.AGENCY_ADMIN, agencies["city"])
    district_admin = make_user(Role.AGENCY_ADMIN, agencies["a"])
    rule = MaskingRule.objects.get(role="finance", kind="bank_account")
    url = f"/api/v1/security/masking-rules/{rule.pk}/"
    assert api(district_admin).patch(url, {"rule": "full"}, format="json").status_code == 403
    assert_refused(
        lambda: api(root_admin).patch(url, {"rule": "blur"}, format="json"),
        status=400,
        field="rule",
        nothing_saved=[AuditEvent],
    )
    assert MaskingRule.objects.get(pk=rule.pk).rule == "mask_middle"


def test_case_detail_api_showing_a_full_id_number_is_logged(api, agencies, reviewer, make_person):
    employer, _ = unit_with_employees(agencies["a"], 1)
    person = make_person(employer)
    case = Case.objects.filter(item_id="01010201").latest("pk")
    res = api(reviewer).get(f"/api/v1/cases/{case.pk}/")
    assert res.status_code == 200 and person.id_number in res.content.decode()
    row = PersonalDataAccess.objects.get(object_type="case", object_id=str(case.pk), field="id_number")
    assert row.actor_id == reviewer.pk and case.number in row.where

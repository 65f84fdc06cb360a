"""API of 个人登记: 01010201 参保登记 (single and bulk), 01010202 变更登记, 01010203 关系终止."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from shebao.conftest import make_user, person_data
from shebao.core.choices import Role
from shebao.core.models import Attachment, Case
from shebao.core.synthetic import citizen_id
from shebao.core.tests.samples import PDF
from shebao.registration.excel import COLUMNS
from shebao.registration.models import Enrolment, Person

pytestmark = [pytest.mark.django_db, pytest.mark.catalog("01010201", "01010202", "01010203")]

PERSONS = "/api/v1/persons/"


def _this_month() -> str:
    return timezone.localdate().strftime("%Y-%m")


def _enrol(api, clerk, approve, employer, **overrides) -> Person:
    res = api(clerk).post(PERSONS, {"employer": employer.pk, **person_data(**overrides)}, format="json")
    assert res.status_code == 201, res.json()
    done = approve(res.json()["id"])
    return Person.objects.get(pk=done["result"]["person_ids"][0])


def test_enrol_person_then_approve(api, clerk, approve, make_employer):
    employer = make_employer()
    data = person_data()
    res = api(clerk).post(PERSONS, {"employer": employer.pk, **data}, format="json")
    assert res.status_code == 201, res.json()
    case = res.json()
    assert (case["item"], case["status"]) == ("01010201", "accepted")
    assert case["payload"]["rows"][0]["id_number"] == data["id_number"]  # staff see the full number
    assert not Person.objects.filter(id_number=data["id_number"]).exists()

    person_id = approve(case["id"])["result"]["person_ids"][0]
    detail = api(clerk).get(f"{PERSONS}{person_id}/").json()
    assert detail["id_number"] == data["id_number"]
    assert detail["id_number_masked"] is False
    assert detail["employer"] == employer.pk
    assert sorted(e["insurance_type"] for e in detail["enrolments"]) == ["110", "310"]
    assert {e["status"] for e in detail["enrolments"]} == {"active"}


def test_flexible_worker_enrols_without_employer(api, clerk, approve):
    data = person_data(insurances=["110"])
    res = api(clerk).post(PERSONS, {"category": "flexible", **data}, format="json")
    assert res.status_code == 201, res.json()
    person_id = approve(res.json()["id"])["result"]["person_ids"][0]
    assert Person.objects.get(pk=person_id).category == "flexible"


def test_list_masks_id_numbers_and_searches(api, clerk, make_employer, make_person):
    employer = make_employer()
    person = make_person(employer, name="欧阳修")
    make_person(employer, name="苏轼")
    client = api(clerk)
    rows = client.get(PERSONS).json()["results"]
    assert len(rows) == 2
    assert all("*" in r["id_number"] for r in rows)
    assert person.id_number not in str(rows)
    by_id = client.get(PERSONS, {"q": person.id_number}).json()
    assert [r["id"] for r in by_id["results"]] == [person.pk]
    assert client.get(PERSONS, {"q": "欧阳"}).json()["count"] == 1
    assert client.get(PERSONS, {"employer": employer.pk}).json()["count"] == 2
    assert client.get(PERSONS, {"employer": "x"}).status_code == 400


def test_finance_sees_masked_id_in_detail(api, agencies, make_employer, make_person):
    person = make_person(make_employer())
    finance = make_user(Role.FINANCE, agencies["a"])
    detail = api(finance).get(f"{PERSONS}{person.pk}/").json()
    assert detail["id_number_masked"] is True
    assert detail["id_number"] != person.id_number
    assert detail["birth_date"] is None


def test_insured_person_sees_own_full_id_only(api, make_employer, make_person):
    employer = make_employer()
    me, other = make_person(employer), make_person(employer)
    user = make_user(Role.INSURED, None, person=me)
    client = api(user)
    assert client.get(f"{PERSONS}{me.pk}/").json()["id_number"] == me.id_number
    assert client.get(f"{PERSONS}{other.pk}/").status_code == 404


def test_change_phone_and_suspend(api, clerk, approve, make_employer, make_person):
    person = make_person(make_employer())
    res = api(clerk).post(
        f"{PERSONS}{person.pk}/change/",
        {"phone": "13600136000", "suspend_insurances": ["310"], "change_month": _this_month(), "reason": "减员"},
        format="json",
    )
    assert res.status_code == 201, res.json()
    assert res.json()["item"] == "01010202"
    approve(res.json()["id"])
    person.refresh_from_db()
    assert person.phone == "13600136000"
    assert Enrolment.objects.get(person=person, insurance_type_id="310").status == "suspended"


def test_name_change_needs_material(api, clerk, make_employer, make_person):
    person = make_person(make_employer())
    res = api(clerk).post(f"{PERSONS}{person.pk}/change/", {"name": "新名字"}, format="json")
    assert res.status_code == 400
    assert "materials" in res.json()["errors"]
    assert not Case.objects.filter(item_id="01010202").exists()


def test_name_change_with_material_multipart(
    api, clerk, approve, make_employer, make_person, django_capture_on_commit_callbacks
):
    person = make_person(make_employer())
    upload = SimpleUploadedFile("hukou.pdf", PDF, content_type="application/pdf")
    with django_capture_on_commit_callbacks(execute=True):
        res = api(clerk).post(
            f"{PERSONS}{person.pk}/change/",
            {"name": "新名字", "materials": [upload], "materials_kind": "户籍证明"},
            format="multipart",
        )
    assert res.status_code == 201, res.json()
    case = res.json()
    assert [a["kind"] for a in case["attachments"]] == ["户籍证明"]
    approve(case["id"])
    person.refresh_from_db()
    assert person.name == "新名字"
    download = api(clerk).get(f"/api/v1/cases/{case['id']}/materials/{case['attachments'][0]['id']}/")
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF


def test_name_change_with_wrong_material_type_saves_nothing(api, clerk, make_employer, make_person):
    person = make_person(make_employer())
    upload = SimpleUploadedFile("hukou.exe", b"MZ\x90\x00", content_type="application/octet-stream")
    res = api(clerk).post(
        f"{PERSONS}{person.pk}/change/", {"name": "新名字", "materials": [upload]}, format="multipart"
    )
    assert res.status_code == 400
    assert "materials" in res.json()["errors"]
    assert not Case.objects.filter(item_id="01010202").exists()
    assert Attachment.objects.count() == 0


def test_terminate_person(api, clerk, approve, make_employer, make_person):
    person = make_person(make_employer())
    today = timezone.localdate().isoformat()
    res = api(clerk).post(f"{PERSONS}{person.pk}/terminate/", {"reason": "death", "end_date": today}, format="json")
    assert res.status_code == 201, res.json()
    assert res.json()["item"] == "01010203"
    approve(res.json()["id"])
    detail = api(clerk).get(f"{PERSONS}{person.pk}/").json()
    assert detail["status"] == "terminated"
    assert detail["terminated_on"] == today
    assert {e["status"] for e in detail["enrolments"]} == {"ended"}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"reason": "death", "end_date": "FUTURE"}, "end_date"),
        ({"reason": "death", "end_date": "2026-02-30"}, "end_date"),
        ({"reason": "bored", "end_date": "TODAY"}, "reason"),
        ({"reason": "other", "end_date": "TODAY"}, "note"),
        ({"end_date": "TODAY"}, "reason"),
    ],
)
def test_terminate_bad_input(api, clerk, make_employer, make_person, body, field):
    person = make_person(make_employer())
    today = timezone.localdate()
    dates = {"FUTURE": (today + dt.timedelta(days=1)).isoformat(), "TODAY": today.isoformat()}
    body = {k: dates.get(v, v) for k, v in body.items()}
    res = api(clerk).post(f"{PERSONS}{person.pk}/terminate/", body, format="json")
    assert res.status_code == 400, res.json()
    assert field in res.json()["errors"]
    assert not Case.objects.filter(item_id="01010203").exists()
    person.refresh_from_db()
    assert person.status == "active"


# --- bad input on enrolment ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"id_number": "BADCHECK"}, "id_number"),
        ({"id_number": 110105199001010011}, "id_number"),
        ({"name": ""}, "name"),
        ({"start_month": ""}, "start_month"),
        ({"start_month": "1999-01"}, "start_month"),
        ({"insurances": ["170"]}, "insurances"),  # a resident scheme type the unit does not hold
        ({"insurances": "110"}, "insurances"),
        ({"phone": "abc"}, "phone"),
    ],
)
def test_enrol_bad_input_names_the_field(api, clerk, make_employer, overrides, field):
    employer = make_employer()
    data = person_data(**overrides)
    if data["id_number"] == "BADCHECK":
        good = person_data()["id_number"]
        data["id_number"] = good[:17] + ("0" if good[17] != "0" else "1")
    res = api(clerk).post(PERSONS, {"employer": employer.pk, **data}, format="json")
    assert res.status_code == 400, res.json()
    assert field in res.json()["errors"], res.json()
    assert not Case.objects.filter(item_id="01010201").exists()
    assert Person.objects.count() == 0


def test_enrol_check_digit_message(api, clerk, make_employer):
    employer = make_employer()
    good = citizen_id("330102", dt.date(1990, 5, 1), 7)
    bad = good[:17] + ("0" if good[17] != "0" else "1")
    res = api(clerk).post(PERSONS, {"employer": employer.pk, **person_data(id_number=bad)}, format="json")
    assert res.status_code == 400
    assert res.json()["errors"]["id_number"] == ["社会保障号码校验位错误，请核对"]


def test_enrol_employee_needs_employer(api, clerk):
    res = api(clerk).post(PERSONS, person_data(), format="json")
    assert res.status_code == 400
    assert "employer" in res.json()["errors"]


def test_enrol_twice_same_insurance_refused(api, clerk, approve, make_employer):
    employer = make_employer()
    person = _enrol(api, clerk, approve, employer)
    res = api(clerk).post(PERSONS, {"employer": employer.pk, **person_data(id_number=person.id_number)}, format="json")
    assert res.status_code == 409  # already enrolled: a conflict, as every item's duplicate
    assert "已有有效的" in res.json()["errors"]["insurances"][0]


def test_enrol_while_a_case_for_the_id_is_pending_is_409_naming_it(api, clerk, make_employer):
    employer, other = make_employer(), make_employer()
    data = person_data()
    first = api(clerk).post(PERSONS, {"employer": employer.pk, **data}, format="json")
    assert first.status_code == 201
    res = api(clerk).post(PERSONS, {"employer": other.pk, **data}, format="json")
    assert res.status_code == 409, res.json()
    case = first.json()
    message = res.json()["errors"]["id_number"][0]
    assert message == f"该人员已有在办的「{case['item_name']}」业务（业务流水号 {case['number']}），请勿重复申报"
    assert Case.objects.filter(item_id="01010201").count() == 1


# --- scope --------------------------------------------------------------------------------------------------------


def test_other_district_clerk_gets_404(api, clerk_b, make_employer, make_person):
    employer = make_employer()
    person = make_person(employer)
    client = api(clerk_b)
    assert client.get(f"{PERSONS}{person.pk}/").status_code == 404
    res = client.post(f"{PERSONS}{person.pk}/change/", {"phone": "13600136000"}, format="json")
    assert res.status_code == 404
    res = client.post(
        f"{PERSONS}{person.pk}/terminate/",
        {"reason": "death", "end_date": timezone.localdate().isoformat()},
        format="json",
    )
    assert res.status_code == 404
    res = client.post(PERSONS, {"employer": employer.pk, **person_data()}, format="json")
    assert res.status_code == 404
    assert client.get(PERSONS, {"q": person.id_number}).json()["count"] == 0
    assert Case.objects.filter(item_id="01010201", employer=employer).count() == 1


# --- bulk enrolment -------------------------------------------------------------------------------------------------


def _workbook(rows: list[dict]) -> SimpleUploadedFile:
    wb = Workbook()
    ws = wb.active
    ws.title = "增员名单"
    ws.append([label for _, label, _ in COLUMNS])
    for row in rows:
        ws.append([",".join(row[k]) if k == "insurances" else row.get(k, "") for k, _, _ in COLUMNS])
    buffer = io.BytesIO()
    wb.save(buffer)
    return SimpleUploadedFile(
        "増员.xlsx", buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )


def test_bulk_template_download(api, clerk):
    res = api(clerk).get(f"{PERSONS}bulk/template.xlsx")
    assert res.status_code == 200
    ws = load_workbook(io.BytesIO(res.content)).active
    assert ws.cell(1, 1).value == "社会保障号码"


def test_bulk_enrol_valid_and_invalid_rows(api, clerk, approve, make_employer):
    employer = make_employer()
    good1, good2 = person_data(), person_data()
    good = citizen_id("330102", dt.date(1991, 3, 4), 21)
    bad = person_data(id_number=good[:17] + ("0" if good[17] != "0" else "1"))
    upload = _workbook([good1, bad, good2])
    res = api(clerk).post(f"{PERSONS}bulk/", {"employer": employer.pk, "file": upload}, format="multipart")
    assert res.status_code == 201, res.json()
    body = res.json()
    assert body["valid"] == 2
    assert body["case"]["item"] == "01010201"
    assert [(e["row"], e["field"]) for e in body["errors"]] == [(3, "id_number")]
    assert body["error_workbook"].endswith("/api/v1/persons/bulk/errors.xlsx")
    approve(body["case"]["id"])
    assert Person.objects.filter(employer=employer).count() == 2

    # The error workbook: the same upload checked again, nothing saved, wrong rows returned with reasons.
    cases_before = Case.objects.count()
    res = api(clerk).post(
        f"{PERSONS}bulk/errors.xlsx", {"employer": employer.pk, "file": _workbook([bad])}, format="multipart"
    )
    assert res.status_code == 200
    ws = load_workbook(io.BytesIO(res.content)).active
    assert ws.cell(2, 1).value == bad["id_number"]
    assert "校验位" in ws.cell(2, len(COLUMNS) + 1).value
    assert Case.objects.count() == cases_before


def test_bulk_all_rows_invalid_saves_nothing(api, clerk, make_employer):
    employer = make_employer()
    upload = _workbook([person_data(start_month="1990-01"), person_data(name="")])
    res = api(clerk).post(f"{PERSONS}bulk/", {"employer": employer.pk, "file": upload}, format="multipart")
    assert res.status_code == 400
    body = res.json()
    assert "file" in body["errors"]
    assert {e["row"] for e in body["row_errors"]} == {2, 3}
    assert not Case.objects.filter(item_id="01010201").exists()


def test_bulk_wrong_file_type(api, clerk, make_employer):
    employer = make_employer()
    upload = SimpleUploadedFile("names.csv", b"id,name\n", content_type="text/csv")
    res = api(clerk).post(f"{PERSONS}bulk/", {"employer": employer.pk, "file": upload}, format="multipart")
    assert res.status_code == 400
    assert "file" in res.json()["errors"]
    assert not Case.objects.filter(item_id="01010201").exists()


def test_bulk_renamed_file_with_wrong_content(api, clerk, make_employer):
    employer = make_employer()
    upload = SimpleUploadedFile("names.xlsx", b"not a zip at all", content_type="application/octet-stream")
    res = api(clerk).post(f"{PERSONS}bulk/", {"employer": employer.pk, "file": upload}, format="multipart")
    assert res.status_code == 400
    assert "file" in res.json()["errors"]


@override_settings(SHEBAO_UPLOAD_MAX_BYTES=1024)
def test_bulk_oversize_upload(api, clerk, make_employer):
    employer = make_employer()
    upload = _workbook([person_data() for _ in range(3)])
    assert upload.size > 1024
    res = api(clerk).post(f"{PERSONS}bulk/", {"employer": employer.pk, "file": upload}, format="multipart")
    assert res.status_code == 400
    assert "文件过大" in res.json()["errors"]["file"][0]
    assert not Case.objects.filter(item_id="01010201").exists()


def test_bulk_out_of_scope_employer_is_404(api, clerk_b, make_employer):
    employer = make_employer()
    res = api(clerk_b).post(
        f"{PERSONS}bulk/", {"employer": employer.pk, "file": _workbook([person_data()])}, format="multipart"
    )
    assert res.status_code == 404

"""API of cases (业务经办单): list and filters, accept, approve (maker-checker), reject, withdraw, materials."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from shebao.conftest import employer_data, make_user
from shebao.core.choices import Role
from shebao.core.models import Attachment, Case
from shebao.core.tests.samples import PDF, PNG
from shebao.registration.models import Employer
from shebao.testing import WAIVER_REASON

pytestmark = [pytest.mark.django_db, pytest.mark.catalog("01010101", "01010102")]

CASES = "/api/v1/cases/"


def _open_case(api, user) -> dict:
    """A window 单位参保登记 accepted with its licence owed (容缺受理): materials are uploaded to the case later."""
    res = api(user).post("/api/v1/employers/", {**employer_data(), "materials_waiver": WAIVER_REASON}, format="json")
    assert res.status_code == 201, res.json()
    return res.json()


def _online_change(api, make_employer) -> tuple[dict, object]:
    employer = make_employer()
    user = make_user(Role.EMPLOYER, None, employer=employer)
    res = api(user).post(f"/api/v1/employers/{employer.pk}/change/", {"contact_name": "赵六"}, format="json")
    assert res.status_code == 201, res.json()
    return res.json(), user


def test_list_and_filters(api, clerk, reviewer):
    case = _open_case(api, clerk)
    client = api(clerk)
    body = client.get(CASES).json()
    assert body["count"] == 1
    assert body["results"][0]["number"] == case["number"]
    assert "payload" not in body["results"][0]
    assert client.get(CASES, {"status": "accepted"}).json()["count"] == 1
    assert client.get(CASES, {"status": "completed"}).json()["count"] == 0
    assert client.get(CASES, {"item": "0101"}).json()["count"] == 1
    assert client.get(CASES, {"item": "0201"}).json()["count"] == 0
    assert client.get(CASES, {"mine": "handler"}).json()["count"] == 1
    assert client.get(CASES, {"mine": "review-queue"}).json()["count"] == 0  # not one's own case
    assert api(reviewer).get(CASES, {"mine": "review-queue"}).json()["count"] == 1
    for bad in ({"status": "nope"}, {"mine": "all"}, {"item": "abc"}, {"page": "99"}):
        res = client.get(CASES, bad)
        assert res.status_code in (400, 404), bad
        assert res.json()["detail"]


def test_detail_and_scope(api, clerk, clerk_b, agencies):
    case = _open_case(api, clerk)
    detail = api(clerk).get(f"{CASES}{case['id']}/").json()
    assert detail["payload"]["uscc"]
    assert detail["due_date"]
    assert api(clerk_b).get(f"{CASES}{case['id']}/").status_code == 404
    assert api(clerk_b).get(CASES).json()["count"] == 0
    city_clerk = make_user(Role.CLERK, agencies["city"])
    assert api(city_clerk).get(f"{CASES}{case['id']}/").status_code == 200  # the city sees its districts
    for action in ("accept", "approve", "withdraw"):
        assert api(clerk_b).post(f"{CASES}{case['id']}/{action}/", {}, format="json").status_code == 404
    res = api(clerk_b).post(f"{CASES}{case['id']}/reject/", {"reason": "x"}, format="json")
    assert res.status_code == 404
    assert Case.objects.get(pk=case["id"]).status == "accepted"


def test_maker_checker_refused_via_api(api, agencies):
    admin = make_user(Role.AGENCY_ADMIN, agencies["a"])
    case = _open_case(api, admin)
    res = api(admin).post(f"{CASES}{case['id']}/approve/", {}, format="json")
    assert res.status_code == 400
    assert "reviewer" in res.json()["errors"]
    other_admin = make_user(Role.AGENCY_ADMIN, agencies["a"])
    assert api(other_admin).post(f"{CASES}{case['id']}/approve/", {}, format="json").status_code == 200
    assert Employer.objects.count() == 1


def test_clerk_without_review_grant_gets_403(api, clerk, agencies):
    case = _open_case(api, make_user(Role.AGENCY_ADMIN, agencies["a"]))
    res = api(clerk).post(f"{CASES}{case['id']}/approve/", {}, format="json")
    assert res.status_code == 403
    assert res.json()["detail"]


def test_reject_needs_reason_and_keeps_the_case(api, clerk, reviewer):
    case = _open_case(api, clerk)
    res = api(reviewer).post(f"{CASES}{case['id']}/reject/", {"reason": "   "}, format="json")
    assert res.status_code == 400
    assert "reason" in res.json()["errors"]
    res = api(reviewer).post(f"{CASES}{case['id']}/reject/", {}, format="json")
    assert res.status_code == 400
    assert "reason" in res.json()["errors"]
    res = api(reviewer).post(f"{CASES}{case['id']}/reject/", {"reason": "材料不全"}, format="json")
    assert res.status_code == 200
    assert (res.json()["status"], res.json()["reason"]) == ("rejected", "材料不全")
    again = api(reviewer).post(f"{CASES}{case['id']}/approve/", {}, format="json")
    assert again.status_code == 409
    assert Employer.objects.count() == 0


def test_accept_with_stale_version_conflicts(api, clerk, make_employer):
    case, _ = _online_change(api, make_employer)
    stale = api(clerk).post(f"{CASES}{case['id']}/accept/", {"version": case["version"] + 5}, format="json")
    assert stale.status_code == 409
    ok = api(clerk).post(f"{CASES}{case['id']}/accept/", {"version": case["version"]}, format="json")
    assert ok.status_code == 200
    assert ok.json()["handler"] == "clerk_a"
    twice = api(clerk).post(f"{CASES}{case['id']}/accept/", {}, format="json")
    assert twice.status_code == 409
    bad = api(clerk).post(f"{CASES}{case['id']}/accept/", {"version": "3"}, format="json")
    assert bad.status_code == 400
    assert "version" in bad.json()["errors"]


def test_applicant_withdraws(api, clerk, make_employer):
    case, user = _online_change(api, make_employer)
    assert api(clerk).post(f"{CASES}{case['id']}/withdraw/", {}, format="json").status_code == 400
    res = api(user).post(f"{CASES}{case['id']}/withdraw/", {"reason": "填错了"}, format="json")
    assert res.status_code == 200
    assert res.json()["status"] == "withdrawn"


def test_employer_user_sees_own_cases_only(api, clerk, make_employer):
    case, user = _online_change(api, make_employer)
    make_employer()  # another unit, with its own registration case
    rows = api(user).get(CASES).json()["results"]
    assert case["id"] in [r["id"] for r in rows]
    assert len(rows) == 2  # its registration and its change
    assert {r["employer"] for r in rows} == {user.employer_id}


# --- materials ------------------------------------------------------------------------------------------------------


def test_upload_and_download_material(api, clerk, clerk_b, django_capture_on_commit_callbacks):
    case = _open_case(api, clerk)
    upload = SimpleUploadedFile("营业执照.pdf", PDF, content_type="application/pdf")
    with django_capture_on_commit_callbacks(execute=True):
        res = api(clerk).post(
            f"{CASES}{case['id']}/materials/", {"file": upload, "kind": "营业执照"}, format="multipart"
        )
    assert res.status_code == 201, res.json()
    att = res.json()
    assert (att["kind"], att["size"], att["content_type"]) == ("营业执照", len(PDF), "application/pdf")
    url = f"{CASES}{case['id']}/materials/{att['id']}/"
    download = api(clerk).get(url)
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert b"".join(download.streaming_content) == PDF
    assert api(clerk_b).get(url).status_code == 404
    assert api(clerk).get(f"{CASES}{case['id']}/materials/{att['id'] + 1}/").status_code == 404
    detail = api(clerk).get(f"{CASES}{case['id']}/").json()
    assert [a["id"] for a in detail["attachments"]] == [att["id"]]


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("virus.exe", b"MZ\x90\x00"),
        ("photo.png", PDF),  # content does not match the extension
        ("notes.txt", b"hello"),
        ("empty.pdf", b""),
    ],
)
def test_upload_refused_saves_nothing(api, clerk, name, content):
    case = _open_case(api, clerk)
    upload = SimpleUploadedFile(name, content)
    res = api(clerk).post(f"{CASES}{case['id']}/materials/", {"file": upload}, format="multipart")
    assert res.status_code == 400, res.json()
    assert "file" in res.json()["errors"]
    assert Attachment.objects.count() == 0


@override_settings(SHEBAO_UPLOAD_MAX_BYTES=16)
def test_upload_oversize_refused(api, clerk):
    case = _open_case(api, clerk)
    upload = SimpleUploadedFile("big.png", PNG)
    res = api(clerk).post(f"{CASES}{case['id']}/materials/", {"file": upload}, format="multipart")
    assert res.status_code == 400
    assert "文件过大" in res.json()["errors"]["file"][0]
    assert Attachment.objects.count() == 0


def test_upload_missing_file(api, clerk):
    case = _open_case(api, clerk)
    res = api(clerk).post(f"{CASES}{case['id']}/materials/", {"kind": "x"}, format="multipart")
    assert res.status_code == 400
    assert "file" in res.json()["errors"]


def test_upload_to_closed_case_conflicts(api, clerk, approve):
    case = _open_case(api, clerk)
    approve(case["id"])
    upload = SimpleUploadedFile("late.pdf", PDF)
    res = api(clerk).post(f"{CASES}{case['id']}/materials/", {"file": upload}, format="multipart")
    assert res.status_code == 409
    assert Attachment.objects.count() == 0

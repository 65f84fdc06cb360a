"""API of 单位登记: 01010101 参保登记, 01010102 变更登记 (incl. 分立合并, 成建制转移), 01010103 注销登记."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from shebao.conftest import employer_data, make_user
from shebao.core.choices import Role
from shebao.core.models import Case
from shebao.core.synthetic import uscc
from shebao.registration.models import Employer, Person
from shebao.testing import WAIVER_REASON, material_uploads

WAIVER = {"materials_waiver": WAIVER_REASON}  # 容缺受理 at the window: the licence etc. are owed

pytestmark = [pytest.mark.django_db, pytest.mark.catalog("01010101", "01010102", "01010103")]

EMPLOYERS = "/api/v1/employers/"


def _this_month() -> str:
    return timezone.localdate().strftime("%Y-%m")


def test_enrol_employer_then_approve_registers_it(api, clerk, reviewer, approve):
    """multipart: the declaration's fields (lists as repeated keys) and the licence as `material_1`."""
    data = employer_data()
    res = api(clerk).post(EMPLOYERS, {**data, **material_uploads("01010101")}, format="multipart")
    assert res.status_code == 201, res.json()
    case = res.json()
    assert case["item"] == "01010101"
    assert [a["kind"] for a in case["attachments"]] == ["营业执照或其他核准执业证件"]
    assert case["status"] == "accepted"
    assert case["handler"] == "clerk_a"
    assert not Employer.objects.filter(uscc=data["uscc"]).exists()  # nothing applies before approval

    done = approve(case["id"])
    employer_id = done["result"]["employer_id"]
    detail = api(clerk).get(f"{EMPLOYERS}{employer_id}/").json()
    assert detail["uscc"] == data["uscc"]
    assert detail["status"] == "active"
    assert detail["reg_no"].startswith("330102")
    assert sorted(i["insurance_type"] for i in detail["insurances"]) == ["110", "210", "310", "410", "510"]
    assert detail["employee_count"] == 0


def test_employer_search_by_name_uscc_and_status(api, clerk, make_employer):
    e1 = make_employer(name="西湖甲科技有限公司")
    make_employer(name="钱塘乙贸易有限公司")
    client = api(clerk)
    res = client.get(EMPLOYERS, {"q": "西湖甲"})
    assert res.status_code == 200
    assert [r["id"] for r in res.json()["results"]] == [e1.pk]
    assert client.get(EMPLOYERS, {"q": e1.uscc}).json()["count"] == 1
    assert client.get(EMPLOYERS, {"q": e1.reg_no}).json()["count"] == 1
    assert client.get(EMPLOYERS, {"status": "cancelled"}).json()["count"] == 0
    assert client.get(EMPLOYERS).json()["count"] == 2
    bad = client.get(EMPLOYERS, {"status": "bogus"})
    assert bad.status_code == 400
    assert "status" in bad.json()["errors"]


def test_change_contact_and_insurances(api, clerk, approve, make_employer):
    employer = make_employer(insurances=["110", "310"])
    res = api(clerk).post(
        f"{EMPLOYERS}{employer.pk}/change/",
        {
            "contact_phone": "13700137000",
            "add_insurances": ["410"],
            "effective_month": _this_month(),
            **material_uploads("01010102"),
        },
        format="multipart",
    )
    assert res.status_code == 201, res.json()
    assert res.json()["item"] == "01010102"
    employer.refresh_from_db()
    assert employer.contact_phone == "13800138000"  # not before approval

    approve(res.json()["id"])
    detail = api(clerk).get(f"{EMPLOYERS}{employer.pk}/").json()
    assert detail["contact_phone"] == "13700137000"
    assert sorted(i["insurance_type"] for i in detail["insurances"] if i["active"]) == ["110", "310", "410"]


def test_change_with_nothing_to_change_is_refused(api, clerk, make_employer):
    employer = make_employer()
    res = api(clerk).post(f"{EMPLOYERS}{employer.pk}/change/", {"contact_phone": employer.contact_phone}, format="json")
    assert res.status_code == 400
    assert "non_field_errors" in res.json()["errors"]


def test_split_moves_employees_to_successor(api, clerk, approve, make_employer, make_person):
    """multipart: an object field as `assignments.<person id>`, with the approval document as `material_1`."""
    source = make_employer()
    target = make_employer()
    person = make_person(source)
    res = api(clerk).post(
        f"{EMPLOYERS}{source.pk}/restructure/",
        {
            "kind": "split",
            "targets": [target.pk],
            f"assignments.{person.pk}": target.pk,
            "effective_month": _this_month(),
            **material_uploads("01010102"),
        },
        format="multipart",
    )
    assert res.status_code == 201, res.json()
    approve(res.json()["id"])
    person.refresh_from_db()
    assert person.employer_id == target.pk
    assert api(clerk).get(f"{EMPLOYERS}{source.pk}/").json()["status"] == "active"


def test_merge_cancels_sources(api, clerk, approve, make_employer):
    a, b, target = make_employer(), make_employer(), make_employer()
    res = api(clerk).post(
        f"{EMPLOYERS}{a.pk}/restructure/",
        {
            "kind": "merge",
            "other_sources": [b.pk],
            "targets": [target.pk],
            "effective_month": _this_month(),
            **WAIVER,
        },
        format="json",
    )
    assert res.status_code == 201, res.json()
    approve(res.json()["id"])
    a.refresh_from_db()
    b.refresh_from_db()
    assert (a.status, b.status) == ("cancelled", "cancelled")
    assert a.successor_id == target.pk


def test_restructure_rejects_bad_assignment_keys(api, clerk, make_employer):
    source, target = make_employer(), make_employer()
    res = api(clerk).post(
        f"{EMPLOYERS}{source.pk}/restructure/",
        {
            "kind": "split",
            "targets": [target.pk],
            "assignments": {"abc": target.pk},
            "effective_month": _this_month(),
        },
        format="json",
    )
    assert res.status_code == 400
    assert "assignments" in res.json()["errors"]
    assert not Case.objects.filter(item_id="01010102").exists()


def test_transfer_to_other_agency_moves_scope(api, clerk, clerk_b, agencies, approve, make_employer, make_person):
    employer = make_employer()
    person = make_person(employer)
    res = api(clerk).post(
        f"{EMPLOYERS}{employer.pk}/transfer-agency/",
        {"to_agency": agencies["b"].code, "effective_month": _this_month(), **WAIVER},
        format="json",
    )
    assert res.status_code == 201, res.json()
    approve(res.json()["id"])
    assert api(clerk).get(f"{EMPLOYERS}{employer.pk}/").status_code == 404
    assert api(clerk_b).get(f"{EMPLOYERS}{employer.pk}/").status_code == 200
    assert api(clerk_b).get(f"/api/v1/persons/{person.pk}/").status_code == 200


def test_transfer_to_unknown_agency(api, clerk, make_employer):
    employer = make_employer()
    res = api(clerk).post(
        f"{EMPLOYERS}{employer.pk}/transfer-agency/",
        {"to_agency": "999999", "effective_month": _this_month()},
        format="json",
    )
    assert res.status_code == 400
    assert "to_agency" in res.json()["errors"]


def test_deregister_employer(api, clerk, approve, make_employer):
    employer = make_employer()
    today = timezone.localdate().isoformat()
    body = {"reason": "歇业", "cancel_date": today, **material_uploads("01010103")}
    res = api(clerk).post(f"{EMPLOYERS}{employer.pk}/deregister/", body, format="multipart")
    assert res.status_code == 201, res.json()
    assert res.json()["item"] == "01010103"
    approve(res.json()["id"])
    detail = api(clerk).get(f"{EMPLOYERS}{employer.pk}/").json()
    assert detail["status"] == "cancelled"
    assert detail["cancelled_on"] == today
    assert not any(i["active"] for i in detail["insurances"])


def test_deregister_refused_while_employees_remain(api, clerk, make_employer, make_person):
    employer = make_employer()
    make_person(employer)
    res = api(clerk).post(
        f"{EMPLOYERS}{employer.pk}/deregister/",
        {"reason": "歇业", "cancel_date": timezone.localdate().isoformat()},
        format="json",
    )
    assert res.status_code == 400
    assert "employer" in res.json()["errors"]
    assert not Case.objects.filter(item_id="01010103").exists()


def test_deregister_future_date_refused(api, clerk, make_employer):
    employer = make_employer()
    future = (timezone.localdate() + dt.timedelta(days=3)).isoformat()
    res = api(clerk).post(
        f"{EMPLOYERS}{employer.pk}/deregister/", {"reason": "歇业", "cancel_date": future}, format="json"
    )
    assert res.status_code == 400
    assert "cancel_date" in res.json()["errors"]


# --- bad input: 400 naming the field, nothing saved ------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"uscc": "91330102MA2XXXXXX1"}, "uscc"),  # wrong check character
        ({"uscc": "9133010212345678"}, "uscc"),  # too short
        ({"uscc": 913301021234567890}, "uscc"),  # a number, not text
        ({"start_month": None}, "start_month"),
        ({"start_month": "2026-13"}, "start_month"),
        ({"insurances": []}, "insurances"),
        ({"insurances": ["999"]}, "insurances"),
        ({"unit_type": "99"}, "unit_type"),
        ({"unit_type": 10}, "unit_type"),
        ({"region": "999999"}, "region"),
        ({"injury_risk_class": 9}, "injury_risk_class"),
        ({"injury_risk_class": "1"}, "injury_risk_class"),
        ({"contact_phone": "12345"}, "contact_phone"),
        ({"agency": "nope"}, "agency"),
    ],
)
def test_enrol_bad_input_names_the_field(api, clerk, overrides, field):
    data = employer_data(**overrides)
    if overrides.get("start_month", "") is None:
        del data["start_month"]
    res = api(clerk).post(EMPLOYERS, data, format="json")
    assert res.status_code == 400, res.json()
    body = res.json()
    assert field in body["errors"], body
    assert body["detail"]
    assert Case.objects.count() == 0
    assert Employer.objects.count() == 0


def test_enrol_missing_start_month_message_is_chinese(api, clerk):
    data = employer_data()
    del data["start_month"]
    res = api(clerk).post(EMPLOYERS, data, format="json")
    assert res.status_code == 400
    assert res.json()["errors"]["start_month"] == ["该字段是必填项。"]


def test_enrol_duplicate_uscc_refused(api, clerk, make_employer):
    existing = make_employer()
    res = api(clerk).post(EMPLOYERS, employer_data(uscc=existing.uscc), format="json")
    assert res.status_code == 400
    assert "已登记" in res.json()["errors"]["uscc"][0]
    assert Case.objects.filter(item_id="01010101").count() == 1  # only the fixture's own registration


def test_enrol_duplicate_of_pending_application_refused(api, clerk):
    data = employer_data()
    first = api(clerk).post(EMPLOYERS, {**data, **WAIVER}, format="json")
    assert first.status_code == 201
    res = api(clerk).post(EMPLOYERS, {**data, "name": "另一家", **WAIVER}, format="json")
    assert res.status_code == 409
    assert first.json()["number"] in res.json()["errors"]["uscc"][0]  # names the pending case


def test_enrol_body_must_be_an_object(api, clerk):
    res = api(clerk).post(EMPLOYERS, [1, 2], format="json")
    assert res.status_code == 400
    assert res.json()["errors"]


def test_unauthenticated_is_401(api):
    assert api().get(EMPLOYERS).status_code == 401
    assert api().post(EMPLOYERS, employer_data(), format="json").status_code == 401


# --- scope, permissions, maker-checker --------------------------------------------------------------------------


def test_other_district_clerk_gets_404(api, clerk_b, make_employer):
    employer = make_employer()
    client = api(clerk_b)
    assert client.get(f"{EMPLOYERS}{employer.pk}/").status_code == 404
    assert client.get(f"{EMPLOYERS}{employer.pk}/receipt.pdf").status_code == 404
    res = client.post(f"{EMPLOYERS}{employer.pk}/change/", {"contact_phone": "13700137000"}, format="json")
    assert res.status_code == 404
    res = client.post(
        f"{EMPLOYERS}{employer.pk}/deregister/",
        {"reason": "x", "cancel_date": timezone.localdate().isoformat()},
        format="json",
    )
    assert res.status_code == 404
    assert client.get(EMPLOYERS, {"q": employer.uscc}).json()["count"] == 0
    assert client.get(f"/api/v1/cases/{Case.objects.get(employer=employer).pk}/").status_code == 404


def test_clerk_cannot_enrol_for_an_agency_outside_scope(api, clerk, agencies):
    res = api(clerk).post(EMPLOYERS, employer_data(agency=agencies["b"].code), format="json")
    assert res.status_code == 404
    assert Case.objects.count() == 0


def test_handler_cannot_approve_own_case(api, agencies):
    admin = make_user(Role.AGENCY_ADMIN, agencies["a"])
    client = api(admin)
    res = client.post(EMPLOYERS, {**employer_data(), **WAIVER}, format="json")
    assert res.status_code == 201
    refused = client.post(f"/api/v1/cases/{res.json()['id']}/approve/", {}, format="json")
    assert refused.status_code == 400
    assert "reviewer" in refused.json()["errors"]
    assert Employer.objects.count() == 0


def test_auditor_may_not_enrol(api, agencies):
    auditor = make_user(Role.AUDITOR, agencies["a"])
    res = api(auditor).post(EMPLOYERS, employer_data(), format="json")
    assert res.status_code == 403
    assert Case.objects.count() == 0


def test_employer_user_sees_only_own_unit(api, make_employer):
    own, other = make_employer(), make_employer()
    user = make_user(Role.EMPLOYER, None, employer=own)
    client = api(user)
    assert client.get(f"{EMPLOYERS}{own.pk}/").status_code == 200
    assert client.get(f"{EMPLOYERS}{other.pk}/").status_code == 404
    assert [r["id"] for r in client.get(EMPLOYERS).json()["results"]] == [own.pk]


def test_employer_user_change_is_an_online_application(api, clerk, approve, make_employer):
    employer = make_employer()
    user = make_user(Role.EMPLOYER, None, employer=employer)
    res = api(user).post(f"{EMPLOYERS}{employer.pk}/change/", {"contact_name": "赵六"}, format="json")
    assert res.status_code == 201, res.json()
    case = res.json()
    assert (case["channel"], case["status"]) == ("online", "submitted")
    accepted = api(clerk).post(f"/api/v1/cases/{case['id']}/accept/", {"version": case["version"]}, format="json")
    assert accepted.status_code == 200, accepted.json()
    approve(case["id"])
    assert Employer.objects.get(pk=employer.pk).contact_name == "赵六"


# --- receipt ------------------------------------------------------------------------------------------------------


def test_receipt_pdf(api, clerk, make_employer):
    employer = make_employer()
    res = api(clerk).get(f"{EMPLOYERS}{employer.pk}/receipt.pdf")
    assert res.status_code == 200
    assert res["Content-Type"] == "application/pdf"
    assert b"".join(res.streaming_content if res.streaming else [res.content]).startswith(b"%PDF")


def test_unknown_ids_are_404(api, clerk):
    client = api(clerk)
    assert client.get(f"{EMPLOYERS}999999/").status_code == 404
    assert client.get(f"{EMPLOYERS}{2**70}/").status_code == 404
    assert Person.objects.count() == 0


def test_uscc_field_accepts_lowercase(api, clerk, approve):
    code = uscc("330102", 4242)
    res = api(clerk).post(EMPLOYERS, {**employer_data(uscc=code.lower()), **WAIVER}, format="json")
    assert res.status_code == 201, res.json()
    approve(res.json()["id"])
    assert Employer.objects.filter(uscc=code).exists()

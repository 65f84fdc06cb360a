"""Bad input over HTTP (PostgreSQL): look-alike identifiers, control characters, unknown fields, NUL, deep JSON."""

from __future__ import annotations

import pytest
from django.test import override_settings

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
    assert res.status_code == 409, res.json()  # the same person, already enrolled
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


# --- unknown fields ----------------------------------------------------------------------------------------------


def test_unknown_field_in_json_body_is_refused(api, clerk, make_employer):
    employer = make_employer()
    body = {"employer": employer.pk, **person_data(), "is_superuser": True, "agency": 1}
    res = api(clerk).post("/api/v1/persons/", body, format="json")
    assert res.status_code == 400
    assert res.json()["errors"] == {"is_superuser": ["不允许的字段"], "agency": ["不允许的字段"]}
    assert res.json()["detail"]
    assert not Person.objects.exists()


def test_unknown_field_in_login_and_case_action_is_refused(api, clerk):
    res = api().post("/api/v1/auth/token/", {"username": "clerk_a", "password": "x", "admin": 1}, format="json")
    assert (res.status_code, res.json()["errors"]) == (400, {"admin": ["不允许的字段"]})
    case = api(clerk).post("/api/v1/employers/", employer_data(), format="json").json()
    res = api(clerk).post(f"/api/v1/cases/{case['id']}/reject/", {"reason": "材料不全", "status": "x"}, format="json")
    assert (res.status_code, res.json()["errors"]) == (400, {"status": ["不允许的字段"]})


def test_unknown_field_in_multipart_body_is_refused(api, clerk):
    from django.core.files.uploadedfile import SimpleUploadedFile

    case = api(clerk).post("/api/v1/employers/", employer_data(), format="json").json()
    upload = SimpleUploadedFile("a.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf")
    body = {"file": upload, "kind": "营业执照", "path": "../x"}
    res = api(clerk).post(f"/api/v1/cases/{case['id']}/materials/", body, format="multipart")
    assert (res.status_code, res.json()["errors"]) == (400, {"path": ["不允许的字段"]})


# --- NUL characters ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/registration/persons/", "/registration/employers/", "/cases/"])
def test_nul_in_ui_search_is_a_chinese_400_page(client, clerk, path):
    client.force_login(clerk)
    res = client.get(path + "?q=%00")
    assert res.status_code == 400
    assert res["Content-Type"].startswith("text/html")
    assert "请求有误" in res.content.decode()


def test_nul_in_ui_form_value_is_400_and_nothing_saved(client, clerk, make_employer):
    employer = make_employer()
    client.force_login(clerk)
    res = client.post("/registration/persons/new/", {"employer": employer.pk, **person_data(name="王\x00五")})
    assert res.status_code == 400
    assert not Person.objects.exists()


def test_nul_in_api_query_is_json_400(api, clerk):
    res = api(clerk).get("/api/v1/persons/?q=%00")
    assert res.status_code == 400
    assert res.json()["detail"] == "请求参数q含有不允许的空字符（NUL）"
    assert res.json()["errors"] == {"q": ["含有不允许的空字符（NUL）"]}


def test_nul_in_api_json_body_is_400(api, clerk, make_employer):
    employer = make_employer()
    res = api(clerk).post("/api/v1/persons/", {"employer": employer.pk, **person_data(name="王\x00五")}, format="json")
    assert res.status_code == 400
    assert not Person.objects.exists()


# --- deeply nested JSON --------------------------------------------------------------------------------------------

DEEP = "[" * 5000 + "]" * 5000
DEEP_OBJECT = '{"a":' * 5000 + "1" + "}" * 5000


@pytest.mark.parametrize(
    "path", ["/api/v1/auth/token/", "/api/v1/persons/", "/api/v1/employers/", "/api/v1/parameters/"]
)
@pytest.mark.parametrize("body", [DEEP, DEEP_OBJECT], ids=["array", "object"])
def test_deeply_nested_json_is_a_json_400(api, clerk, path, body):
    client = api(clerk)
    client.raise_request_exception = False  # a crash must show as the 500 a user would see, not as an exception
    res = client.post(path, body, content_type="application/json")
    assert res.status_code == 400, res.content[:200]
    assert res.json()["detail"] == "JSON嵌套层数超过32层"


def test_json_within_the_depth_limit_still_reaches_the_serializer(api, clerk):
    nested = {"employer": {"a": {"b": 1}}}
    res = api(clerk).post("/api/v1/persons/", nested, format="json")
    assert res.status_code == 400
    assert "employer" in res.json()["errors"]


def test_api_crash_is_json_not_html(api, clerk, monkeypatch):
    from shebao.core.api import catalog

    def boom(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(catalog.CatalogListApi, "get", boom)
    client = api(clerk)
    client.raise_request_exception = False
    res = client.get("/api/v1/catalog/")
    assert res.status_code == 500
    assert res.json() == {"detail": "服务器内部错误，请稍后重试"}


@override_settings(DEBUG=False, SECURE_SSL_REDIRECT=True, SESSION_COOKIE_SECURE=True, CSRF_COOKIE_SECURE=True)
def test_deep_json_under_production_settings_is_json_not_html(api, clerk):
    client = api(clerk)
    client.raise_request_exception = False
    res = client.post("/api/v1/employers/", DEEP, content_type="application/json", secure=True)
    assert res.status_code == 400
    assert res["Content-Type"] == "application/json"


# --- search ------------------------------------------------------------------------------------------------------


def test_search_normalises_full_width_and_never_500s(client, clerk, make_employer, make_person):
    person = make_person(make_employer())
    client.force_login(clerk)
    client.raise_request_exception = False
    res = client.get("/registration/persons/", {"q": person.id_number.translate(FULL_WIDTH)})
    assert res.status_code == 200
    assert person.name in res.content.decode()
    for q in ("٣" * 15, "٣" * 18, "३" * 15):
        assert client.get("/registration/persons/", {"q": q}).status_code == 200, q
    employer = person.employer
    res = client.get("/registration/employers/", {"q": employer.uscc.translate(FULL_WIDTH)})
    assert employer.name in res.content.decode()

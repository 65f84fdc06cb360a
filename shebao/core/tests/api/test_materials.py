"""申请材料 through `ItemCaseApi`: JSON with `materials_waiver`, or multipart with the fields and `material_<n>` files;
the grant is checked before an upload is parsed; refusals name the field and save nothing; the OpenAPI schema
documents both bodies."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.parsers import MultiPartParser

from shebao.conftest import employer_data, make_user
from shebao.core.choices import Role
from shebao.core.models import Attachment, AuditEvent, Case, CaseKey
from shebao.core.tests.samples import PDF
from shebao.testing import WAIVER_REASON, assert_refused, count_rows, material_pdf

pytestmark = pytest.mark.django_db

EMPLOYERS = "/api/v1/employers/"
LICENCE = "营业执照或其他核准执业证件"
SAVED = (Case, CaseKey, AuditEvent, Attachment)


def test_window_case_without_materials_is_400_naming_materials_and_saves_nothing(api, clerk):
    before = count_rows(*SAVED)
    res = api(clerk).post(EMPLOYERS, employer_data(), format="json")
    body = assert_refused(res, status=400, field="materials", message_contains=LICENCE, nothing_saved=before)
    assert body["errors"]["materials"] == [f"缺少申请材料：{LICENCE}。请上传，或选择「容缺受理」并填写原因"]


def test_field_and_materials_errors_come_together(api, clerk):
    before = count_rows(*SAVED)
    res = api(clerk).post(EMPLOYERS, employer_data(contact_phone="12345"), format="json")
    assert_refused(res, status=400, field=["contact_phone", "materials"], nothing_saved=before)


def test_multipart_files_become_attachments(api, clerk):
    upload = SimpleUploadedFile("执照.pdf", PDF, content_type="application/pdf")
    body = {**employer_data(), "material_1": upload, "material_2": material_pdf("开户许可证.pdf")}
    res = api(clerk).post(EMPLOYERS, body, format="multipart")
    assert res.status_code == 201, res.json()
    kinds = {a["kind"]: a["original_name"] for a in res.json()["attachments"]}
    assert kinds == {LICENCE: "执照.pdf", "单位银行开户证明": "开户许可证.pdf"}
    assert res.json()["materials_owed"] == []


def test_json_waiver_is_stored_and_the_owed_list_answered(api, clerk):
    res = api(clerk).post(EMPLOYERS, {**employer_data(), "materials_waiver": WAIVER_REASON}, format="json")
    assert res.status_code == 201, res.json()
    case = Case.objects.get(pk=res.json()["id"])
    assert case.materials_waiver == WAIVER_REASON
    assert (res.json()["materials_waiver"], res.json()["materials_owed"]) == (WAIVER_REASON, [LICENCE])
    assert AuditEvent.objects.filter(case=case, action="case.materials_waiver").exists()


@pytest.mark.parametrize("reason", ["", "   ", "后补\x07", "\u202e补后"])
def test_bad_waiver_is_400_naming_materials_waiver(api, clerk, reason):
    before = count_rows(*SAVED)
    res = api(clerk).post(EMPLOYERS, {**employer_data(), "materials_waiver": reason}, format="json")
    assert_refused(res, status=400, field="materials_waiver", nothing_saved=before)


@pytest.mark.parametrize(
    ("extra", "fmt", "field"),
    [
        ({"material_9": "FILE"}, "multipart", "material_9"),  # not in the checklist: an unknown field
        ({"material_1": "x.pdf"}, "json", "material_1"),  # files only in multipart
        ({"material_1": "FILE", "materials_waiver": "x" * 201}, "multipart", "materials_waiver"),
    ],
)
def test_unknown_or_misplaced_material_fields_are_refused(api, clerk, extra, fmt, field):
    body = {**employer_data(), **{k: (material_pdf() if v == "FILE" else v) for k, v in extra.items()}}
    before = count_rows(*SAVED)
    res = api(clerk).post(EMPLOYERS, body, format=fmt)
    assert_refused(res, status=400, field=field, nothing_saved=before)


def test_bad_file_is_named_by_its_field(api, clerk, settings):
    settings.SHEBAO_UPLOAD_MAX_BYTES = 100  # smaller than the PDF
    before = count_rows(*SAVED)
    res = api(clerk).post(EMPLOYERS, {**employer_data(), "material_1": material_pdf()}, format="multipart")
    assert_refused(res, status=400, field="material_1", message_contains="文件过大", nothing_saved=before)
    res = api(clerk).post(
        EMPLOYERS, {**employer_data(), "material_1": SimpleUploadedFile("a.pdf", b"%PDF-1.4 not")}, format="multipart"
    )
    assert_refused(res, status=400, field="material_1", message_contains="PDF", nothing_saved=before)


def test_grant_is_checked_before_the_upload_is_parsed(api, agencies, monkeypatch):
    def parse(*args, **kwargs):
        raise AssertionError("the upload was parsed before the grant was checked")

    monkeypatch.setattr(MultiPartParser, "parse", parse)
    auditor = make_user(Role.AUDITOR, agencies["a"])
    before = count_rows(*SAVED)
    res = api(auditor).post(EMPLOYERS, {**employer_data(), "material_1": material_pdf()}, format="multipart")
    assert_refused(res, status=403, nothing_saved=before)


def test_online_applicant_is_not_refused_but_may_not_waive(api, make_employer):
    employer = make_employer()
    user = make_user(Role.EMPLOYER, None, employer=employer)
    url = f"{EMPLOYERS}{employer.pk}/change/"
    before = count_rows(*SAVED)
    res = api(user).post(url, {"contact_name": "赵六", "materials_waiver": WAIVER_REASON}, format="json")
    assert_refused(res, status=400, field="materials_waiver", nothing_saved=before)
    res = api(user).post(url, {"contact_name": "赵六"}, format="json")
    assert res.status_code == 201, res.json()
    assert (res.json()["status"], res.json()["materials_owed"]) == ("submitted", ["变更事项的证明文件"])


def test_openapi_documents_the_materials_of_each_item(client):
    schema = client.get("/api/schema/", {"format": "json"}).json()
    content = schema["paths"]["/api/v1/employers/"]["post"]["requestBody"]["content"]
    assert set(content) == {"application/json", "multipart/form-data"}
    components = schema["components"]["schemas"]

    def props(media: str) -> dict:
        ref = content[media]["schema"]["$ref"].rsplit("/", 1)[-1]
        return components[ref]["properties"]

    assert "materials_waiver" in props("application/json") and "material_1" not in props("application/json")
    multipart = props("multipart/form-data")
    assert multipart["material_1"]["format"] == "binary" and LICENCE in multipart["material_1"]["description"]
    assert "单位银行开户证明" in multipart["material_2"]["description"]
    assert "uscc" in multipart and "materials_waiver" in multipart
    change = schema["paths"]["/api/v1/persons/{person_id}/change/"]["post"]["requestBody"]["content"]
    assert "multipart/form-data" in change

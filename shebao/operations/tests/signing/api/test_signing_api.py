"""111002 数字认证 (API): `POST /api/v1/verify/signature` answers valid for a signed receipt and invalid for a
tampered one; a non-PDF or oversize upload is refused in Chinese (4xx); it is public and throttled; the current
certificate is shown to agency administrators only."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.dateparse import parse_datetime
from rest_framework.test import APIClient

from shebao.core.models import AuditEvent
from shebao.core.signing import certificate_info
from shebao.testing import api_client_for, assert_refused, json_of

from ..conftest import AGENCY_CN, flip_byte, original_revision

pytestmark = [pytest.mark.django_db, pytest.mark.catalog("111002")]

URL = "/api/v1/verify/signature"


def _post(client, data: bytes, *, name="回执.pdf", content_type="application/pdf"):
    return client.post(URL, {"file": SimpleUploadedFile(name, data, content_type=content_type)}, format="multipart")


def test_signed_receipt_is_reported_valid(receipt):
    response = _post(APIClient(), receipt)
    assert response.status_code == 200, response.content
    body = json_of(response)
    assert body["valid"] and body["intact"] and body["trusted"] and not body["modified_after_signing"]
    assert body["signer"] == AGENCY_CN and body["summary"] == "签名有效" and body["problems"] == []
    assert parse_datetime(body["signing_time"]) is not None


def test_tampered_receipt_is_reported_invalid(receipt):
    tampered = flip_byte(receipt, len(original_revision(receipt)) // 2)
    body = json_of(_post(APIClient(), tampered))
    assert body["signed"] and not body["valid"] and not body["intact"]
    assert body["summary"].startswith("签名无效") and "签名后文件内容被修改（摘要不符）" in body["problems"]
    appended = json_of(_post(APIClient(), receipt + b"\n%appended\n"))
    assert not appended["valid"] and appended["modified_after_signing"]


def test_unsigned_pdf_is_reported_invalid(receipt):
    body = json_of(_post(APIClient(), original_revision(receipt)))
    assert not body["signed"] and not body["valid"] and body["problems"] == ["文件没有数字签名"]


def test_non_pdf_uploads_are_refused_in_chinese(receipt):
    client = APIClient()
    assert_refused(
        _post(client, b"hello", name="a.txt", content_type="text/plain"),
        status=400,
        field="file",
        message_contains="只能上传 PDF 文件",
    )
    assert_refused(
        _post(client, b"MZ\x90\x00 not a pdf", name="a.pdf"), status=400, field="file", message_contains="不是 PDF"
    )
    assert_refused(
        lambda: client.post(URL, {}, format="multipart"), status=400, field="file", message_contains="请选择"
    )
    response = client.post(URL, {"file": "x"}, format="json")
    assert response.status_code == 415


def test_oversize_uploads_are_refused(receipt, settings):
    settings.SHEBAO_SIGNATURE_UPLOAD_MAX = 20_000  # the receipt is larger: refused while streaming
    assert len(receipt) > 20_000
    assert_refused(_post(APIClient(), receipt), status=413, field="file", message_contains="MB 上限")
    settings.SHEBAO_SIGNATURE_UPLOAD_MAX = 1_000  # announced body far above the limit: refused before reading
    assert len(receipt) > 1_000 + 64 * 1024
    assert_refused(_post(APIClient(), receipt), status=413, field="file", message_contains="上限")


def test_signature_check_is_throttled(receipt, settings):
    settings.SHEBAO_SIGNATURE_VERIFY_RATE = "2/minute"
    cache.clear()
    try:
        client = APIClient()
        assert _post(client, receipt).status_code == 200
        assert _post(client, receipt).status_code == 200
        response = _post(client, receipt)
        assert response.status_code == 429
        assert "过于频繁" in json_of(response)["detail"] and response["Retry-After"]
    finally:
        cache.clear()


def test_certificate_is_shown_to_agency_admins_only(agency_admin, clerk):
    info = certificate_info()
    body = json_of(api_client_for(agency_admin).get("/api/v1/signing/certificate/"))
    assert body["sha256"] == info.sha256 and AGENCY_CN in body["subject"] and body["demo"] is True
    assert api_client_for(clerk).get("/api/v1/signing/certificate/").status_code == 403
    assert APIClient().get("/api/v1/signing/certificate/").status_code in (401, 403)


def test_renewal_api(agency_admin, clerk, tmp_path, settings, django_capture_on_commit_callbacks):
    from shebao.core.signing import create_demo_material

    create_demo_material(tmp_path, agency_name=AGENCY_CN)
    settings.SHEBAO_SIGNING_DIR = tmp_path
    old = certificate_info().sha256
    assert_refused(
        lambda: api_client_for(clerk).post("/api/v1/signing/certificate/renew/"),
        status=403,
        nothing_saved=[AuditEvent],
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = api_client_for(agency_admin).post("/api/v1/signing/certificate/renew/")
    assert response.status_code == 200, response.content
    assert json_of(response)["sha256"] != old
    assert certificate_info().sha256 == json_of(response)["sha256"]

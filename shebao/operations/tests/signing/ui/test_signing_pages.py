"""111002 数字认证 (pages): the public verification page carries the upload form; the check page says 签名有效 with
the signer and signing time for a signed receipt and 签名无效 for a tampered one; bad uploads are refused in
Chinese; the certificate page is for agency administrators, with the demo re-issue button."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from shebao.core.models import AuditEvent, IssuedDocument
from shebao.core.signing import certificate_info, create_demo_material
from shebao.core.verification import verification_path
from shebao.testing import login

from ..conftest import AGENCY_CN, flip_byte, original_revision

pytestmark = [pytest.mark.django_db, pytest.mark.catalog("111002")]

CHECK_URL = "/operations/signing/check/"


def _csrf_client(receipt) -> tuple[Client, str]:
    """An anonymous browser-like client that opened the receipt's verification page (CSRF enforced)."""
    client = Client(enforce_csrf_checks=True)
    doc = IssuedDocument.objects.get(object_type="employer")
    page = client.get(verification_path(doc))
    html = page.content.decode()
    assert page.status_code == 200 and 'data-testid="pdf-check-form"' in html
    assert f'action="{CHECK_URL}"' in html
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    return client, token


def _upload(client, token, data: bytes, *, name="回执.pdf", content_type="application/pdf"):
    file = SimpleUploadedFile(name, data, content_type=content_type)
    return client.post(CHECK_URL, {"file": file, "csrfmiddlewaretoken": token})


def test_verification_page_upload_reports_a_valid_signature(receipt):
    client, token = _csrf_client(receipt)
    response = _upload(client, token, receipt)
    html = response.content.decode()
    assert response.status_code == 200
    assert "<strong>签名有效</strong>" in html
    assert f'data-testid="signer">{AGENCY_CN}<' in html
    assert re.search(r'data-testid="signing-time">\d{4}-\d\d-\d\d \d\d:\d\d:\d\d<', html)
    assert 'data-testid="modified">否<' in html and 'data-testid="trusted">是<' in html


def test_tampered_file_is_reported_invalid_on_the_page(receipt):
    client, token = _csrf_client(receipt)
    tampered = flip_byte(receipt, len(original_revision(receipt)) // 2)
    html = _upload(client, token, tampered).content.decode()
    assert "<strong>签名无效</strong>" in html and "签名后文件内容被修改（摘要不符）" in html
    assert 'data-testid="modified">是，签名后文件被修改<' in html
    html = _upload(client, token, receipt + b"\n%appended\n").content.decode()
    assert "<strong>签名无效</strong>" in html and "签名后文件被追加或修改" in html


def test_bad_uploads_are_refused_in_chinese(receipt, settings):
    client, token = _csrf_client(receipt)
    response = _upload(client, token, b"hello", name="a.txt", content_type="text/plain")
    assert response.status_code == 400 and "只能上传 PDF 文件（application/pdf）" in response.content.decode()
    response = _upload(client, token, b"GIF89a...", name="a.pdf")
    assert response.status_code == 400 and "文件内容不是 PDF" in response.content.decode()
    response = client.post(CHECK_URL, {"csrfmiddlewaretoken": token})
    assert response.status_code == 400 and "请选择要核验的 PDF 文件" in response.content.decode()
    settings.SHEBAO_SIGNATURE_UPLOAD_MAX = 20_000
    response = _upload(client, token, receipt)
    assert response.status_code == 413 and "MB 上限，不能核验" in response.content.decode()
    settings.SHEBAO_SIGNATURE_UPLOAD_MAX = 1_000
    response = _upload(client, token, receipt)
    assert response.status_code == 413 and "上限" in response.content.decode()


def test_upload_without_csrf_token_is_refused(receipt):
    client, _ = _csrf_client(receipt)
    response = client.post(CHECK_URL, {"file": SimpleUploadedFile("r.pdf", receipt, content_type="application/pdf")})
    assert response.status_code == 403


def test_check_page_is_throttled(receipt, settings):
    settings.SHEBAO_SIGNATURE_VERIFY_RATE = "1/minute"
    cache.clear()
    try:
        client, token = _csrf_client(receipt)
        assert _upload(client, token, receipt).status_code == 200
        response = _upload(client, token, receipt)
        assert response.status_code == 429 and "签名核验请求过于频繁" in response.content.decode()
    finally:
        cache.clear()


def test_check_page_get_shows_the_form(client):
    response = client.get(CHECK_URL)
    assert response.status_code == 200 and "电子文件数字签名核验" in response.content.decode()


def test_certificate_page_for_agency_admins(client, agency_admin, clerk):
    info = certificate_info()
    login(client, agency_admin)
    html = client.get("/operations/signing/certificate/").content.decode()
    assert info.sha256 in html and AGENCY_CN in html and "演示证书" in html
    assert 'href="/operations/signing/certificate/"' in client.get("/").content.decode()  # sidebar link
    login(client, clerk)
    assert client.get("/operations/signing/certificate/").status_code == 403
    client.logout()
    assert client.get("/operations/signing/certificate/").status_code == 302


def test_renew_button_reissues_the_demo_certificate(
    client, agency_admin, tmp_path, settings, django_capture_on_commit_callbacks
):
    create_demo_material(tmp_path, agency_name=AGENCY_CN)
    settings.SHEBAO_SIGNING_DIR = tmp_path
    old = certificate_info().sha256
    login(client, agency_admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/operations/signing/certificate/renew/")
    assert response.status_code == 302
    response = client.get(response["Location"])
    html = response.content.decode()
    assert response.status_code == 200 and "已重新签发演示证书" in html
    new = certificate_info().sha256
    assert new != old and new in html
    assert AuditEvent.objects.filter(action="signing.certificate_renew", item_code="111002").count() == 1
    settings.SHEBAO_SIGNING_DEMO_RENEW = False
    assert "重新签发演示证书</button>" not in client.get("/operations/signing/certificate/").content.decode()
    assert client.post("/operations/signing/certificate/renew/").status_code == 403

"""Browser test (Playwright + Debian's chromium): a member of the public opens a receipt's verification page,
uploads the signed PDF and reads 签名有效 with the agency as signer; a tampered copy reads 签名无效. An agency
administrator finds the certificate through the sidebar."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings

from shebao.core.models import IssuedDocument
from shebao.core.signing import certificate_info
from shebao.core.verification import verification_path
from shebao.tests.conftest import browser, login, needs_chromium  # noqa: F401

from ..conftest import AGENCY_CN, flip_byte, original_revision

ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts"

pytestmark = [pytest.mark.browser, pytest.mark.catalog("111002"), needs_chromium]


def test_public_checks_a_signed_receipt_in_the_browser(
    browser,  # noqa: F811
    live_server,
    transactional_db,
    receipt,
    agency_admin,
    tmp_path,
):
    ARTIFACTS.mkdir(exist_ok=True)
    signed = tmp_path / "回执.pdf"
    signed.write_bytes(receipt)
    tampered = tmp_path / "回执-改.pdf"
    tampered.write_bytes(flip_byte(receipt, len(original_revision(receipt)) // 2))
    doc = IssuedDocument.objects.get(object_type="employer")
    base = live_server.url

    page = login(browser, base, None)
    page.goto(base + verification_path(doc))
    page.wait_for_selector("text=核验结果：有效")
    page.set_input_files("#id_pdf_file", str(signed))
    page.get_by_role("button", name="核验签名").click()
    page.wait_for_selector("text=签名后未被修改")
    assert page.get_by_test_id("signature-result").inner_text().startswith("签名有效")
    assert page.get_by_test_id("signer").inner_text() == AGENCY_CN
    assert page.get_by_test_id("modified").inner_text() == "否"
    assert page.get_by_test_id("trusted").inner_text() == "是"
    page.screenshot(path=str(ARTIFACTS / "signing-check-valid.png"), full_page=True)

    page.set_input_files("#id_pdf_file", str(tampered))
    page.get_by_role("button", name="核验签名").click()
    page.wait_for_selector("text=请勿采信该文件")
    assert page.get_by_test_id("signature-result").inner_text().startswith("签名无效")
    assert page.get_by_test_id("modified").inner_text() == "是，签名后文件被修改"
    page.screenshot(path=str(ARTIFACTS / "signing-check-tampered.png"), full_page=True)

    admin = login(browser, base, agency_admin.username)
    admin.get_by_role("link", name="签名证书").click()
    admin.wait_for_selector("text=文件签名证书")
    assert admin.get_by_test_id("cert-sha256").inner_text() == certificate_info().sha256
    admin.screenshot(path=str(ARTIFACTS / "signing-certificate.png"), full_page=True)
    for opened in (page, admin):  # no keep-alive connection (and its database session) outlives the test
        opened.context.close()

"""111002 数字认证 (services): a real 01010101 receipt is signed with the agency certificate and validates with
pyHanko against the demo CA; one changed byte or an appended update breaks it; key material is set up by
`signing_setup`; the demo certificate is re-issued only by agency administrators, in development, audited."""

from __future__ import annotations

import datetime as dt
import io
import stat
from pathlib import Path

import pytest
from cryptography import x509
from django.core import checks
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone
from pyhanko.pdf_utils.generic import NameObject, TextStringObject
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pypdf import PdfReader

from shebao.core.audit import audit_verify
from shebao.core.documents import issued_document_pdf
from shebao.core.errors import ApplicationError, PermissionDeniedError
from shebao.core.models import AuditEvent, IssuedDocument
from shebao.core.signing import (
    DEMO_ORGANISATION,
    SigningUnavailable,
    certificate_info,
    check_signing_material,
    create_demo_material,
    sign_pdf,
    verify_pdf,
)
from shebao.operations.services.signing import signing_certificate_get, signing_certificate_renew
from shebao.testing import assert_refused

from ..conftest import AGENCY_CN, flip_byte, original_revision, pyhanko_status

pytestmark = [pytest.mark.django_db, pytest.mark.catalog("111002")]


def _text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_receipt_is_signed_and_validates_with_pyhanko(receipt):
    status = pyhanko_status(receipt)
    assert status.intact and status.valid and status.trusted
    assert status.bottom_line
    assert status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    assert status.signing_cert.subject.native["common_name"] == AGENCY_CN
    assert status.signing_cert.subject.native["organization_name"] == DEMO_ORGANISATION
    assert set(status.signing_cert.key_usage_value.native) == {"digital_signature", "non_repudiation"}

    report = verify_pdf(receipt)
    assert report.valid and report.intact and report.trusted and not report.modified
    assert report.signer == AGENCY_CN
    assert report.reason == "单位参保登记回执"
    assert abs(report.signing_time - timezone.now()) < dt.timedelta(minutes=5)


def test_signature_is_an_incremental_update_and_the_text_is_unchanged(receipt, enrolment_case):
    original = original_revision(receipt)
    assert receipt.startswith(original) and len(receipt) > len(original)
    assert PdfReader(io.BytesIO(receipt)).pages  # still opens
    assert _text(original) == _text(receipt)
    text = _text(receipt).replace(" ", "")
    assert "单位参保登记回执" in text and enrolment_case.number in text


@pytest.mark.parametrize("where", ["header", "middle"])
def test_one_changed_byte_breaks_the_signature(receipt, where):
    original = original_revision(receipt)
    at = original.index(b"1.7") + 2 if where == "header" else len(original) // 2
    tampered = flip_byte(receipt, at)
    assert tampered != receipt and len(tampered) == len(receipt)
    status = pyhanko_status(tampered)
    assert not status.intact and not status.bottom_line
    report = verify_pdf(tampered)
    assert report.signed and not report.valid and not report.intact
    assert "签名后文件内容被修改（摘要不符）" in report.problems


def test_an_appended_update_is_reported_as_modified(receipt):
    writer = IncrementalPdfFileWriter(io.BytesIO(receipt), strict=False)
    info = writer.trailer["/Info"]
    info[NameObject("/Title")] = TextStringObject("改过的回执")
    writer.update_container(info) if hasattr(writer, "update_container") else writer.mark_update(info.container_ref)
    out = io.BytesIO()
    writer.write(out)
    changed = out.getvalue()
    assert changed.startswith(receipt)
    status = pyhanko_status(changed)
    assert status.intact and status.coverage != SignatureCoverageLevel.ENTIRE_FILE
    report = verify_pdf(changed)
    assert report.intact and report.modified and not report.valid
    assert "签名后文件被追加或修改" in report.problems

    garbage = verify_pdf(receipt + b"\n%% appended after signing\n")
    assert garbage.modified and not garbage.valid


def test_a_certificate_of_another_ca_is_not_trusted(receipt, tmp_path):
    create_demo_material(tmp_path, agency_name=AGENCY_CN)  # same name, different CA
    unsigned = original_revision(receipt)
    with override_settings(SHEBAO_SIGNING_DIR=tmp_path):
        foreign = sign_pdf(unsigned, reason="伪造", location="")
    report = verify_pdf(foreign)
    assert report.intact and not report.trusted and not report.valid
    assert report.signer == AGENCY_CN
    assert "签名证书不能追溯到本系统配置的认证机构（CA）" in report.problems


def test_unsigned_and_unreadable_files(receipt):
    unsigned = verify_pdf(original_revision(receipt))
    assert not unsigned.signed and not unsigned.valid and unsigned.problems == ["文件没有数字签名"]
    broken = verify_pdf(b"%PDF-1.7\nnot really a pdf")
    assert not broken.valid and broken.problems


def test_missing_material_fails_loudly_when_required(tmp_path, receipt):
    doc = IssuedDocument.objects.filter(object_type="employer").first()
    assert doc is not None
    with override_settings(SHEBAO_SIGNING_DIR=tmp_path / "none", SHEBAO_SIGNING_REQUIRED=True):
        with pytest.raises(SigningUnavailable, match="未配置文件签名的密钥和证书"):
            issued_document_pdf(doc)
        errors = check_signing_material()
        assert [e.id for e in errors] == ["shebao.E010"] and errors[0].level == checks.ERROR
    with override_settings(SHEBAO_SIGNING_DIR=tmp_path / "none", SHEBAO_SIGNING_REQUIRED=False):
        pdf = issued_document_pdf(doc)
        assert not verify_pdf(pdf).signed
        assert [e.id for e in check_signing_material()] == ["shebao.I010"]
    assert [e.id for e in check_signing_material()] == ["shebao.W010"]  # the session's demo certificate


def test_signing_setup_command_is_idempotent(tmp_path, capsys):
    directory = tmp_path / "signing"
    with override_settings(SHEBAO_SIGNING_DIR=directory):
        call_command("signing_setup", agency="测试市社会保险管理服务中心")
        first = {p.name: p.read_bytes() for p in directory.iterdir()}
        call_command("signing_setup")
        assert {p.name: p.read_bytes() for p in directory.iterdir()} == first
        assert "签名证书已存在，未做修改" in capsys.readouterr().out
        for name in ("agency.key", "ca.key"):
            assert stat.S_IMODE((directory / name).stat().st_mode) == 0o600
        ca = x509.load_pem_x509_certificate(first["ca.pem"])
        assert ca.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
        agency = x509.load_pem_x509_certificate(first["agency.pem"])
        usage = agency.extensions.get_extension_for_class(x509.KeyUsage).value
        assert usage.digital_signature and usage.content_commitment and not usage.key_cert_sign
        assert not agency.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
        subject = agency.subject
        assert subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)[0].value == "测试市社会保险管理服务中心"
        assert subject.get_attributes_for_oid(x509.NameOID.ORGANIZATION_NAME)[0].value == DEMO_ORGANISATION
        assert agency.issuer == ca.subject
    with override_settings(SHEBAO_SIGNING_DIR=directory, SHEBAO_SIGNING_REQUIRED=True):
        from django.core.management.base import CommandError

        with pytest.raises(CommandError, match="不生成演示证书"):
            call_command("signing_setup")


@pytest.fixture
def own_material(tmp_path, settings):
    """A demo CA of this test only (the renewal writes into it)."""
    directory = tmp_path / "signing"
    create_demo_material(directory, agency_name=AGENCY_CN)
    settings.SHEBAO_SIGNING_DIR = directory
    return directory


def test_agency_admin_renews_the_demo_certificate_audited(
    own_material, agency_admin, receipt, django_capture_on_commit_callbacks
):
    before = signing_certificate_get(actor=agency_admin)
    with django_capture_on_commit_callbacks(execute=True):
        renewed = signing_certificate_renew(actor=agency_admin)
    assert renewed.sha256 != before.sha256 and renewed.subject == before.subject
    assert certificate_info().sha256 == renewed.sha256  # the files changed after the commit
    assert stat.S_IMODE((own_material / "agency.key").stat().st_mode) == 0o600
    entry = AuditEvent.objects.get(action="signing.certificate_renew")
    assert entry.item_code == "111002" and entry.actor_id == agency_admin.pk
    assert entry.before["sha256"] == before.sha256 and entry.after["sha256"] == renewed.sha256
    assert audit_verify().ok
    fresh = sign_pdf(original_revision(receipt), reason="回执", location="")
    assert verify_pdf(fresh).valid  # the new certificate chains to the same CA


def test_renewal_is_refused_to_others_and_in_production(own_material, clerk, agency_admin, settings):
    old = certificate_info().sha256
    assert_refused(
        lambda: signing_certificate_renew(actor=clerk),
        status=403,
        message_contains="机构管理员",
        nothing_saved=[AuditEvent],
    )
    with pytest.raises(PermissionDeniedError):
        signing_certificate_get(actor=clerk)
    settings.SHEBAO_SIGNING_DEMO_RENEW = False
    assert_refused(
        lambda: signing_certificate_renew(actor=agency_admin),
        status=403,
        message_contains="开发和演示",
        nothing_saved=[AuditEvent],
    )
    assert certificate_info().sha256 == old


def test_a_real_certificate_is_never_renewed_here(tmp_path, agency_admin, settings):
    directory = tmp_path / "real"
    create_demo_material(directory, agency_name=AGENCY_CN)
    settings.SHEBAO_SIGNING_DIR = tmp_path / "elsewhere"
    settings.SHEBAO_SIGNING_KEY_FILE = str(directory / "agency.key")
    settings.SHEBAO_SIGNING_CERT_FILE = str(directory / "agency.pem")
    settings.SHEBAO_SIGNING_CA_FILE = str(directory / "ca.pem")
    with pytest.raises(ApplicationError, match="不在演示证书目录"):
        signing_certificate_renew(actor=agency_admin)
    assert Path(settings.SHEBAO_SIGNING_CERT_FILE).read_bytes() == (directory / "agency.pem").read_bytes()

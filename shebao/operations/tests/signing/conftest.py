"""Fixtures of the 111002 数字认证 tests: a real signed receipt, its tampered copies, an agency administrator."""

from __future__ import annotations

import io

import pytest
from django.conf import settings
from pyhanko.keys import load_cert_from_pemder
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from shebao.conftest import make_user
from shebao.core.choices import Role
from shebao.core.items import get_item
from shebao.core.models import Case

AGENCY_CN = "杭州市社会保险管理服务中心"


@pytest.fixture
def agency_admin(agencies):
    return make_user(Role.AGENCY_ADMIN, agencies["a"], username="admin_a")


@pytest.fixture
def enrolment_case(make_employer) -> Case:
    """A completed 01010101 单位参保登记 case, made through the real services."""
    employer = make_employer(name="杭州签名回执测试有限公司")
    return Case.objects.get(item_id="01010101", employer=employer)


@pytest.fixture
def receipt(enrolment_case) -> bytes:
    """The signed PDF receipt of the enrolment, as the item's receipt hook prints it."""
    _, pdf = get_item("01010101").receipt(enrolment_case)
    return pdf


def original_revision(pdf: bytes) -> bytes:
    """The bytes the signature's first range starts with: the PDF as WeasyPrint wrote it (before the signature)."""
    return pdf[: pdf.index(b"%%EOF") + len(b"%%EOF")]


def flip_byte(pdf: bytes, at: int) -> bytes:
    """The file with one byte changed (inside the signed range when `at` lies in the original revision)."""
    data = bytearray(pdf)
    data[at] = ord("6") if data[at] != ord("6") else ord("5")
    return bytes(data)


def pyhanko_status(pdf: bytes):
    """pyHanko's own validation of the file's signature, trusting only the demo CA of the test session."""
    ca = load_cert_from_pemder(str(settings.SHEBAO_SIGNING_DIR / "ca.pem"))
    reader = PdfFileReader(io.BytesIO(pdf), strict=False)
    (sig,) = reader.embedded_signatures
    return validate_pdf_signature(sig, ValidationContext(trust_roots=[ca], allow_fetching=False))

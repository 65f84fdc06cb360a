"""Receipts of the six cluster-01 items: real PDFs with the CJK font embedded, the item's name, the case number
and the verification URL printed; the public verification page shows the masked content; altered codes are 无效."""

from __future__ import annotations

import io
import re
import shutil
import subprocess

import pytest
from django.test import Client
from django.utils import timezone
from pypdf import PdfReader

from shebao.conftest import person_data
from shebao.core.cases import case_approve
from shebao.core.choices import CaseStatus
from shebao.core.documents import issued_document_pdf
from shebao.core.identifiers import mask_id
from shebao.core.items import get_item
from shebao.core.models import Case, IssuedDocument
from shebao.core.verification import document_code, verification_path, verification_url
from shebao.registration.documents import TITLES, employer_receipt_pdf
from shebao.registration.services import (
    employer_change,
    employer_deregister,
    person_change,
    person_enrol_bulk,
    person_terminate,
)
from shebao.testing import material_files

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.catalog("01010101", "01010102", "01010103", "01010201", "01010202", "01010203"),
]

ACCOUNT = "6222021202001234567"


def _done(case: Case, reviewer) -> Case:
    if case.status != CaseStatus.COMPLETED:
        case = case_approve(actor=reviewer, case=case)
    assert case.status == CaseStatus.COMPLETED
    return case


@pytest.fixture
def completed(clerk, reviewer, make_employer, make_person):
    """A factory: item code -> a completed case of that item (made through the real services)."""

    def _make(code: str) -> Case:
        if code == "01010101":
            employer = make_employer(name="杭州西湖回执测试有限公司")
            return Case.objects.get(item_id=code, employer=employer)
        employer = make_employer()
        if code == "01010102":
            case = employer_change(
                actor=clerk,
                employer=employer,
                changes={"address": "浙江省杭州市上城区望江路9号", "bank_account": ACCOUNT},
                materials=material_files("01010102"),
            )
        elif code == "01010103":
            case = employer_deregister(
                actor=clerk,
                employer=employer,
                reason="歇业",
                cancel_date=timezone.localdate(),
                materials=material_files("01010103"),
            )
        elif code == "01010201":
            rows = [person_data(n, name=f"赵{n}") for n in (501, 502, 503)]
            case = person_enrol_bulk(actor=clerk, employer=employer, rows=rows).case
        elif code == "01010202":
            person = make_person(employer)
            changes = {"phone": "13700001111", "benefit_bank_name": "中国银行杭州分行", "benefit_bank_account": ACCOUNT}
            case = person_change(actor=clerk, person=person, changes=changes, reason="本人申请")
        else:
            person = make_person(employer)
            case = person_terminate(
                actor=clerk,
                person=person,
                reason="emigration",
                end_date=timezone.localdate(),
                materials=material_files("01010203"),
            )
        return _done(case, reviewer)

    return _make


def _text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return re.sub(r"\s+", "", "".join(page.extract_text() for page in reader.pages))


def _embedded_fonts(pdf: bytes) -> list[str]:
    out = []
    for page in PdfReader(io.BytesIO(pdf)).pages:
        for ref in page["/Resources"]["/Font"].values():
            font = ref.get_object()
            for f in [font, *(d.get_object() for d in font.get("/DescendantFonts", []))]:
                desc = f.get("/FontDescriptor")
                if desc is not None and any(k in desc.get_object() for k in ("/FontFile", "/FontFile2", "/FontFile3")):
                    out.append(str(f["/BaseFont"]))
    return out


def _document(case: Case) -> IssuedDocument:
    return IssuedDocument.objects.get(case=case)


@pytest.mark.parametrize("code", sorted(TITLES))
def test_every_item_declares_a_receipt_that_renders_with_cjk_font_and_verification(code, completed, tmp_path):
    case = completed(code)
    filename, pdf = get_item(code).receipt(case)
    assert filename == f"receipt-{code}-{case.number}.pdf"
    assert pdf.startswith(b"%PDF-")
    text = _text(pdf)
    assert TITLES[code] in text
    assert case.number in text
    doc = _document(case)
    assert doc.kind == f"receipt.{code}" and doc.issuer == case.agency.name
    assert verification_url(doc) in text  # printed under the seal, and what the QR code holds
    assert any("NotoSans" in name for name in _embedded_fonts(pdf)), "the CJK font is not embedded"

    # Nothing secret on paper: no full ID number or bank account anywhere in the PDF.
    assert ACCOUNT not in text
    for number in case.payload.get("rows", []):
        assert number["id_number"] not in text
    if case.person_id:
        assert case.person.id_number not in text and mask_id(case.person.id_number) in text

    # A reprint certifies the same content: same document, same code.
    get_item(code).receipt(case)
    assert IssuedDocument.objects.filter(case=case).count() == 1

    # The public page (no login) shows what was certified.
    res = Client().get(f"/verify/{document_code(doc)}/")
    assert res.status_code == 200
    page = res.content.decode()
    assert "核验结果：有效" in page and TITLES[code] in page and case.number in page and case.agency.name in page
    assert ACCOUNT not in page

    if shutil.which("pdftoppm"):  # the glyphs render (pdftotext alone would not prove it)
        src = tmp_path / "receipt.pdf"
        src.write_bytes(pdf)
        subprocess.run(
            ["pdftoppm", "-png", "-r", "40", "-f", "1", "-l", "1", str(src), str(tmp_path / "p")], check=True
        )
        assert next(tmp_path.glob("p*.png")).stat().st_size > 1000


def test_bulk_enrolment_receipt_lists_every_person_masked(completed):
    case = completed("01010201")
    _, pdf = get_item("01010201").receipt(case)
    text = _text(pdf)
    page = Client().get(verification_path(_document(case))).content.decode()
    for row in case.payload["rows"]:
        assert row["name"] in text and mask_id(row["id_number"]) in text
        assert row["name"] in page and mask_id(row["id_number"]) in page
        assert row["id_number"] not in text and row["id_number"] not in page
    assert "登记人数3人" in text


def test_change_receipt_masks_the_bank_account(completed):
    case = completed("01010202")
    _, pdf = get_item("01010202").receipt(case)
    text = _text(pdf)
    assert "13700001111" in text
    assert ACCOUNT[-4:] in text and ACCOUNT not in text


def test_altered_or_forged_codes_are_invalid(completed, settings):
    case = completed("01010103")
    get_item("01010103").receipt(case)
    doc = _document(case)
    code = document_code(doc)
    client = Client()
    public_id, rest = code.split("-", 1)
    swapped = ("b" if public_id[0] != "b" else "c") + public_id[1:]
    for bad in (
        code[:-1] + ("A" if code[-1] != "A" else "B"),  # signature altered
        f"{swapped}-{rest}",  # another document's number under this signature
        "forged-000000000000.AAAA",
        "x" * 300,
    ):
        res = client.get(f"/verify/{bad}/")
        assert res.status_code == 400, bad
        assert "核验结果：无效" in res.content.decode()
    # A key change (or a code signed elsewhere) makes every code invalid.
    settings.SHEBAO_DOCUMENT_KEY = "another-key-0123456789abcdef0123456789abcdef"
    assert client.get(f"/verify/{code}/").status_code == 400


def test_unknown_document_and_tampered_row_are_invalid(completed):
    case = completed("01010203")
    get_item("01010203").receipt(case)
    doc = _document(case)
    code = document_code(doc)
    client = Client()
    # The certified content is edited in the database: the digest no longer matches.
    summary = doc.summary
    summary["fields"][2][1] = "死亡"
    IssuedDocument.objects.filter(pk=doc.pk).update(summary=summary)
    res = client.get(f"/verify/{code}/")
    assert res.status_code == 400 and "核验结果：无效" in res.content.decode()
    assert client.get(f"/api/v1/verify/{code}/").json()["valid"] is False
    # The row is gone (a validly signed code names no document).
    IssuedDocument.objects.filter(pk=doc.pk).delete()
    res = client.get(f"/verify/{code}/")
    assert res.status_code == 404 and "核验结果：无效" in res.content.decode()
    api = client.get(f"/api/v1/verify/{code}/")
    assert api.status_code == 404 and api.json() == {
        "valid": False,
        "result": "无效",
        "reason": "未找到该文件的出具记录",
        "document": None,
    }


def test_api_twin_returns_the_masked_content(completed):
    case = completed("01010202")
    get_item("01010202").receipt(case)
    doc = _document(case)
    res = Client().get(f"/api/v1/verify/{document_code(doc)}/")
    assert res.status_code == 200
    body = res.json()
    assert body["valid"] is True and body["result"] == "有效"
    assert body["document"]["case_number"] == case.number
    assert body["document"]["issuer"] == case.agency.name
    fields = dict(body["document"]["fields"])
    assert fields["社会保障号码"] == mask_id(case.person.id_number)
    assert ACCOUNT not in res.content.decode()


def test_employer_page_receipt_without_case_uses_the_record(make_employer):
    employer = make_employer(name="杭州历史导入单位有限公司")
    case = Case.objects.get(item_id="01010101", employer=employer)
    text = _text(employer_receipt_pdf(employer=employer))
    assert case.number in text and employer.uscc in text and "企业职工基本养老保险" in text
    # The same receipt as the case's (same certified content, one document).
    get_item("01010101").receipt(case)
    assert IssuedDocument.objects.filter(kind="receipt.01010101").count() == 1


def test_long_lists_are_printed_up_to_a_cap_and_certified_in_full_online(completed):
    case = completed("01010201")
    get_item("01010201").receipt(case)
    doc = _document(case)
    text = _text(issued_document_pdf(doc, max_rows=2))
    rows = case.payload["rows"]
    assert rows[0]["name"] in text and rows[1]["name"] in text and rows[2]["name"] not in text
    assert "另有1行未打印" in text and "全部3行" in text
    page = Client().get(verification_path(doc)).content.decode()
    assert all(r["name"] in page for r in rows)

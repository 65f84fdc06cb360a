"""01010101 社会保险登记回执: the PDF carries the unit's details and embeds a CJK font."""

import io
import shutil
import subprocess

import pytest
from pypdf import PdfReader

from shebao.core.models import Case
from shebao.registration.documents import employer_receipt_pdf, qr_payload

pytestmark = [pytest.mark.django_db, pytest.mark.catalog("01010101")]


def _fonts(page) -> list[dict]:
    """Every font dictionary on the page, descendant fonts of Type0 fonts included."""
    out = []
    for ref in page["/Resources"]["/Font"].values():
        font = ref.get_object()
        out.append(font)
        for desc in font.get("/DescendantFonts", []):
            out.append(desc.get_object())
    return out


def test_receipt_pdf_has_text_and_embedded_cjk_font(make_employer, tmp_path):
    employer = make_employer(name="杭州西湖回执测试有限公司")
    case = Case.objects.get(item_id="01010101", employer=employer)
    pdf = employer_receipt_pdf(employer=employer, case=case)
    assert pdf.startswith(b"%PDF-")

    reader = PdfReader(io.BytesIO(pdf))
    text = "".join(page.extract_text() for page in reader.pages)
    assert "杭州西湖回执测试有限公司" in text
    assert employer.reg_no in text
    assert employer.uscc in text
    assert case.number in text
    assert "社会保险登记回执" in text.replace(" ", "")  # the title is letter-spaced
    assert "企业职工基本养老保险" in text

    fonts = _fonts(reader.pages[0])
    embedded = [
        f
        for f in fonts
        if "/FontDescriptor" in f
        and any(k in f["/FontDescriptor"].get_object() for k in ("/FontFile", "/FontFile2", "/FontFile3"))
    ]
    assert embedded, "no embedded font"
    assert any("NotoSans" in str(f["/BaseFont"]) for f in embedded)

    if shutil.which("pdftoppm"):
        src = tmp_path / "receipt.pdf"
        src.write_bytes(pdf)
        subprocess.run(
            ["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", str(src), str(tmp_path / "p")],
            check=True,
            timeout=60,
        )
        pngs = list(tmp_path.glob("p*.png"))
        assert pngs and pngs[0].stat().st_size > 1000


def test_receipt_without_case_finds_registration_case(make_employer):
    employer = make_employer()
    pdf = employer_receipt_pdf(employer=employer)
    text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    number = Case.objects.get(item_id="01010101", employer=employer).number
    assert number in text
    assert qr_payload(employer) == f"SHEBAO-REG:{employer.reg_no};USCC:{employer.uscc}"

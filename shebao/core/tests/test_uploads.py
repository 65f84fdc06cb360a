"""Upload content checks: a PDF must parse with a page, images need a real header, an .xlsx must open."""

import io
import struct
import zipfile
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from shebao.core.cases import validate_upload as reexported
from shebao.core.errors import ApplicationError
from shebao.core.tests.samples import JPG, PDF, PNG, XLSX
from shebao.core.uploads import validate_upload


def _refused(name: str, data: bytes, field: str = "file") -> str:
    with pytest.raises(ApplicationError) as exc:
        validate_upload(SimpleUploadedFile(name, data), field=field)
    assert exc.value.status_code == 400 and list(exc.value.errors) == [field]
    return exc.value.message


@pytest.mark.parametrize(
    ("name", "data"), [("a.pdf", PDF), ("a.png", PNG), ("a.jpg", JPG), ("a.JPEG", JPG), ("a.xlsx", XLSX)]
)
def test_genuine_files_pass(name, data):
    assert validate_upload(SimpleUploadedFile(name, data)) == (data, name[name.rindex(".") :].lower())


def test_still_importable_from_cases():
    assert reexported is validate_upload


@pytest.mark.parametrize(
    "data",
    [
        b"%PDF-1.4\n%%EOF\n",  # the signature and nothing else
        b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n",  # no catalogue, no page
        b"%PDF-1.7\n" + b"\x00garbage" * 100,
        PDF.replace(b"/Count 1", b"/Count 0").replace(b"/Kids[3 0 R]", b"/Kids[]"),  # zero pages
    ],
)
def test_pdf_must_parse_with_a_page(data):
    assert "文件不是有效的PDF" in _refused("scan.pdf", data, field="materials")


def _png_with(header: bytes, *, crc: int | None = None) -> bytes:
    kind = b"IHDR"
    crc = zlib.crc32(kind + header) if crc is None else crc
    return b"\x89PNG\r\n\x1a\n" + struct.pack(">I", len(header)) + kind + header + struct.pack(">I", crc)


@pytest.mark.parametrize(
    "data",
    [
        b"\x89PNG\r\n\x1a\n" + b"\x00" * 32,  # signature only
        _png_with(struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0), crc=1),  # wrong CRC
        _png_with(struct.pack(">IIBBBBB", 0, 1, 8, 0, 0, 0, 0)),  # zero width
        _png_with(struct.pack(">IIBBBBB", 1, 1, 3, 2, 0, 0, 0)),  # bit depth 3 is not a PNG depth
        PNG[:20],
    ],
)
def test_png_needs_a_valid_ihdr(data):
    assert "PNG" in _refused("photo.png", data)


@pytest.mark.parametrize(
    "data",
    [
        b"\xff\xd8\xff\xe0" + b"\x00" * 32,  # SOI and a broken segment
        b"\xff\xd8\xff\xd9",  # SOI then EOI, no frame
        b"\xff\xd8\xff\xe0\x00\x04ab\xff\xda\x00\x02",  # a scan before any frame
        JPG.replace(b"\x00\x01\x00\x01\x01", b"\x00\x00\x00\x01\x01"),  # zero height
    ],
)
def test_jpeg_needs_a_frame(data):
    assert "JPEG" in _refused("photo.jpg", data)


def _zip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, content in members.items():
            zf.writestr(name, content)
    return out.getvalue()


@pytest.mark.parametrize(
    "data",
    [
        _zip({"word/document.xml": b"<document/>"}),  # any zip used to pass
        _zip({"xl/workbook.xml": b"<workbook><sheets/></workbook>"}),  # a workbook with no sheet
        _zip({"xl/workbook.xml": b"<workbook"}),  # broken XML
        b"PK\x03\x04" + b"\x00" * 32,
    ],
)
def test_xlsx_must_open_as_a_workbook(data):
    assert "Excel" in _refused("名单.xlsx", data)


def test_wrong_signature_keeps_its_message():
    assert _refused("fake.pdf", PNG) == "文件内容与扩展名不符"
    assert _refused("fake.xlsx", PDF) == "文件内容与扩展名不符"


def test_size_is_checked_on_the_bytes_read(settings):
    settings.SHEBAO_UPLOAD_MAX_BYTES = 100

    class Lying(io.BytesIO):
        name, size = "a.pdf", 10  # a wrong size must not let a larger body through

    with pytest.raises(ApplicationError) as exc:
        validate_upload(Lying(PDF))
    assert "文件过大" in exc.value.message

"""Checking uploaded materials: extension, size, and that the content really is the PDF, image or workbook named."""

from __future__ import annotations

import io
import logging
import struct
import zlib
from pathlib import PurePath

from django.conf import settings

from .errors import ApplicationError
from .xlsx import open_workbook

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# JPEG start-of-frame markers (baseline, progressive, lossless…): not DHT (C4), JPG (C8) or DAC (CC).
_JPEG_FRAMES = frozenset({0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF})
_JPEG_STANDALONE = frozenset({0x01, *range(0xD0, 0xD8)})


def _is_png(data: bytes) -> bool:
    """A PNG signature followed by a well-formed IHDR chunk (right length, CRC, sizes and colour type)."""
    if len(data) < 33 or not data.startswith(_PNG_SIGNATURE):
        return False
    length, kind = struct.unpack(">I4s", data[8:16])
    if length != 13 or kind != b"IHDR":
        return False
    body = data[16:29]
    (crc,) = struct.unpack(">I", data[29:33])
    if zlib.crc32(kind + body) != crc:
        return False
    width, height, depth, colour, compression, filtering, interlace = struct.unpack(">IIBBBBB", body)
    allowed = {0: (1, 2, 4, 8, 16), 2: (8, 16), 3: (1, 2, 4, 8), 4: (8, 16), 6: (8, 16)}
    return (
        width > 0
        and height > 0
        and depth in allowed.get(colour, ())
        and compression == 0
        and filtering == 0
        and interlace in (0, 1)
    )


def _is_jpeg(data: bytes) -> bool:
    """SOI, then well-formed marker segments up to a start-of-frame with non-zero sizes before the scan."""
    if not data.startswith(b"\xff\xd8"):
        return False
    pos = 2
    while pos + 4 <= len(data):
        if data[pos] != 0xFF:
            return False
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        if marker in _JPEG_STANDALONE:
            pos += 2
            continue
        if marker in (0xD8, 0xD9, 0xDA):  # a second SOI, the end or the scan before any frame
            return False
        (length,) = struct.unpack(">H", data[pos + 2 : pos + 4])
        if length < 2 or pos + 2 + length > len(data):
            return False
        if marker in _JPEG_FRAMES:
            if length < 8:
                return False
            _, height, width = struct.unpack(">BHH", data[pos + 4 : pos + 9])
            return height > 0 and width > 0
        pos += 2 + length
    return False


def _is_pdf(data: bytes) -> bool:
    """pypdf can open it (lenient parsing, as viewers are) and it has at least one page."""
    from pypdf import PdfReader

    pypdf_log = logging.getLogger("pypdf")
    level = pypdf_log.level
    pypdf_log.setLevel(logging.ERROR)  # lenient parsing warns about every repaired xref
    try:
        return len(PdfReader(io.BytesIO(data), strict=False).pages) >= 1
    except Exception:
        return False
    finally:
        pypdf_log.setLevel(level)


def _is_xlsx(data: bytes) -> bool:
    """A zip within the size caps whose workbook.xml lists at least one sheet present in the package."""
    try:
        open_workbook(data)
    except ApplicationError:
        return False
    return True


# The signature a file of each type starts with (a mismatch is "content does not match the extension").
_MAGIC = {
    ".pdf": b"%PDF-",
    ".png": _PNG_SIGNATURE,
    ".jpg": b"\xff\xd8\xff",
    ".jpeg": b"\xff\xd8\xff",
    ".xlsx": b"PK\x03\x04",
}
# The full check of the content once the signature matches, and what is said when it fails.
_CHECKS = {
    ".pdf": (_is_pdf, "文件不是有效的PDF"),
    ".png": (_is_png, "文件不是有效的PNG图片"),
    ".jpg": (_is_jpeg, "文件不是有效的JPEG图片"),
    ".jpeg": (_is_jpeg, "文件不是有效的JPEG图片"),
    ".xlsx": (_is_xlsx, "文件不是有效的Excel工作簿（.xlsx）"),
}


def validate_upload(uploaded, *, field: str = "file") -> tuple[bytes, str]:
    """Check a material's type (extension and content) and size; return its bytes and extension."""
    if uploaded is None:
        raise ApplicationError("请选择要上传的文件", field=field)
    name = getattr(uploaded, "name", "") or ""
    ext = PurePath(name).suffix.lower()
    allowed = settings.SHEBAO_UPLOAD_TYPES
    if ext not in allowed:
        raise ApplicationError(
            f"文件类型不允许（仅限 {'、'.join(sorted(e.lstrip('.') for e in allowed))}）", field=field
        )
    limit = settings.SHEBAO_UPLOAD_MAX_BYTES
    if uploaded.size > limit:
        raise ApplicationError(f"文件过大（上限 {limit // (1024 * 1024)} MB）", field=field)
    data = uploaded.read(limit + 1)
    if len(data) == 0:
        raise ApplicationError("文件为空", field=field)
    if len(data) > limit:
        raise ApplicationError(f"文件过大（上限 {limit // (1024 * 1024)} MB）", field=field)
    if ext in _MAGIC and not data.startswith(_MAGIC[ext]):
        raise ApplicationError("文件内容与扩展名不符", field=field)
    check, message = _CHECKS.get(ext, (lambda _: True, ""))
    if not check(data):
        raise ApplicationError(f"{message}，请检查后重新上传", field=field)
    return data, ext

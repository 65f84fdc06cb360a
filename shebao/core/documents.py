"""Printed documents (回执, 证明): HTML templates rendered to PDF by WeasyPrint with the NotoSansSC font embedded,
then signed with the agency certificate (`core.signing`, PAdES; see docs/operations-signing.md).

Every app prints through `render_pdf(template, context, css=...)`; the font and the base stylesheet are built once
per process (font parsing dominates the cost of a small document). `qr_data_uri(text)` gives the QR code image
that a template places with `<img src="{{ qr_uri }}">`.
"""

from __future__ import annotations

import atexit
import functools

import segno
from django.template.loader import render_to_string

BASE_CSS = """
@font-face {
  font-family: "NotoSansSC";
  src: url("%(font_url)s");
}
@page {
  size: A4;
  margin: 22mm 20mm 24mm 20mm;
  @bottom-center { content: element(footer); }
}
html { font-family: "NotoSansSC", sans-serif; font-size: 10.5pt; color: #111; }
body { margin: 0; }
header { text-align: center; border-bottom: 1.5pt solid #333; padding-bottom: 4mm; margin-bottom: 6mm; }
header .agency { font-size: 11pt; letter-spacing: 1pt; }
h1 { font-size: 20pt; margin: 3mm 0; letter-spacing: 4pt; }
h2 { font-size: 12pt; margin: 6mm 0 2mm; }
table.meta { width: 100%%; font-size: 10pt; }
table.meta td { text-align: left; padding: 0; }
table.meta td.right { text-align: right; }
.qr { float: right; width: 34mm; margin-left: 6mm; text-align: center; }
.qr img { width: 32mm; height: 32mm; }
.qr-note { font-size: 8pt; color: #555; }
.verify { font-size: 7.5pt; color: #444; word-break: break-all; margin-top: 4mm; }
table { border-collapse: collapse; }
table.fields { width: 130mm; }
table.fields th { width: 32mm; text-align: left; font-weight: normal; color: #444; padding: 1.6mm 2mm 1.6mm 0;
  vertical-align: top; }
table.fields td { padding: 1.6mm 0; border-bottom: 0.5pt solid #ccc; }
td.code { letter-spacing: 0.5pt; }
table.grid { width: 100%%; }
table.grid th, table.grid td { border: 0.6pt solid #666; padding: 1.6mm 2mm; text-align: left; }
table.grid th { background: #eee; font-weight: normal; }
table.grid thead { display: table-header-group; }
table.grid tr { page-break-inside: avoid; }
.notice { margin-top: 6mm; font-size: 9.5pt; line-height: 1.6; }
.seal { margin-top: 14mm; margin-left: auto; width: 70mm; text-align: center; line-height: 1.8; }
footer { position: running(footer); font-size: 8pt; color: #666; text-align: center; }
footer .page::after { content: counter(page); }
"""


@functools.cache
def _font_config():
    """The WeasyPrint font configuration and the base stylesheet (with the embedded CJK font), once per process."""
    import pylopdf_fonts_zh_cn
    from weasyprint import CSS
    from weasyprint.text.fonts import FontConfiguration

    font_config = FontConfiguration()
    font_url = pylopdf_fonts_zh_cn.sans_path().resolve().as_uri()
    return font_config, CSS(string=BASE_CSS % {"font_url": font_url}, font_config=font_config)


@functools.lru_cache(maxsize=32)
def _extra_css(css: str):
    from weasyprint import CSS

    font_config, _ = _font_config()
    return CSS(string=css, font_config=font_config)


def _clear_caches() -> None:
    _extra_css.cache_clear()
    _font_config.cache_clear()


# Drop the cached configuration before interpreter teardown (its finaliser needs the C library still loaded).
atexit.register(_clear_caches)


def render_pdf(template_name: str, context: dict, *, css: str = "", reason: str = "", location: str = "") -> bytes:
    """A printed document: the template rendered to PDF with the base stylesheet (+ `css`) and the CJK font,
    signed with the agency certificate (`core.signing.sign_pdf`; reason defaults to the context's `title`,
    location to its `agency_name`)."""
    from weasyprint import HTML

    from .signing import sign_pdf

    font_config, base = _font_config()
    stylesheets = [base, _extra_css(css)] if css else [base]
    html = render_to_string(template_name, context)
    pdf = HTML(string=html).write_pdf(stylesheets=stylesheets, font_config=font_config)
    return sign_pdf(
        pdf,
        reason=reason or str(context.get("title") or "文件出具"),
        location=location or str(context.get("agency_name") or ""),
    )


def qr_data_uri(text: str, *, scale: int = 4) -> str:
    """The QR code of `text` as an SVG data URI for an `<img>` in a printed document (error correction M)."""
    return segno.make(text, error="m").svg_data_uri(scale=scale, border=1)


DOCUMENT_TEMPLATE = "core/pdf/document.html"
# WeasyPrint lays out every table cell on its own (≈ 10–40 ms per row here): a long list is printed up to this many
# rows and the rest is certified on the verification page, which lists every row.
PRINTED_ROWS = 100


def issued_document_pdf(
    doc,
    *,
    notice: str = "",
    dated=None,
    number_label: str = "",
    number: str = "",
    template: str = DOCUMENT_TEMPLATE,
    max_rows: int = PRINTED_ROWS,
) -> bytes:
    """The PDF of an issued document (`IssuedDocument`): its certified content, QR code and verification URL."""
    from django.utils import timezone

    from .verification import verification_url

    url = verification_url(doc)
    context = {
        "doc": doc,
        "title": doc.title,
        "agency_name": doc.issuer,
        "case_number": doc.case.number if doc.case_id else "",
        "number_label": number_label,
        "number": number,
        "fields": doc.summary.get("fields", []),
        "tables": [
            {**t, "rows": t["rows"][:max_rows], "more": max(len(t["rows"]) - max_rows, 0)}
            for t in doc.summary.get("tables", [])
        ],
        "notice": notice,
        "dated": dated or timezone.localtime(doc.issued_at).date(),
        "printed_at": timezone.localtime(),
        "verify_url": url,
        "qr_uri": qr_data_uri(url),
    }
    return render_pdf(template, context)

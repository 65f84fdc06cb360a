"""Printed documents of cluster 01: the 社会保险登记回执 (registration receipt) as PDF."""

from __future__ import annotations

import atexit
import functools

import segno
from django.template.loader import render_to_string
from django.utils import timezone

from shebao.core.models import Case, Region

from .models import Employer

RECEIPT_TEMPLATE = "registration/receipt_pdf.html"

_RECEIPT_CSS = """
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
table { border-collapse: collapse; }
table.fields { width: 130mm; }
table.fields th { width: 32mm; text-align: left; font-weight: normal; color: #444; padding: 1.6mm 2mm 1.6mm 0;
  vertical-align: top; }
table.fields td { padding: 1.6mm 0; border-bottom: 0.5pt solid #ccc; }
td.code { letter-spacing: 0.5pt; }
table.grid { width: 100%%; }
table.grid th, table.grid td { border: 0.6pt solid #666; padding: 1.6mm 2mm; text-align: left; }
table.grid th { background: #eee; font-weight: normal; }
.notice { margin-top: 6mm; font-size: 9.5pt; line-height: 1.6; }
.seal { margin-top: 14mm; margin-left: auto; width: 70mm; text-align: center; line-height: 1.8; }
footer { position: running(footer); font-size: 8pt; color: #666; text-align: center; }
footer .page::after { content: counter(page); }
"""


@functools.cache
def _font_config():
    """The WeasyPrint font configuration and receipt stylesheet, built once per process."""
    import pylopdf_fonts_zh_cn
    from weasyprint import CSS
    from weasyprint.text.fonts import FontConfiguration

    font_config = FontConfiguration()
    font_url = pylopdf_fonts_zh_cn.sans_path().resolve().as_uri()
    css = CSS(string=_RECEIPT_CSS % {"font_url": font_url}, font_config=font_config)
    return font_config, css


# Drop the cached configuration before interpreter teardown (its finaliser needs the C library still loaded).
atexit.register(_font_config.cache_clear)


def _region_label(region: Region) -> str:
    codes = region.lineage_codes()
    names = dict(Region.objects.filter(code__in=codes).values_list("code", "name"))
    return "".join(names[c] for c in reversed(codes) if c in names) or region.name


def _registration_case(employer: Employer) -> Case | None:
    return (
        Case.objects.filter(item_id="01010101", employer=employer, status="completed")
        .order_by("completed_at", "pk")
        .first()
    )


def qr_payload(employer: Employer) -> str:
    """What the receipt's QR code encodes: registration number and USCC."""
    return f"SHEBAO-REG:{employer.reg_no};USCC:{employer.uscc}"


def receipt_context(*, employer: Employer, case: Case | None = None) -> dict:
    """The data printed on an employer's registration receipt."""
    case = case or _registration_case(employer)
    qr = segno.make(qr_payload(employer), error="m")
    insurances = list(
        employer.insurances.filter(active=True).select_related("insurance_type").order_by("insurance_type_id")
    )
    now = timezone.localtime()
    return {
        "employer": employer,
        "agency_name": employer.agency.name,
        "region_label": _region_label(employer.region),
        "insurances": insurances,
        "case_number": case.number if case else "",
        "issued_on": (
            timezone.localtime(case.completed_at).date() if case and case.completed_at else employer.registered_on
        ),
        "printed_at": now,
        "qr_uri": qr.svg_data_uri(scale=4, border=1),
    }


def employer_receipt_pdf(*, employer: Employer, case: Case | None = None) -> bytes:
    """社会保险登记回执: the PDF receipt an approved employer receives (CJK font embedded)."""
    from weasyprint import HTML

    font_config, css = _font_config()
    html = render_to_string(RECEIPT_TEMPLATE, receipt_context(employer=employer, case=case))
    return HTML(string=html).write_pdf(stylesheets=[css], font_config=font_config)

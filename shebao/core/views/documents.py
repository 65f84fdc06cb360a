"""Printed documents: a completed case's receipt (打印回执) and the public verification page of any document."""

from __future__ import annotations

from urllib.parse import quote

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from ..access import case_get_for
from ..choices import CaseStatus
from ..errors import NotFoundError
from ..items import get_item
from ..verification import PDF_CHECKS, document_verify


def pdf_response(filename: str, pdf: bytes) -> HttpResponse:
    """A PDF shown in the browser (inline), its file name given in ASCII and UTF-8 (RFC 6266)."""
    response = HttpResponse(pdf, content_type="application/pdf")
    ascii_name = filename.encode("ascii", "ignore").decode() or "document.pdf"
    response["Content-Disposition"] = f"inline; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"
    return response


@login_required
@require_GET
def case_receipt(request: HttpRequest, case_id: int) -> HttpResponse:
    """打印回执: the receipt PDF of a completed case whose item declares one (404 otherwise or out of scope)."""
    try:
        case = case_get_for(actor=request.user, case_id=case_id)
    except NotFoundError as exc:
        raise Http404(exc.message) from None
    item = get_item(case.item_id)
    if not (item and item.receipt) or case.status != CaseStatus.COMPLETED:
        raise Http404("该业务没有可打印的回执（仅已办结的业务出具回执）")
    filename, pdf = item.receipt(case)
    return pdf_response(filename, pdf)


@require_GET
def verify_document(request: HttpRequest, code: str) -> HttpResponse:
    """文件核验 (public, no login): what the document with this code certified, or 无效 with the reason."""
    result = document_verify(code)
    pdf_checks = [reverse(name) for name in PDF_CHECKS]
    max_mb = getattr(settings, "SHEBAO_SIGNATURE_UPLOAD_MAX", 10 * 1024 * 1024) // (1024 * 1024)
    return render(
        request,
        "core/verify.html",
        {"result": result, "pdf_check_url": pdf_checks[0] if pdf_checks else "", "pdf_check_max_mb": max_mb},
        status=result.status,
    )

"""111002 数字认证 pages: the public signature check of an uploaded PDF (the form also sits on `/verify/<code>/`),
and the agency administrators' page of the current signing certificate with the demo re-issue button."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods, require_POST

from shebao.core.errors import ApplicationError, PermissionDeniedError

from ..apis.signing import SignatureCheckThrottle
from ..services.signing import (
    PdfSizeCap,
    UploadTooLarge,
    declared_too_large,
    renew_allowed,
    signature_check,
    signing_certificate_get,
    signing_certificate_renew,
    too_large_message,
    upload_limit,
)


def _render_check(request: HttpRequest, *, report=None, errors=(), status: int = 200) -> HttpResponse:
    context = {
        "report": report,
        "errors": list(errors),
        "max_mb": upload_limit() // (1024 * 1024),
        "filename": getattr(request, "_pdf_name", ""),
    }
    return render(request, "operations/signing/check.html", context, status=status)


@csrf_exempt  # CSRF is checked by `_check_post`, after the size cap is installed (it must precede reading the body)
@require_http_methods(["GET", "POST"])
def signature_check_page(request: HttpRequest) -> HttpResponse:
    """数字签名核验 (public, no login): upload a PDF, see whether its signature is valid, who signed it and when."""
    if request.method == "GET":
        return csrf_protect(_render_check)(request)
    if declared_too_large(request.META):
        return _render_check(request, errors=[too_large_message()], status=413)
    cap = PdfSizeCap(request)
    request.upload_handlers.insert(0, cap)
    return csrf_protect(_check_post)(request, cap)


def _check_post(request: HttpRequest, cap: PdfSizeCap) -> HttpResponse:
    if any("\x00" in key or any("\x00" in v for v in values) for key, values in request.POST.lists()):
        return _render_check(request, errors=["请求参数含有不允许的空字符（NUL）"], status=400)
    throttle = SignatureCheckThrottle()
    if not throttle.allow_request(request, None):
        wait = int(throttle.wait() or 1)
        return _render_check(request, errors=[f"签名核验请求过于频繁，请在 {wait} 秒后重试。"], status=429)
    uploaded = request.FILES.get("file")
    request._pdf_name = getattr(uploaded, "name", "")
    try:
        report = signature_check(actor=request.user, uploaded=uploaded, exceeded=cap.exceeded)
    except UploadTooLarge as exc:
        return _render_check(request, errors=[exc.message], status=413)
    except ApplicationError as exc:
        return _render_check(request, errors=[exc.message], status=exc.status_code)
    return _render_check(request, report=report)


def _certificate_or_403(request: HttpRequest):
    try:
        return signing_certificate_get(actor=request.user)
    except PermissionDeniedError as exc:
        raise PermissionDenied(exc.message) from None


@login_required
def signing_certificate_page(request: HttpRequest) -> HttpResponse:
    """签名证书 (agency administrators): subject, issuer, validity and SHA-256 fingerprint of the current one."""
    info = _certificate_or_403(request)
    return render(request, "operations/signing/certificate.html", {"info": info, "renew_allowed": renew_allowed()})


@login_required
@require_POST
def signing_certificate_renew_view(request: HttpRequest) -> HttpResponse:
    """重新签发演示证书 (agency administrators, development only): a new key and certificate, audited."""
    _certificate_or_403(request)
    try:
        renewed = signing_certificate_renew(actor=request.user)
    except PermissionDeniedError as exc:
        raise PermissionDenied(exc.message) from None
    except ApplicationError as exc:
        info = signing_certificate_get(actor=request.user)
        context = {"info": info, "renew_allowed": renew_allowed(), "errors": [exc.message]}
        return render(request, "operations/signing/certificate.html", context, status=exc.status_code)
    messages.success(request, f"已重新签发演示证书，SHA-256 指纹 {renewed.sha256[:23]}…")
    return redirect("operations:signing-certificate")


for _view in (signature_check_page, signing_certificate_page, signing_certificate_renew_view):
    _view.catalog_codes = ("111002",)
# The upload's size cap must be installed before anything parses the body (core's RefuseNulMiddleware skips it).
signature_check_page.reads_own_body = True

urlpatterns = [
    path("signing/check/", signature_check_page, name="signing-check"),
    path("signing/certificate/", signing_certificate_page, name="signing-certificate"),
    path("signing/certificate/renew/", signing_certificate_renew_view, name="signing-certificate-renew"),
]

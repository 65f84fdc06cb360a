"""111002 数字认证 API: `POST /api/v1/verify/signature` checks an uploaded PDF's signature (public, throttled);
`GET /api/v1/signing/certificate/` shows the current signing certificate (agency administrators)."""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.urls import path
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, parsers, serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from shebao.core.api.base import ERROR_RESPONSES, UNSUPPORTED_MEDIA, ShebaoApi
from shebao.core.api.errors import ErrorSerializer
from shebao.core.errors import NotFoundError
from shebao.rules.api import CalculatorThrottle

from ..services.signing import (
    PdfSizeCap,
    UploadTooLarge,
    declared_too_large,
    signature_check,
    signing_certificate_get,
    signing_certificate_renew,
    too_large_message,
)


class SignatureCheckThrottle(CalculatorThrottle):
    """Checks per client address, like the public calculators (`SHEBAO_SIGNATURE_VERIFY_RATE`, else their rate)."""

    scope = "signature_check"

    def get_rate(self):
        return getattr(settings, "SHEBAO_SIGNATURE_VERIFY_RATE", "") or settings.SHEBAO_CALCULATOR_RATE


class SignatureCheckThrottled(exceptions.Throttled):
    """429 in Chinese."""

    default_detail = "签名核验请求过于频繁，请稍后再试。"
    extra_detail_singular = extra_detail_plural = "请在 {wait} 秒后重试。"


class SignatureReportOutput(serializers.Serializer):
    """Outcome of checking a PDF's digital signature."""

    signed = serializers.BooleanField(help_text="文件是否带有数字签名")
    valid = serializers.BooleanField(help_text="签名有效：完整、可信且签名后未被修改")
    intact = serializers.BooleanField(help_text="签名覆盖的内容未被改动")
    trusted = serializers.BooleanField(help_text="签名证书可追溯到本系统配置的认证机构（CA）")
    modified_after_signing = serializers.BooleanField(help_text="签名后文件被修改或追加")
    signer = serializers.CharField(allow_blank=True, help_text="签名人（证书 CN，即经办机构名称）")
    organisation = serializers.CharField(allow_blank=True)
    issuer = serializers.CharField(allow_blank=True, help_text="证书签发机构（CA）")
    signing_time = serializers.DateTimeField(allow_null=True, help_text="签名时间")
    reason = serializers.CharField(allow_blank=True)
    location = serializers.CharField(allow_blank=True)
    summary = serializers.CharField(help_text="签名有效 / 签名无效：原因")
    problems = serializers.ListField(child=serializers.CharField())


class CertificateOutput(serializers.Serializer):
    """The current signing certificate."""

    subject = serializers.CharField()
    issuer = serializers.CharField()
    not_before = serializers.DateTimeField()
    not_after = serializers.DateTimeField()
    serial = serializers.CharField()
    sha256 = serializers.CharField(help_text="证书 SHA-256 指纹")
    demo = serializers.BooleanField(help_text="是否为演示证书")


class SignatureCheckApi(ShebaoApi):
    """111002 数字认证: check the signature of a PDF issued by the system (public, no login, throttled)."""

    catalog_codes = ("111002",)
    authentication_classes: Iterable = ()
    permission_classes = (AllowAny,)
    throttle_classes = (SignatureCheckThrottle,)
    parser_classes = (parsers.MultiPartParser,)

    class InputSerializer(serializers.Serializer):
        file = serializers.FileField(help_text="要核验的 PDF 文件（application/pdf，不超过 10 MB）")

    def throttled(self, request, wait):
        raise SignatureCheckThrottled(wait)

    @extend_schema(
        summary="111002 数字认证：核验 PDF 文件的数字签名",
        auth=[],
        request={"multipart/form-data": InputSerializer},
        responses={
            200: SignatureReportOutput,
            400: ERROR_RESPONSES[400],
            413: OpenApiResponse(ErrorSerializer, description="文件超过大小上限"),
            415: UNSUPPORTED_MEDIA,
            429: OpenApiResponse(ErrorSerializer, description="请求过于频繁（Retry-After 给出等待秒数）"),
        },
    )
    def post(self, request):
        if declared_too_large(request.META):
            raise UploadTooLarge(too_large_message(), field="file")
        cap = PdfSizeCap(request._request)
        request._request.upload_handlers.insert(0, cap)
        uploaded = request.FILES.get("file")
        unknown = sorted(set(request.data.keys()) - {"file"})
        if unknown:
            raise serializers.ValidationError({name: ["不允许的字段"] for name in unknown})
        report = signature_check(actor=request.user, uploaded=uploaded, exceeded=cap.exceeded)
        return Response(SignatureReportOutput(report.as_dict()).data)


class SigningCertificateApi(ShebaoApi):
    """111002 数字认证: the current signing certificate (agency administrators)."""

    catalog_codes = ("111002",)

    @extend_schema(
        summary="111002 数字认证：当前签名证书",
        responses={200: CertificateOutput, **{c: ERROR_RESPONSES[c] for c in (401, 403, 404)}},
    )
    def get(self, request):
        info = signing_certificate_get(actor=request.user)
        if info is None:
            raise NotFoundError("未配置签名证书")
        return Response(CertificateOutput(info.__dict__).data)


class SigningCertificateRenewApi(ShebaoApi):
    """111002 数字认证: re-issue the demo signing certificate (agency administrators, development only)."""

    catalog_codes = ("111002",)

    @extend_schema(
        summary="111002 数字认证：重新签发演示签名证书（仅开发、演示环境）",
        request=None,
        responses={200: CertificateOutput, **{c: ERROR_RESPONSES[c] for c in (400, 401, 403)}},
    )
    def post(self, request):
        info = signing_certificate_renew(actor=request.user)
        return Response(CertificateOutput(info.__dict__).data)


urlpatterns = [
    # No trailing slash: core's `verify/<code>/` (GET a verification code) owns `verify/<anything>/`.
    path("verify/signature", SignatureCheckApi.as_view(), name="signature-check"),
    path("signing/certificate/", SigningCertificateApi.as_view(), name="signing-certificate"),
    path("signing/certificate/renew/", SigningCertificateRenewApi.as_view(), name="signing-certificate-renew"),
]

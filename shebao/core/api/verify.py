"""文件核验: the JSON twin of the public verification page `/verify/<code>`."""

from __future__ import annotations

from collections.abc import Iterable

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from ..verification import document_verify
from .base import ShebaoApi


class DocumentVerifyApi(ShebaoApi):
    """Check a document's verification code (no login): valid with the masked content, or invalid with a reason."""

    authentication_classes: Iterable = ()
    permission_classes = (AllowAny,)

    class OutputSerializer(serializers.Serializer):
        """The verification result; `document` only when valid."""

        valid = serializers.BooleanField()
        result = serializers.CharField(help_text="有效 / 无效")
        reason = serializers.CharField(allow_blank=True)
        document = serializers.DictField(allow_null=True)

    @extend_schema(
        summary="文件核验",
        auth=[],
        responses={
            200: OutputSerializer,
            400: OpenApiResponse(OutputSerializer, description="无效：签名不符或内容被篡改"),
            404: OpenApiResponse(OutputSerializer, description="无效：未找到该文件"),
        },
    )
    def get(self, request, code: str):
        result = document_verify(code)
        document = None
        if result.valid:
            doc = result.document
            document = {
                "title": doc.title,
                "kind": doc.kind,
                "issuer": doc.issuer,
                "issued_at": doc.issued_at.isoformat(),
                "case_number": doc.case.number if doc.case_id else "",
                "item": doc.case.item_id if doc.case_id else "",
                "fields": doc.summary.get("fields", []),
                "tables": doc.summary.get("tables", []),
            }
        body = {"valid": result.valid, "result": "有效" if result.valid else "无效", "reason": result.reason}
        return Response({**body, "document": document}, status=result.status)

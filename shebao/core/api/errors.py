"""API plumbing shared by every app: pagination, error format, base view with catalogue code."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, serializers, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from ..errors import ApplicationError


class Pagination(PageNumberPagination):
    """Page-number pagination (`page`, `page_size` ≤ 200)."""

    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 200


class ErrorSerializer(serializers.Serializer):
    """Error body: a Chinese message and field → messages."""

    detail = serializers.CharField()
    errors = serializers.DictField(child=serializers.ListField(child=serializers.CharField()), required=False)


def _flatten(detail) -> dict[str, list[str]]:
    if isinstance(detail, dict):
        out: dict[str, list[str]] = {}
        for key, val in detail.items():
            if isinstance(val, dict):
                for sub, msgs in _flatten(val).items():
                    out[f"{key}.{sub}"] = msgs
            elif isinstance(val, list):
                msgs = []
                for i, item in enumerate(val):
                    if isinstance(item, dict):
                        for sub, m in _flatten(item).items():
                            out[f"{key}[{i}].{sub}"] = m
                    else:
                        msgs.append(str(item))
                if msgs:
                    out[key] = msgs
            else:
                out[key] = [str(val)]
        return out
    if isinstance(detail, list):
        return {"non_field_errors": [str(x) for x in detail]}
    return {"non_field_errors": [str(detail)]}


def exception_handler(exc, context):
    """Turn domain and validation errors into `{detail, errors}` with a 4xx status."""
    if isinstance(exc, ApplicationError):
        return Response({"detail": exc.message, "errors": exc.errors}, status=exc.status_code)
    if isinstance(exc, DjangoValidationError):
        errors = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        first = next(iter(errors.values()))[0]
        return Response({"detail": first, "errors": errors}, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, Http404):
        return Response({"detail": "对象不存在"}, status=status.HTTP_404_NOT_FOUND)
    if isinstance(exc, exceptions.ValidationError):
        errors = _flatten(exc.detail)
        first_field, msgs = next(iter(errors.items()))
        return Response({"detail": f"{first_field}: {msgs[0]}", "errors": errors}, status=exc.status_code)
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(response.data, dict) and "detail" in response.data:
        response.data = {"detail": str(response.data["detail"])}
    return response

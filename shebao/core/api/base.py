"""Shared plumbing for every app's API: strict fields, the base view, documented error responses."""

from __future__ import annotations

import functools
import re

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import parsers, serializers
from rest_framework.response import Response
from rest_framework.utils import html
from rest_framework.views import APIView

from ..activity import KIND_API, activity_record
from ..errors import ApplicationError, NotFoundError
from .errors import ErrorSerializer, Pagination
from .parsers import JSONParser

# --------------------------------------------------------------------------------------------------------------
# Shared plumbing for every app's API
# --------------------------------------------------------------------------------------------------------------

_ERROR_DESCRIPTIONS = {
    400: "输入有误：errors 按字段列出原因",
    401: "未登录或令牌无效",
    403: "没有办理该业务的权限",
    404: "对象不存在或不在您的数据范围内",
    409: "状态冲突或已被他人处理，请刷新后重试",
}
ERROR_RESPONSES = {
    code: OpenApiResponse(ErrorSerializer, description=text) for code, text in _ERROR_DESCRIPTIONS.items()
}


UNSUPPORTED_MEDIA = OpenApiResponse(ErrorSerializer, description="请求体的媒体类型不受支持")


def responses(ok: dict, *, body: bool = False) -> dict:
    """Success responses plus the documented errors (400/401/403/404/409, and 415 when there is a body)."""
    return {**ok, **ERROR_RESPONSES, **({415: UNSUPPORTED_MEDIA} if body else {})}


def _is_json(field: serializers.Field) -> bool:
    """Was the input JSON (typed), rather than a form or query string (where every value is text)?"""
    root = field.root
    data = getattr(root, "initial_data", None)
    return data is not None and not html.is_html_input(data)


class StrictCharField(serializers.CharField):
    """Text that must arrive as text: a number or a file where a string belongs is a 400, not coerced."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictChoiceField(serializers.ChoiceField):
    """A code from a fixed list that must arrive as a string (10 is not the unit type "10")."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid_choice", input=data)
        return super().to_internal_value(data)


class StrictIntegerField(serializers.IntegerField):
    """An integer: in JSON it must be a JSON number (not "12", 12.0 or true); in forms, digits."""

    def to_internal_value(self, data):
        if isinstance(data, (bool, float)) or (isinstance(data, str) and _is_json(self)):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictRegexField(serializers.RegexField):
    """Text matching a pattern that must arrive as text (a region code 330102 is the string "330102")."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictBooleanField(serializers.BooleanField):
    """A yes/no flag: in JSON only true/false; in forms and query strings the usual spellings."""

    def to_internal_value(self, data):
        if not isinstance(data, bool) and _is_json(self):
            self.fail("invalid", input=data)
        return super().to_internal_value(data)


class StrictDateField(serializers.DateField):
    """A calendar date written YYYY-MM-DD."""

    def to_internal_value(self, value):
        if not isinstance(value, str):
            self.fail("invalid", format="YYYY-MM-DD")
        return super().to_internal_value(value)


def month_field(*, required: bool = True, help_text: str = "月份 YYYY-MM") -> StrictCharField:
    """A month written YYYY-MM (the service checks that it is a real month within the allowed window)."""
    return StrictCharField(required=required, max_length=7, help_text=help_text, allow_blank=not required)


def code_list_field(*, required: bool = True, help_text: str = "险种编码列表，如 110、310") -> serializers.ListField:
    """A list of insurance type codes (AAE140)."""
    return serializers.ListField(
        child=StrictCharField(max_length=3),
        required=required,
        allow_empty=not required,
        max_length=20,
        help_text=help_text,
    )


def _positive_param(request, name: str, *, maximum: int | None = None) -> int | None:
    """A positive whole number from the query string, None when absent, 400 naming it when malformed."""
    values = request.query_params.getlist(name)
    if not values:
        return None
    text = values[0]
    number = int(text) if len(values) == 1 and text.isascii() and text.isdigit() and len(text) <= 18 else 0
    if number < 1 or (maximum is not None and number > maximum):
        limit = f"1–{maximum}" if maximum else "大于0"
        raise serializers.ValidationError({name: [f"应为{limit}的整数"]})
    return number


class StrictPagination(Pagination):
    """Page-number pagination whose `page` and `page_size` must be positive whole numbers (else 400)."""

    def get_page_size(self, request):
        return _positive_param(request, self.page_size_query_param, maximum=self.max_page_size) or self.page_size

    def paginate_queryset(self, queryset, request, view=None):
        _positive_param(request, self.page_query_param)
        return super().paginate_queryset(queryset, request, view=view)

    def get_schema_operation_parameters(self, view):
        params = super().get_schema_operation_parameters(view)
        for param in params:
            param["schema"]["minimum"] = 1
            if param["name"] == self.page_size_query_param:
                param["schema"]["maximum"] = self.max_page_size
        return params


class ShebaoApi(APIView):
    """Base of every Shebao API operation: authenticated, Chinese errors, unique schema component names.

    Nested `InputSerializer` / `FilterSerializer` / `OutputSerializer` classes are named after the view
    (`EmployerCreateApi.InputSerializer` → component `EmployerCreateInput`), so many views may each have their
    own nested serializers without clashing in the OpenAPI document.
    """

    catalog_codes: tuple[str, ...] = ()

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        # Operations name DRF's JSONParser; every one gets ours (depth limit, NUL check) without editing each.
        cls.parser_classes = tuple(JSONParser if p is parsers.JSONParser else p for p in cls.parser_classes)
        stem = cls.__name__.removesuffix("Api")
        for attr in ("InputSerializer", "FilterSerializer", "OutputSerializer"):
            ser = cls.__dict__.get(attr)
            if isinstance(ser, type) and issubclass(ser, serializers.BaseSerializer):
                meta_base = ser.__dict__.get("Meta") or getattr(ser, "Meta", object)
                ser.Meta = type("Meta", (meta_base,), {"ref_name": stem + attr.removesuffix("Serializer")})

    def finalize_response(self, request, response, *args, **kwargs):
        """Count a successful read in the query activity log (`core.activity`: per user and day, masked sample)."""
        response = super().finalize_response(request, response, *args, **kwargs)
        if request.method == "GET" and 200 <= response.status_code < 300:
            query = request.META.get("QUERY_STRING", "")
            activity_record(
                getattr(request, "user", None), KIND_API, what=request.path + (f"?{query}" if query else "")
            )
        return response

    def parse_query(self, serializer_class: type[serializers.Serializer]) -> dict:
        """Validate the query string with a filter serializer (400 naming the parameter when wrong)."""
        return _validated(serializer_class(data=self.request.query_params))

    def parse_body(self, serializer_class: type[serializers.Serializer]) -> dict:
        """Validate the request body with an input serializer (400 naming the field when wrong)."""
        data = self.request.data
        if not hasattr(data, "get"):  # a JSON array or scalar where an object belongs
            raise ApplicationError("请求体应为JSON对象", field="non_field_errors")
        ser = serializer_class(data=data)
        unknown = _unknown_fields(ser, data)
        if unknown:
            raise serializers.ValidationError({name: [UNKNOWN_FIELD] for name in unknown})
        return _validated(ser)

    def paginate(self, queryset, serializer_class, *, context: dict | None = None) -> Response:
        """One page of `queryset` rendered with `serializer_class` (page, page_size ≤ 200)."""
        paginator = (getattr(self, "pagination_class", None) or StrictPagination)()
        page = paginator.paginate_queryset(queryset, self.request, view=self)
        return paginator.get_paginated_response(serializer_class(page, many=True, context=context or {}).data)


UNKNOWN_FIELD = "不允许的字段"
# Django's CSRF token rides along in a form posted from a logged-in page; it is not a business field.
_TRANSPORT_KEYS = frozenset({"csrfmiddlewaretoken"})


_FORM_NESTED_KEY = re.compile(r"^([^.\[]+)(?:\.|\[)")


def _form_nested(key: str, declared: dict) -> bool:
    """`name.<key>` of an object field or `name[<n>]` of a list field: how a form spells nested values (DRF reads
    them), so they are not unknown fields."""
    match = _FORM_NESTED_KEY.match(key)
    field = declared.get(match.group(1)) if match else None
    return isinstance(field, serializers.DictField | serializers.ListField)


def _unknown_fields(ser: serializers.Serializer, data, prefix: str = "") -> list[str]:
    """Keys of the body (and of nested objects) that the input serializer does not declare, as dotted paths."""
    declared = {name: field for name, field in ser.fields.items() if not field.read_only}
    form = html.is_html_input(data)
    unknown = [
        f"{prefix}{key}"
        for key in data
        if key not in declared and key not in _TRANSPORT_KEYS and not (form and _form_nested(key, declared))
    ]
    for name, field in declared.items():
        value = data.get(name) if hasattr(data, "get") else None
        child = getattr(field, "child", None)
        if isinstance(field, serializers.Serializer) and isinstance(value, dict):
            unknown += _unknown_fields(field, value, f"{prefix}{name}.")
        elif isinstance(child, serializers.Serializer) and isinstance(value, list):
            for i, item in enumerate(value):
                if isinstance(item, dict):
                    unknown += _unknown_fields(child, item, f"{prefix}{name}[{i}].")
    return unknown


def _validated(ser: serializers.Serializer) -> dict:
    """Validate; in forms and query strings an empty or repeated value is an error, never silently ignored."""
    data = ser.initial_data
    if html.is_html_input(data):
        wrong: dict[str, list[str]] = {}
        for name, field in ser.fields.items():
            values = data.getlist(name) if name in data else []
            if len(values) > 1 and not isinstance(field, serializers.ListField):
                wrong[name] = ["该字段只能提供一个值。"]
            elif values and isinstance(field, serializers.DictField):
                wrong[name] = [f"表单中请按 {name}.<键>=<值> 逐项提交"]  # DRF would read it as empty
            elif "" in values and not getattr(field, "allow_blank", False) and not field.allow_null:
                wrong[name] = ["该字段不能为空。"]
        if wrong:
            raise serializers.ValidationError(wrong)
    ser.is_valid(raise_exception=True)
    return ser.validated_data


def _delegate(view_cls: type[APIView], method: str):
    """A handler that runs `view_cls.<method>` on an instance of the operation class (its own serializers)."""
    target = getattr(view_cls, method)

    @functools.wraps(target)
    def handler(self, request, *args, **kwargs):
        inner = view_cls()
        inner.request, inner.args, inner.kwargs = request, args, kwargs
        inner.format_kwarg, inner.headers = self.format_kwarg, self.headers
        return target(inner, request, *args, **kwargs)

    return handler


def by_method(name: str, doc: str, **operations: type[ShebaoApi]) -> type[ShebaoApi]:
    """One URL served by one operation class per HTTP method (e.g. GET lists employers, POST enrols one)."""
    codes: list[str] = []
    parsers: list = []
    for view_cls in operations.values():
        codes.extend(c for c in getattr(view_cls, "catalog_codes", ()) if c not in codes)
        parsers.extend(p for p in view_cls.parser_classes if p not in parsers)
    attrs = {
        "__doc__": doc,
        "__module__": next(iter(operations.values())).__module__,
        "operations": operations,
        "catalog_codes": tuple(codes),
        "parser_classes": parsers,
    }
    if "get" in operations:
        attrs["pagination_class"] = getattr(operations["get"], "pagination_class", None)
    for method, view_cls in operations.items():
        attrs[method] = _delegate(view_cls, method)

    def op(self) -> type[APIView]:
        method = (getattr(getattr(self, "request", None), "method", "") or "").lower()
        return self.operations.get(method) or APIView

    attrs["get_permissions"] = lambda self: op(self)().get_permissions()
    attrs["get_authenticators"] = lambda self: op(self)().get_authenticators()
    attrs["get_parsers"] = lambda self: [p() for p in op(self).parser_classes]
    return type(name, (ShebaoApi,), attrs)


class NotFoundApi(ShebaoApi):
    """Any other path under an API resource (e.g. a malformed id): a JSON 404, like every API error."""

    @extend_schema(exclude=True)
    def get(self, request, *args, **kwargs):
        raise NotFoundError("请求的资源不存在")

    post = put = patch = delete = get

"""REST API of the platform spine: token login, business catalogue, cases and their materials, parameters.

HackSoft style: one APIView class per operation with nested Input/Output serializers; the view parses the
input, calls one service (or selector) and renders the result. Domain errors become `{detail, errors}` in
`shebao.core.api.exception_handler`.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.signals import user_logged_in
from django.http import FileResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.authtoken.models import Token
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.utils import html
from rest_framework.views import APIView

from .access import can_view_full_id, case_get_for, cases_for
from .api import ErrorSerializer, Pagination
from .cases import attachment_add, case_accept, case_approve, case_reject, case_withdraw
from .choices import CaseStatus, Channel
from .errors import ApplicationError, NotFoundError
from .identifiers import mask_id
from .models import CatalogItem, Parameter
from .parameters import param_lookup, parameter_set

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
        stem = cls.__name__.removesuffix("Api")
        for attr in ("InputSerializer", "FilterSerializer", "OutputSerializer"):
            ser = cls.__dict__.get(attr)
            if isinstance(ser, type) and issubclass(ser, serializers.BaseSerializer):
                meta_base = ser.__dict__.get("Meta") or getattr(ser, "Meta", object)
                ser.Meta = type("Meta", (meta_base,), {"ref_name": stem + attr.removesuffix("Serializer")})

    def parse_query(self, serializer_class: type[serializers.Serializer]) -> dict:
        """Validate the query string with a filter serializer (400 naming the parameter when wrong)."""
        return _validated(serializer_class(data=self.request.query_params))

    def parse_body(self, serializer_class: type[serializers.Serializer]) -> dict:
        """Validate the request body with an input serializer (400 naming the field when wrong)."""
        data = self.request.data
        if not hasattr(data, "get"):  # a JSON array or scalar where an object belongs
            raise ApplicationError("请求体应为JSON对象", field="non_field_errors")
        return _validated(serializer_class(data=data))

    def paginate(self, queryset, serializer_class, *, context: dict | None = None) -> Response:
        """One page of `queryset` rendered with `serializer_class` (page, page_size ≤ 200)."""
        paginator = (getattr(self, "pagination_class", None) or StrictPagination)()
        page = paginator.paginate_queryset(queryset, self.request, view=self)
        return paginator.get_paginated_response(serializer_class(page, many=True, context=context or {}).data)


def _validated(ser: serializers.Serializer) -> dict:
    """Validate; in forms and query strings an empty or repeated value is an error, never silently ignored."""
    data = ser.initial_data
    if html.is_html_input(data):
        wrong: dict[str, list[str]] = {}
        for name, field in ser.fields.items():
            values = data.getlist(name) if name in data else []
            if len(values) > 1 and not isinstance(field, serializers.ListField):
                wrong[name] = ["该字段只能提供一个值。"]
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


# --------------------------------------------------------------------------------------------------------------
# Shared output serializers
# --------------------------------------------------------------------------------------------------------------


def _mask_payload(value, *, key: str = ""):
    """Mask ID numbers and bank accounts anywhere in a case payload (for viewers not entitled to them)."""
    if isinstance(value, dict):
        return {k: _mask_payload(v, key=k) for k, v in value.items()}
    if isinstance(value, list):
        return [_mask_payload(v, key=key) for v in value]
    if isinstance(value, str) and key in ("id_number", "benefit_bank_account", "bank_account"):
        return mask_id(value)
    return value


class CaseSerializer(serializers.Serializer):
    """业务经办单 as listed: number, item, status, applicant, handler, reviewer, time limit."""

    id = serializers.IntegerField()
    number = serializers.CharField()
    item = serializers.CharField(source="item_id")
    item_name = serializers.CharField(source="item.full_name")
    agency = serializers.CharField(source="agency.code")
    agency_name = serializers.CharField(source="agency.name")
    channel = serializers.ChoiceField(choices=Channel.choices)
    status = serializers.ChoiceField(choices=CaseStatus.choices)
    status_display = serializers.CharField(source="get_status_display")
    employer = serializers.IntegerField(source="employer_id", allow_null=True)
    person = serializers.IntegerField(source="person_id", allow_null=True)
    applicant_name = serializers.CharField()
    summary = serializers.CharField()
    submitted_by = serializers.CharField(source="submitted_by.username")
    handler = serializers.CharField(source="handler.username", allow_null=True, default=None)
    reviewer = serializers.CharField(source="reviewer.username", allow_null=True, default=None)
    submitted_at = serializers.DateTimeField()
    accepted_at = serializers.DateTimeField(allow_null=True)
    approved_at = serializers.DateTimeField(allow_null=True)
    completed_at = serializers.DateTimeField(allow_null=True)
    closed_at = serializers.DateTimeField(allow_null=True)
    due_date = serializers.DateField(allow_null=True)
    due_note = serializers.CharField(allow_blank=True)
    reason = serializers.CharField(allow_blank=True)
    version = serializers.IntegerField()

    class Meta:
        ref_name = "Case"


class AttachmentSerializer(serializers.Serializer):
    """申请材料 of a case (downloaded through the scoped materials endpoint, never from MEDIA_URL)."""

    id = serializers.IntegerField()
    kind = serializers.CharField()
    original_name = serializers.CharField()
    content_type = serializers.CharField()
    size = serializers.IntegerField()
    sha256 = serializers.CharField()
    uploaded_by = serializers.CharField(source="uploaded_by.username")
    uploaded_at = serializers.DateTimeField()

    class Meta:
        ref_name = "Attachment"


class CaseDetailSerializer(CaseSerializer):
    """业务经办单 in full: the request (payload), the result once completed, and its materials."""

    payload = serializers.SerializerMethodField()
    result = serializers.SerializerMethodField()
    attachments = AttachmentSerializer(many=True, read_only=True, source="attachments.all")

    class Meta:
        ref_name = "CaseDetail"

    def _full(self, case) -> bool:
        actor = self.context.get("actor")
        if actor is None:
            return False
        return case.submitted_by_id == actor.pk or can_view_full_id(
            actor, person_id=case.person_id, employer_id=case.employer_id
        )

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_payload(self, case) -> dict:
        return case.payload if self._full(case) else _mask_payload(case.payload)

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_result(self, case) -> dict:
        return case.result if self._full(case) else _mask_payload(case.result)


def case_response(case, request, *, code: int = status.HTTP_200_OK) -> Response:
    """Render a case in full for the requesting user."""
    case = case_get_for(actor=request.user, case_id=case.pk)
    return Response(CaseDetailSerializer(case, context={"actor": request.user}).data, status=code)


# --------------------------------------------------------------------------------------------------------------
# Login token
# --------------------------------------------------------------------------------------------------------------


class TokenObtainApi(ShebaoApi):
    """API login: exchange username and password for a token (failures count towards the axes lockout)."""

    authentication_classes: Iterable = ()
    permission_classes = (AllowAny,)
    parser_classes = (JSONParser,)

    class InputSerializer(serializers.Serializer):
        """Login credentials."""

        username = StrictCharField(max_length=150)
        password = StrictCharField(max_length=128, trim_whitespace=False)

    class OutputSerializer(serializers.Serializer):
        """The token to send as `Authorization: Token <token>`, and who it belongs to."""

        token = serializers.CharField()
        username = serializers.CharField()
        display_name = serializers.CharField()
        role = serializers.CharField()
        agency = serializers.CharField(allow_null=True)

    @extend_schema(
        summary="获取访问令牌",
        request=InputSerializer,
        auth=[],
        responses={
            200: OutputSerializer,
            400: ERROR_RESPONSES[400],
            415: UNSUPPORTED_MEDIA,
            429: OpenApiResponse(ErrorSerializer, description="登录失败次数过多，账户已临时锁定"),
        },
    )
    def post(self, request):
        data = self.parse_body(self.InputSerializer)
        user = authenticate(request=request._request, username=data["username"], password=data["password"])
        if user is None:
            raise ApplicationError("用户名或密码错误", field="password")
        # A token login is a login: axes clears the failure count, Django records last_login.
        user_logged_in.send(sender=user.__class__, request=request._request, user=user)
        token, _ = Token.objects.get_or_create(user=user)
        return Response(
            self.OutputSerializer(
                {
                    "token": token.key,
                    "username": user.username,
                    "display_name": str(user),
                    "role": user.role,
                    "agency": user.agency.code if user.agency_id else None,
                }
            ).data
        )


# --------------------------------------------------------------------------------------------------------------
# Business catalogue
# --------------------------------------------------------------------------------------------------------------


class CatalogNodeSerializer(serializers.Serializer):
    """A node of the GB/T 35617 business catalogue with its children."""

    code = serializers.CharField()
    name = serializers.CharField()
    full_name = serializers.CharField()
    name_en = serializers.CharField(allow_blank=True)
    description = serializers.CharField(allow_blank=True)
    is_leaf = serializers.BooleanField()
    needs_review = serializers.BooleanField()
    retention = serializers.CharField(allow_blank=True)

    class Meta:
        ref_name = "CatalogNode"

    def get_fields(self):
        fields = super().get_fields()
        fields["children"] = CatalogNodeSerializer(many=True, read_only=True)
        return fields


class CatalogListApi(ShebaoApi):
    """GB/T 35617 业务目录: the cluster tree, or (`leaf=true`) the flat list of leaf business items."""

    class FilterSerializer(serializers.Serializer):
        """Tree (default) or flat list of leaf items."""

        leaf = serializers.BooleanField(required=False, default=False, help_text="true 时只列末级业务（平铺）")

    @extend_schema(
        summary="业务目录", parameters=[FilterSerializer], responses=responses({200: CatalogNodeSerializer(many=True)})
    )
    def get(self, request):
        flat = self.parse_query(self.FilterSerializer)["leaf"]
        items = list(CatalogItem.objects.select_related("parent__parent").order_by("code"))
        nodes = {
            i.code: {
                "code": i.code,
                "name": i.name,
                "full_name": i.full_name,
                "name_en": i.name_en,
                "description": i.description,
                "is_leaf": i.is_leaf,
                "needs_review": i.needs_review,
                "retention": i.retention,
                "children": [],
            }
            for i in items
        }
        if flat:
            return Response(CatalogNodeSerializer([nodes[i.code] for i in items if i.is_leaf], many=True).data)
        roots = []
        for i in items:
            (nodes[i.parent_id]["children"] if i.parent_id in nodes else roots).append(nodes[i.code])
        return Response(CatalogNodeSerializer(roots, many=True).data)


# --------------------------------------------------------------------------------------------------------------
# Cases (业务经办单)
# --------------------------------------------------------------------------------------------------------------


class CaseListApi(ShebaoApi):
    """业务经办单 within the user's data scope; filter by status, item, or `mine` (handler / review queue)."""

    pagination_class = StrictPagination

    class FilterSerializer(serializers.Serializer):
        """Filters of the case list."""

        status = serializers.ChoiceField(choices=CaseStatus.choices, required=False)
        item = serializers.RegexField(r"^\d{2,8}$", max_length=8, required=False, help_text="业务编码或其前缀")
        mine = serializers.ChoiceField(
            choices=[("handler", "我经办的在办业务"), ("review-queue", "待我复核")], required=False
        )

    @extend_schema(
        summary="业务经办单列表", parameters=[FilterSerializer], responses=responses({200: CaseSerializer(many=True)})
    )
    def get(self, request):
        f = self.parse_query(self.FilterSerializer)
        qs = cases_for(request.user)
        if f.get("status"):
            qs = qs.filter(status=f["status"])
        if f.get("item"):
            qs = qs.filter(item__code__startswith=f["item"])
        if f.get("mine") == "handler":
            qs = qs.filter(handler=request.user, status__in=[CaseStatus.ACCEPTED, CaseStatus.APPROVED])
        elif f.get("mine") == "review-queue":
            qs = qs.filter(status=CaseStatus.ACCEPTED).exclude(handler=request.user).exclude(submitted_by=request.user)
        return self.paginate(qs, CaseSerializer)


class CaseDetailApi(ShebaoApi):
    """One 业务经办单 with its request, result and materials."""

    @extend_schema(summary="业务经办单详情", responses=responses({200: CaseDetailSerializer}))
    def get(self, request, case_id: int):
        case = case_get_for(actor=request.user, case_id=case_id)
        return Response(CaseDetailSerializer(case, context={"actor": request.user}).data)


class _VersionInput(serializers.Serializer):
    version = StrictIntegerField(
        required=False, min_value=1, max_value=2**31 - 1, help_text="乐观锁：提交查看时的版本号，不一致返回409"
    )


class CaseAcceptApi(ShebaoApi):
    """受理: a clerk takes an online application and becomes its handler."""

    parser_classes = (JSONParser,)

    class InputSerializer(_VersionInput):
        """Optional version for optimistic locking."""

    @extend_schema(summary="受理", request=InputSerializer, responses=responses({200: CaseDetailSerializer}, body=True))
    def post(self, request, case_id: int):
        data = self.parse_body(self.InputSerializer)
        case = case_get_for(actor=request.user, case_id=case_id)
        case = case_accept(actor=request.user, case=case, version=data.get("version"))
        return case_response(case, request)


class CaseApproveApi(ShebaoApi):
    """复核通过: a reviewer other than the handler approves and the records change."""

    parser_classes = (JSONParser,)

    class InputSerializer(_VersionInput):
        """Optional version for optimistic locking."""

    @extend_schema(
        summary="复核通过", request=InputSerializer, responses=responses({200: CaseDetailSerializer}, body=True)
    )
    def post(self, request, case_id: int):
        data = self.parse_body(self.InputSerializer)
        case = case_get_for(actor=request.user, case_id=case_id)
        case = case_approve(actor=request.user, case=case, version=data.get("version"))
        return case_response(case, request)


class CaseRejectApi(ShebaoApi):
    """退回: the handler (at acceptance) or a reviewer refuses the application, giving the reason."""

    parser_classes = (JSONParser,)

    class InputSerializer(_VersionInput):
        """The reason for refusing, and the optional version."""

        reason = StrictCharField(max_length=500, help_text="退回原因")

    @extend_schema(summary="退回", request=InputSerializer, responses=responses({200: CaseDetailSerializer}, body=True))
    def post(self, request, case_id: int):
        data = self.parse_body(self.InputSerializer)
        case = case_get_for(actor=request.user, case_id=case_id)
        case = case_reject(actor=request.user, case=case, reason=data["reason"], version=data.get("version"))
        return case_response(case, request)


class CaseWithdrawApi(ShebaoApi):
    """撤回: the applicant withdraws an application that is not yet decided."""

    parser_classes = (JSONParser,)

    class InputSerializer(_VersionInput):
        """The optional reason for withdrawing, and the optional version."""

        reason = StrictCharField(max_length=500, required=False, allow_blank=True, default="")

    @extend_schema(summary="撤回", request=InputSerializer, responses=responses({200: CaseDetailSerializer}, body=True))
    def post(self, request, case_id: int):
        data = self.parse_body(self.InputSerializer)
        case = case_get_for(actor=request.user, case_id=case_id)
        case = case_withdraw(actor=request.user, case=case, reason=data["reason"], version=data.get("version"))
        return case_response(case, request)


class CaseMaterialAddApi(ShebaoApi):
    """上传申请材料 to an open case (pdf/jpg/png/xlsx, size limited, content checked)."""

    parser_classes = (MultiPartParser,)

    class InputSerializer(serializers.Serializer):
        """The file (multipart) and what it is."""

        file = serializers.FileField(max_length=255, allow_empty_file=True, help_text="pdf、jpg、png 或 xlsx")
        kind = StrictCharField(
            max_length=50, required=False, allow_blank=True, default="", help_text="材料名称，如 营业执照"
        )

    @extend_schema(
        summary="上传申请材料", request=InputSerializer, responses=responses({201: AttachmentSerializer}, body=True)
    )
    def post(self, request, case_id: int):
        data = self.parse_body(self.InputSerializer)
        case = case_get_for(actor=request.user, case_id=case_id)
        att = attachment_add(actor=request.user, case=case, kind=data["kind"], uploaded=data["file"])
        return Response(AttachmentSerializer(att).data, status=status.HTTP_201_CREATED)


class CaseMaterialDownloadApi(ShebaoApi):
    """下载申请材料 of a case within the user's scope."""

    @extend_schema(
        summary="下载申请材料",
        responses=responses(
            {(200, media): OpenApiTypes.BINARY for media in dict.fromkeys(settings.SHEBAO_UPLOAD_TYPES.values())}
        ),
    )
    def get(self, request, case_id: int, attachment_id: int):
        case = case_get_for(actor=request.user, case_id=case_id)
        att = case.attachments.filter(pk=attachment_id).first()
        if att is None:
            raise NotFoundError("申请材料不存在")
        return FileResponse(
            att.file.open("rb"), as_attachment=True, filename=att.original_name, content_type=att.content_type
        )


# --------------------------------------------------------------------------------------------------------------
# Parameters (rules as data)
# --------------------------------------------------------------------------------------------------------------


class ParameterSerializer(serializers.Serializer):
    """业务参数: a dated value for a region (or national) with its legal source."""

    id = serializers.IntegerField()
    key = serializers.CharField()
    region = serializers.CharField(source="region_id", allow_null=True)
    effective_from = serializers.DateField()
    value = serializers.CharField()
    unit = serializers.CharField(allow_blank=True)
    legal_reference = serializers.CharField(allow_blank=True)
    note = serializers.CharField(allow_blank=True)
    is_default = serializers.BooleanField()

    class Meta:
        ref_name = "Parameter"


class ParameterListApi(ShebaoApi):
    """业务参数 list: shipped defaults and agency overrides, filtered by key (prefix) and region."""

    pagination_class = StrictPagination

    class FilterSerializer(serializers.Serializer):
        """Filters of the parameter list."""

        key = serializers.CharField(max_length=100, required=False, help_text="参数键（前缀匹配）")
        region = serializers.RegexField(r"^\d{6}$", required=False, help_text="区划代码（精确匹配）")
        national = serializers.BooleanField(required=False, default=False, help_text="只列全国参数")

    @extend_schema(
        summary="业务参数列表",
        parameters=[FilterSerializer],
        responses=responses({200: ParameterSerializer(many=True)}),
    )
    def get(self, request):
        f = self.parse_query(self.FilterSerializer)
        qs = Parameter.objects.all()
        if f.get("key"):
            qs = qs.filter(key__startswith=f["key"])
        if f.get("region"):
            qs = qs.filter(region_id=f["region"])
        elif f.get("national"):
            qs = qs.filter(region__isnull=True)
        return self.paginate(qs.order_by("key", "region_id", "-effective_from", "pk"), ParameterSerializer)


class ParameterSetApi(ShebaoApi):
    """设置业务参数: an agency admin overrides a parameter for its region from an effective date."""

    parser_classes = (JSONParser,)

    class InputSerializer(serializers.Serializer):
        """The new value of a parameter for a region from a date, with its legal source."""

        key = StrictCharField(max_length=100)
        region = StrictRegexField(
            r"^\d{6}$",
            required=False,
            allow_null=True,
            allow_blank=True,
            help_text="区划代码；空表示全国（仅超级管理员）",
        )
        effective_from = StrictDateField()
        value = StrictCharField(max_length=200)
        unit = StrictCharField(max_length=30, required=False, allow_blank=True, default="")
        legal_reference = StrictCharField(max_length=300, required=False, allow_blank=True, default="")
        note = StrictCharField(max_length=300, required=False, allow_blank=True, default="")

    @extend_schema(
        summary="设置业务参数", request=InputSerializer, responses=responses({201: ParameterSerializer}, body=True)
    )
    def post(self, request):
        data = self.parse_body(self.InputSerializer)
        param = parameter_set(
            actor=request.user,
            key=data["key"],
            region=data.get("region") or None,
            effective_from=data["effective_from"],
            value=data["value"],
            unit=data["unit"],
            legal_reference=data["legal_reference"],
            note=data["note"],
        )
        return Response(ParameterSerializer(param).data, status=status.HTTP_201_CREATED)


ParameterCollectionApi = by_method(
    "ParameterCollectionApi", "业务参数: GET lists, POST overrides.", get=ParameterListApi, post=ParameterSetApi
)


class ParameterLookupApi(ShebaoApi):
    """参数取值: the value of a key in force on a date for a region (nearest region wins, then national)."""

    class FilterSerializer(serializers.Serializer):
        """Which parameter, where and when."""

        key = serializers.CharField(max_length=100)
        region = serializers.RegexField(r"^\d{6}$", required=False, help_text="区划代码；不填为全国")
        date = serializers.DateField(required=False, help_text="取值日期，默认今天")

    class OutputSerializer(serializers.Serializer):
        """The value in force and where it came from (region, effective date, legal source)."""

        key = serializers.CharField()
        value = serializers.CharField()
        unit = serializers.CharField(allow_blank=True)
        region = serializers.CharField(source="region_code", allow_null=True)
        effective_from = serializers.DateField()
        legal_reference = serializers.CharField(allow_blank=True)

    @extend_schema(summary="参数取值", parameters=[FilterSerializer], responses=responses({200: OutputSerializer}))
    def get(self, request):
        f = self.parse_query(self.FilterSerializer)
        value = param_lookup(f["key"], region=f.get("region") or None, on=f.get("date") or timezone.localdate())
        return Response(self.OutputSerializer(value).data)


class NotFoundApi(ShebaoApi):
    """Any other path under an API resource (e.g. a malformed id): a JSON 404, like every API error."""

    @extend_schema(exclude=True)
    def get(self, request, *args, **kwargs):
        raise NotFoundError("请求的资源不存在")

    post = put = patch = delete = get

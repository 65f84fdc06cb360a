"""业务参数 API: dated parameters, their lookup and overrides."""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import JSONParser
from rest_framework.response import Response

from ..choices import Role
from ..models import Parameter
from ..parameters import param_lookup, parameter_set
from .base import (
    ShebaoApi,
    StrictBooleanField,
    StrictCharField,
    StrictDateField,
    StrictPagination,
    StrictRegexField,
    by_method,
    responses,
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
    verified = serializers.BooleanField(required=False, help_text="依据已核实（仅机构管理员可见）")

    class Meta:
        ref_name = "Parameter"

    def to_representation(self, instance):
        """The parameter; its verification status only for administrators."""
        data = super().to_representation(instance)
        if not sees_verification(self.context.get("request")):
            data.pop("verified", None)
        return data


def sees_verification(request) -> bool:
    """Whether a parameter's source is verified is shown to agency administrators (and superusers) only."""
    user = getattr(request, "user", None)
    return bool(user and user.is_authenticated and (user.role == Role.AGENCY_ADMIN or user.is_superuser))


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
        return self.paginate(
            qs.order_by("key", "region_id", "-effective_from", "pk"), ParameterSerializer, context={"request": request}
        )


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
        verified = StrictBooleanField(required=False, default=True, help_text="依据已核实")

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
            verified=data["verified"],
        )
        return Response(ParameterSerializer(param, context={"request": request}).data, status=status.HTTP_201_CREATED)


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
        verified = serializers.BooleanField(required=False, help_text="依据已核实（仅机构管理员可见）")

        def to_representation(self, instance):
            """The value; its verification status only for administrators."""
            data = super().to_representation(instance)
            if not sees_verification(self.context.get("request")):
                data.pop("verified", None)
            return data

    @extend_schema(summary="参数取值", parameters=[FilterSerializer], responses=responses({200: OutputSerializer}))
    def get(self, request):
        f = self.parse_query(self.FilterSerializer)
        value = param_lookup(f["key"], region=f.get("region") or None, on=f.get("date") or timezone.localdate())
        return Response(self.OutputSerializer(value, context={"request": request}).data)

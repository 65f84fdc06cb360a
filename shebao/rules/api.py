"""社保费试算 API: `GET /api/v1/calculate/` lists the calculators, `POST /api/v1/calculate/<rule>/` runs one.

Public (no login, no session, hence no CSRF), throttled per client address (`SHEBAO_CALCULATOR_RATE`).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import SimpleRateThrottle

from shebao.core.api.base import ERROR_RESPONSES, UNSUPPORTED_MEDIA, NotFoundApi, ShebaoApi
from shebao.core.api.errors import ErrorSerializer
from shebao.core.api.parsers import JSONParser

from .calculators import CALCULATORS, Calculator, calculate, label_errors
from .outputs import TraceStepOutput


class CalculatorThrottle(SimpleRateThrottle):
    """Requests per client address (REMOTE_ADDR, or X-Forwarded-For behind NUM_PROXIES) for the calculators.

    The rate is read from the settings at each request (`SHEBAO_CALCULATOR_RATE`, e.g. "60/minute"); the counts
    live in the default cache, so several server processes need a shared cache for one limit across them.
    """

    scope = "calculator"

    def get_rate(self):  # read per request (throttles are built per request), not frozen at import
        return settings.SHEBAO_CALCULATOR_RATE

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class CalculatorThrottled(exceptions.Throttled):
    """429 in Chinese."""

    default_detail = "试算请求过于频繁，请稍后再试。"
    extra_detail_singular = extra_detail_plural = "请在 {wait} 秒后重试。"


THROTTLED = OpenApiResponse(ErrorSerializer, description="试算请求过于频繁（Retry-After 给出等待秒数）")


class PublicCalculatorApi(ShebaoApi):
    """Base of the public calculator endpoints: no authentication, throttled."""

    authentication_classes: Iterable = ()
    permission_classes = (AllowAny,)
    throttle_classes = (CalculatorThrottle,)
    parser_classes = (JSONParser,)

    def throttled(self, request, wait):
        raise CalculatorThrottled(wait)


class CalculatorInputOutput(serializers.Serializer):
    """One input of a calculator."""

    name = serializers.CharField()
    label = serializers.CharField(help_text="中文名称")
    type = serializers.CharField(help_text="decimal / integer / month / date / region / insurance_types / …")
    required = serializers.BooleanField()
    description = serializers.CharField(allow_blank=True)


class CalculatorListApi(PublicCalculatorApi):
    """The calculators (rules as a public API) and their inputs."""

    class OutputSerializer(serializers.Serializer):
        """A calculator: its rule name, where to post, its inputs."""

        rule = serializers.CharField()
        title = serializers.CharField()
        description = serializers.CharField()
        method = serializers.CharField()
        path = serializers.CharField()
        inputs = CalculatorInputOutput(many=True)

    @extend_schema(
        summary="社保费试算：计算规则列表", auth=[], responses={200: OutputSerializer(many=True), 429: THROTTLED}
    )
    def get(self, request):
        body = [
            {
                "rule": calc.rule,
                "title": calc.title,
                "description": calc.description,
                "method": "POST",
                "path": f"/api/v1/calculate/{calc.rule}/",
                "inputs": describe_inputs(calc),
            }
            for calc in CALCULATORS.values()
        ]
        return Response(self.OutputSerializer(body, many=True).data)


def describe_inputs(calc: Calculator) -> list[dict]:
    """The inputs of a calculator from its serializer: name, Chinese label, kind, required, description."""
    from .fields import DateText, DecimalText, MonthText, RatesOverride, RegionField

    kinds = (
        (RegionField, "region"),
        (DecimalText, "decimal"),
        (MonthText, "month"),
        (DateText, "date"),
        (RatesOverride, "rates"),
        (serializers.ListField, "insurance_types"),
        (serializers.BooleanField, "boolean"),
        (serializers.IntegerField, "integer"),
        (serializers.ChoiceField, "choice"),
    )
    out = []
    for name, field in calc.input().fields.items():
        kind = next((k for cls, k in kinds if isinstance(field, cls)), "string")
        out.append(
            {
                "name": name,
                "label": str(field.label or name),
                "type": kind,
                "required": bool(field.required),
                "description": str(field.help_text or ""),
            }
        )
    return out


class CalculateApi(PublicCalculatorApi):
    """Base of one calculator's endpoint; subclasses name the rule (`rule = "late-fee"`)."""

    rule = ""
    in_schema = True

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        calc = CALCULATORS[cls.rule]
        stem = cls.__name__.removesuffix("Api")

        class Output(serializers.Serializer):
            rule = serializers.CharField(help_text=f"规则名称（{calc.rule}）")
            result = calc.result()
            trace = TraceStepOutput(many=True, help_text="计算过程：参数、取值、生效日期、依据")

            class Meta:
                ref_name = f"{stem}Output"

        Output.__doc__ = f"{calc.title}的结果和计算过程。"
        if cls.in_schema:  # the unlisted twin keeps the listed endpoint's component names
            calc.input.Meta = type("Meta", (), {"ref_name": f"{stem}Input"})
            calc.result.Meta = type("Meta", (), {"ref_name": f"{stem}Result"})

        def post(self, request):
            return self.calculate(request)

        cls.post = extend_schema(
            exclude=not cls.in_schema,
            summary=f"社保费试算：{calc.title}",
            description=calc.description,
            auth=[],
            request=calc.input,
            responses={200: Output, 400: ERROR_RESPONSES[400], 415: UNSUPPORTED_MEDIA, 429: THROTTLED},
        )(post)

    def calculate(self, request):
        calc = CALCULATORS[self.rule]
        try:
            data = self.parse_body(calc.input)
        except exceptions.ValidationError as exc:
            raise exceptions.ValidationError(label_errors(calc.input(), exc.detail)) from None
        return Response(calculate(calc.rule, data))


class LateFeeCalculateApi(CalculateApi):
    """滞纳金试算."""

    rule = "late-fee"


class ContributionCalculateApi(CalculateApi):
    """应缴费额试算."""

    rule = "contribution"


class ContributionBaseCalculateApi(CalculateApi):
    """缴费基数试算."""

    rule = "contribution-base"


class BackPaymentCalculateApi(CalculateApi):
    """补缴试算."""

    rule = "back-payment"


class InjuryRateCalculateApi(CalculateApi):
    """工伤保险费率试算."""

    rule = "injury-rate"


class ResidentPensionCalculateApi(CalculateApi):
    """城乡居民养老保险缴费试算."""

    rule = "resident-pension"


CALCULATE_APIS = {
    cls.rule: cls
    for cls in (
        LateFeeCalculateApi,
        ContributionCalculateApi,
        ContributionBaseCalculateApi,
        BackPaymentCalculateApi,
        InjuryRateCalculateApi,
        ResidentPensionCalculateApi,
    )
}


def unlisted(api: type[CalculateApi]) -> type[CalculateApi]:
    """The same calculator at a second address (without the trailing slash), left out of the schema."""
    return type(f"{api.__name__}NoSlash", (api,), {"rule": api.rule, "in_schema": False, "__doc__": api.__doc__})


class PublicNotFoundApi(NotFoundApi):
    """Any other path under calculate/ (an unknown rule): a JSON 404, without asking anyone to log in."""

    authentication_classes: Iterable = ()
    permission_classes = (AllowAny,)

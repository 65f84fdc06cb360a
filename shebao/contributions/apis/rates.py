"""Cluster 02 (rates): API v1 views and routes — rate tables, 02020101/02020201, tiers and bases 02020102/02020202."""

from __future__ import annotations

from django.urls import path
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from shebao.core import validation as v
from shebao.core.api import (
    ItemCaseApi,
    ShebaoApi,
    StrictBooleanField,
    StrictCharField,
    StrictChoiceField,
    StrictPagination,
    code_list_field,
    month_field,
    responses,
)
from shebao.registration.selectors import employer_get_for, person_get_for

from ..choices import ChoiceKind, RateChangeReason
from ..services.rates import employer_rate_change, employer_rate_determine
from ..services.rates_choices import person_choice_change, person_choice_determine
from ..services.rates_rules import BaseBand, TierOptions
from ..services.rates_tables import (
    employer_rate_history,
    employer_rate_table,
    person_choice_history,
    person_choice_overview,
)


def _dec(value) -> str | None:
    return None if value is None else format(value, "f")


class _MonthFilter(serializers.Serializer):
    """The month of the table (default: this month)."""

    month = StrictCharField(max_length=7, required=False, help_text="月份 YYYY-MM，默认本月")


class RateLineSerializer(serializers.Serializer):
    """One insurance type of an employer's rates: employer and individual rate, source and legal reference."""

    insurance_type = serializers.CharField()
    name = serializers.CharField()
    employer_rate = serializers.CharField(allow_null=True, help_text="单位费率（比例，如 0.16）")
    individual_rate = serializers.CharField(allow_null=True, help_text="个人费率（比例）")
    source = serializers.ChoiceField(choices=["parameter", "employer", "missing", "unset"])
    source_label = serializers.CharField()
    effective_from = serializers.DateField(allow_null=True)
    reference = serializers.CharField(allow_blank=True)
    risk_class = serializers.IntegerField(allow_null=True)
    float_grade = serializers.CharField(allow_null=True)
    base_rate = serializers.CharField(allow_null=True)
    case_number = serializers.CharField(allow_blank=True)

    class Meta:
        ref_name = "RateLine"

    def to_representation(self, line):
        data = super().to_representation(line)
        for key in ("employer_rate", "individual_rate", "float_grade", "base_rate"):
            data[key] = _dec(getattr(line, key))
        return data


class EmployerRatesApi(ShebaoApi):
    """02020101 单位费率表: every insurance type of the unit in a month — the region's rate or the unit's own."""

    catalog_codes = ("02020101", "02020201")

    class OutputSerializer(serializers.Serializer):
        """The unit's rates of one month."""

        employer = serializers.IntegerField(source="employer.pk")
        employer_name = serializers.CharField(source="employer.name")
        unit_type = serializers.CharField(source="employer.unit_type")
        industry_code = serializers.CharField(source="employer.industry_code")
        injury_risk_class = serializers.IntegerField(source="employer.injury_risk_class")
        month = serializers.DateField(format="%Y-%m")
        lines = RateLineSerializer(many=True)
        warnings = serializers.ListField(child=serializers.CharField())

    @extend_schema(summary="单位费率表", parameters=[_MonthFilter], responses=responses({200: OutputSerializer}))
    def get(self, request, employer_id: int):
        f = self.parse_query(_MonthFilter)
        month = v.parse_month(f["month"], "month", "月份") if f.get("month") else timezone.localdate()
        employer = employer_get_for(actor=request.user, employer_id=employer_id)
        return Response(self.OutputSerializer(employer_rate_table(employer, month)).data)


class EmployerRateHistoryApi(ShebaoApi):
    """02020201 单位费率记录: the unit's own rate rows (each from its month; never edited), newest first."""

    catalog_codes = ("02020101", "02020201")
    pagination_class = StrictPagination

    class OutputSerializer(serializers.Serializer):
        """One dated rate row of the unit."""

        id = serializers.IntegerField()
        insurance_type = serializers.CharField(source="insurance_type_id")
        valid_from = serializers.DateField(format="%Y-%m")
        risk_class = serializers.IntegerField(allow_null=True)
        float_grade = serializers.DecimalField(max_digits=5, decimal_places=3, allow_null=True)
        employer_rate = serializers.DecimalField(max_digits=8, decimal_places=6)
        case = serializers.CharField(source="case.number", allow_null=True, default=None)
        created_at = serializers.DateTimeField()

    @extend_schema(summary="单位费率记录", responses=responses({200: OutputSerializer(many=True)}))
    def get(self, request, employer_id: int):
        employer = employer_get_for(actor=request.user, employer_id=employer_id)
        return self.paginate(employer_rate_history(employer), self.OutputSerializer)


class EmployerRateDetermineApi(ItemCaseApi):
    """02020101 费率核定: the unit's work-injury class (from its registration) and floating grade → its rate."""

    item_code = "02020101"
    summary = "02020101 费率核定"

    class InputSerializer(serializers.Serializer):
        """工伤保险费率核定: floating grade and the month from which the rate applies."""

        float_grade = StrictCharField(
            max_length=10, required=False, default="1.0", help_text="浮动费率档次，如 1.0、1.2（默认 1.0）"
        )
        valid_from = month_field(required=False, help_text="生效月 YYYY-MM，默认单位参加工伤保险的起始月")
        adjust_assessed = StrictBooleanField(
            required=False, default=False, help_text="生效月早于已核定应缴的月份时，已核定月份按新费率补差"
        )
        note = StrictCharField(max_length=200, required=False, allow_blank=True, default="", help_text="说明")

    def get_subject(self, request, employer_id: int):
        return employer_get_for(actor=request.user, employer_id=employer_id)

    def submit(self, request, data, employer):
        return employer_rate_determine(
            actor=request.user,
            employer=employer,
            float_grade=data["float_grade"],
            valid_from=data.get("valid_from") or None,
            adjust_assessed=data["adjust_assessed"],
            note=data["note"],
            materials=self.materials,
        )


class EmployerRateChangeApi(ItemCaseApi):
    """02020201 费率调整: a new floating grade or the class of a changed industry, from an effective month."""

    item_code = "02020201"
    summary = "02020201 费率调整"

    class InputSerializer(serializers.Serializer):
        """工伤保险费率调整: reason, new grade and effective month."""

        reason = StrictChoiceField(choices=RateChangeReason.choices, help_text="调整原因")
        valid_from = month_field(help_text="生效月 YYYY-MM（晚于现行费率起始月，且晚于已核定应缴的月份）")
        float_grade = StrictCharField(
            max_length=10, required=False, allow_blank=True, default="", help_text="新的浮动费率档次，默认不变"
        )
        adjust_assessed = StrictBooleanField(
            required=False, default=False, help_text="生效月早于已核定应缴的月份时，已核定月份按新费率补差"
        )
        note = StrictCharField(max_length=200, required=False, allow_blank=True, default="", help_text="说明")

    def get_subject(self, request, employer_id: int):
        return employer_get_for(actor=request.user, employer_id=employer_id)

    def submit(self, request, data, employer):
        return employer_rate_change(
            actor=request.user,
            employer=employer,
            reason=data["reason"],
            valid_from=data["valid_from"],
            float_grade=data["float_grade"] or None,
            adjust_assessed=data["adjust_assessed"],
            note=data["note"],
            materials=self.materials,
        )


# ----------------------------------------------------------------------------------------------------------------
# A person's tier or base
# ----------------------------------------------------------------------------------------------------------------


class _ChoiceLineOut(serializers.Serializer):
    insurance_type = serializers.CharField()
    name = serializers.CharField()
    start_month = serializers.CharField(help_text="参保起始月 YYYY-MM")
    amount = serializers.CharField(allow_null=True, help_text="现行档次（元/年）或基数（元/月）")
    valid_from = serializers.DateField(allow_null=True)

    class Meta:
        ref_name = "ContributionChoiceLine"


class _TierOut(serializers.Serializer):
    amount = serializers.CharField(help_text="缴费档次（元/年）")
    subsidy = serializers.CharField(help_text="政府缴费补贴（元/年）")

    class Meta:
        ref_name = "ResidentPensionTier"


class _BandOut(serializers.Serializer):
    lower = serializers.CharField(help_text="缴费基数下限（元/月）")
    upper = serializers.CharField(help_text="缴费基数上限（元/月）")
    average_wage = serializers.CharField(help_text="社会平均工资（元/月）")

    class Meta:
        ref_name = "FlexibleBaseBand"


class _TraceOut(serializers.Serializer):
    step = serializers.CharField()
    parameter = serializers.CharField(allow_blank=True)
    value = serializers.CharField()
    effective_from = serializers.DateField(allow_null=True)
    reference = serializers.CharField(allow_blank=True)
    region = serializers.CharField(allow_null=True, help_text="适用取值的区划（空为全国）")

    class Meta:
        ref_name = "RateRuleTraceStep"


class _ChoiceRowOut(serializers.Serializer):
    id = serializers.IntegerField()
    insurance_type = serializers.CharField()
    valid_from = serializers.DateField()
    tier = serializers.CharField(allow_null=True)
    base = serializers.CharField(allow_null=True)
    superseded = serializers.BooleanField()
    case = serializers.CharField(allow_null=True)

    class Meta:
        ref_name = "ContributionChoiceRow"


class PersonChoicesApi(ShebaoApi):
    """02020102 缴费档次·基数: what the resident or flexible worker pays on now, history, and what may be chosen."""

    catalog_codes = ("02020102", "02020202")

    class OutputSerializer(serializers.Serializer):
        """The person's tier or base per insurance type, the next period's options and the history."""

        person = serializers.IntegerField()
        kind = serializers.ChoiceField(choices=ChoiceKind.choices, allow_null=True)
        kind_label = serializers.CharField(allow_blank=True)
        determined = serializers.BooleanField()
        next_period = serializers.DateField(allow_null=True)
        lines = _ChoiceLineOut(many=True)
        tiers = _TierOut(many=True, allow_null=True)
        band = _BandOut(allow_null=True)
        trace = _TraceOut(many=True)
        history = _ChoiceRowOut(many=True)
        options_error = serializers.CharField(allow_blank=True)

    @extend_schema(summary="缴费档次·基数", responses=responses({200: OutputSerializer}))
    def get(self, request, person_id: int):
        person = person_get_for(actor=request.user, person_id=person_id)
        view = person_choice_overview(person)
        options = view.options
        data = {
            "person": person.pk,
            "kind": view.kind,
            "kind_label": view.kind_label,
            "determined": view.determined,
            "next_period": view.next_period,
            "lines": [
                {
                    "insurance_type": line.insurance_type,
                    "name": line.name,
                    "start_month": line.start_month.isoformat()[:7],
                    "amount": _dec(line.amount),
                    "valid_from": line.row.valid_from.isoformat() if line.row else None,
                }
                for line in view.lines
            ],
            "tiers": [{"amount": _dec(t.amount), "subsidy": _dec(t.subsidy)} for t in options.tiers]
            if isinstance(options, TierOptions)
            else None,
            "band": {
                "lower": _dec(options.lower),
                "upper": _dec(options.upper),
                "average_wage": _dec(options.average_wage),
            }
            if isinstance(options, BaseBand)
            else None,
            "trace": [s.as_dict() for s in options.trace] if options is not None else [],
            "history": [
                {
                    "id": row.pk,
                    "insurance_type": row.insurance_type_id,
                    "valid_from": row.valid_from.isoformat(),
                    "tier": _dec(row.tier),
                    "base": _dec(row.base),
                    "superseded": row.superseded_by_id is not None,
                    "case": row.case.number if row.case_id else None,
                }
                for row in person_choice_history(person)[:100]
            ],
            "options_error": view.options_error,
        }
        return Response(self.OutputSerializer(data).data)


class _ChoiceInput(serializers.Serializer):
    """缴费档次（元/年）或缴费基数（元/月）, the period it applies from and (flexible workers) the insurance types."""

    amount = StrictCharField(
        max_length=16, help_text="城乡居民：缴费档次（元/年，如 500）；灵活就业人员：月缴费基数（如 6000.00）"
    )
    valid_from = month_field(
        required=False, help_text="生效期 YYYY-MM（城乡居民按年度，取该年1月）；核定默认参保起始期，调整默认下期"
    )
    insurance_types = code_list_field(required=False, help_text="灵活就业人员适用的险种（110、310），默认全部")
    note = StrictCharField(max_length=200, required=False, allow_blank=True, default="", help_text="说明")


class PersonChoiceDetermineApi(ItemCaseApi):
    """02020102 费额核定: a resident's first yearly tier or a flexible worker's first monthly base."""

    item_code = "02020102"
    summary = "02020102 费额核定"

    class InputSerializer(_ChoiceInput):
        """费额核定: the first tier or base."""

    def get_subject(self, request, person_id: int):
        return person_get_for(actor=request.user, person_id=person_id)

    def submit(self, request, data, person):
        return person_choice_determine(
            actor=request.user,
            person=person,
            amount=data["amount"],
            valid_from=data.get("valid_from") or None,
            insurance_types=data.get("insurance_types") or None,
            note=data["note"],
            materials=self.materials,
        )


class PersonChoiceChangeApi(ItemCaseApi):
    """02020202 费额调整: a new tier or base from the next period (next month / next year) or later."""

    item_code = "02020202"
    summary = "02020202 费额调整"

    class InputSerializer(_ChoiceInput):
        """费额调整: the new tier or base."""

    def get_subject(self, request, person_id: int):
        return person_get_for(actor=request.user, person_id=person_id)

    def submit(self, request, data, person):
        return person_choice_change(
            actor=request.user,
            person=person,
            amount=data["amount"],
            valid_from=data.get("valid_from") or None,
            insurance_types=data.get("insurance_types") or None,
            note=data["note"],
            materials=self.materials,
        )


urlpatterns: list = [
    path("employers/<int:employer_id>/rates/", EmployerRatesApi.as_view(), name="employer-rates"),
    path("employers/<int:employer_id>/rates/history/", EmployerRateHistoryApi.as_view(), name="employer-rate-history"),
    path(
        "employers/<int:employer_id>/rates/determine/",
        EmployerRateDetermineApi.as_view(),
        name="employer-rate-determine",
    ),
    path("employers/<int:employer_id>/rates/change/", EmployerRateChangeApi.as_view(), name="employer-rate-change"),
    path("persons/<int:person_id>/contribution-choices/", PersonChoicesApi.as_view(), name="person-choices"),
    path(
        "persons/<int:person_id>/contribution-choices/determine/",
        PersonChoiceDetermineApi.as_view(),
        name="person-choice-determine",
    ),
    path(
        "persons/<int:person_id>/contribution-choices/change/",
        PersonChoiceChangeApi.as_view(),
        name="person-choice-change",
    ),
]

"""The public calculators (社保费试算): each rule's inputs, how they call the rules, and the shape of the answer.

The API (`shebao/rules/api.py`, `POST /api/v1/calculate/<rule>/`) and the page (`/calculate/`) both go through
`CALCULATORS`, so they accept the same inputs and give the same answers as the functions the batches call.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from django.utils import timezone
from rest_framework import serializers

from shebao.core.api.base import StrictBooleanField, StrictChoiceField, StrictIntegerField

from . import contributions as c
from . import late_fees as lf
from .fields import (
    FIRST_YEAR,
    LAST_YEAR,
    DateText,
    DecimalText,
    MonthText,
    RatesOverride,
    RegionField,
    insurance_types,
    money,
)
from .outputs import (
    BackPaymentResult,
    ContributionBaseResult,
    ContributionResultOutput,
    InjuryRateResult,
    LateFeeResult,
    ResidentPensionResult,
)
from .source import CachedSource, ParamSource
from .trace import TraceStep, show


class CalculatorInput(serializers.Serializer):
    """Every calculator takes an optional region (national default parameters when absent)."""

    region = RegionField()


def _year(label: str = "年度") -> StrictIntegerField:
    return StrictIntegerField(
        min_value=FIRST_YEAR,
        max_value=LAST_YEAR,
        label=label,
        help_text=f"{label}（{FIRST_YEAR}–{LAST_YEAR}）",
        error_messages={"invalid": f"{label}应为整数，如 2024"},
    )


# 人员类别 (named in SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"] as CalculatorCategoryEnum).
CATEGORY_CHOICES = [(k, f"{k} {v}") for k, v in c.CATEGORIES.items()]


def _category() -> StrictChoiceField:
    return StrictChoiceField(
        choices=CATEGORY_CHOICES,
        required=False,
        default=c.EMPLOYEE,
        label="人员类别",
        help_text="employee 职工（默认）；flexible 灵活就业人员",
    )


def _injury_class() -> StrictIntegerField:
    return StrictIntegerField(
        min_value=1,
        max_value=8,
        required=False,
        label="工伤保险行业风险类别",
        help_text="1–8，计算工伤保险（410）时必填",
    )


def _injury_grade() -> DecimalText:
    return DecimalText(
        digits=1,
        places=2,
        example="1.0",
        required=False,
        label="工伤保险费率浮动档次",
        help_text="基准费率的倍数，如 0.8、1.0、1.2；不填按基准费率",
    )


# --------------------------------------------------------------------------------------------------------------
# Inputs
# --------------------------------------------------------------------------------------------------------------


class LateFeeInput(CalculatorInput):
    """滞纳金试算: the principal and either the days or the due date and the payment date."""

    principal = money("欠缴金额", digits=12, help_text='欠缴的社会保险费（元），如 "1000.00"')
    days = StrictIntegerField(
        min_value=0,
        max_value=lf.MAX_LATE_FEE_DAYS,
        required=False,
        label="滞纳天数",
        help_text="与缴纳期限、缴纳日期二选一",
    )
    due_date = DateText(required=False, label="缴纳期限", help_text="应缴纳的最后一日 YYYY-MM-DD")
    paid_date = DateText(required=False, label="缴纳日期", help_text="实际缴纳之日 YYYY-MM-DD")


class ContributionInput(CalculatorInput):
    """应缴费额试算: one month, one base, several insurance types."""

    month = MonthText(label="费款所属月份", help_text="YYYY-MM")
    base = money("缴费基数", digits=8, help_text='月缴费基数（元），如 "6000.00"')
    insurance_types = insurance_types()
    category = _category()
    rates = RatesOverride(required=False, help_text="按险种指定试算费率，不填的部分按参数")
    injury_class = _injury_class()
    injury_grade = _injury_grade()


class ContributionBaseInput(CalculatorInput):
    """缴费基数试算: the declared wage bounded to the year's band."""

    year = _year("缴费年度")
    declared_monthly_wage = money("申报月平均工资", digits=9, help_text="上年度月平均工资（元）")
    category = _category()


class BackPaymentInput(CalculatorInput):
    """补缴试算: the months, the base, the types and the payment date."""

    from_month = MonthText(label="补缴起始月份", help_text="YYYY-MM")
    to_month = MonthText(label="补缴截止月份", help_text="YYYY-MM（含）")
    base = money("缴费基数", digits=8, help_text="月缴费基数（元）")
    insurance_types = insurance_types()
    paid_date = DateText(label="缴纳日期", help_text="补缴之日 YYYY-MM-DD")
    category = _category()
    rates = RatesOverride(required=False, help_text="按险种指定试算费率，不填的部分按参数")
    injury_class = _injury_class()
    injury_grade = _injury_grade()
    with_late_fee = StrictBooleanField(
        required=False, default=True, label="加收滞纳金", help_text="默认 true；灵活就业人员等不加收时为 false"
    )


class InjuryRateInput(CalculatorInput):
    """工伤保险费率试算: risk class and floating grade in a month."""

    month = MonthText(label="费款所属月份", help_text="YYYY-MM")
    injury_class = StrictIntegerField(min_value=1, max_value=8, label="工伤保险行业风险类别", help_text="1–8")
    injury_grade = _injury_grade()


class ResidentPensionInput(CalculatorInput):
    """城乡居民养老保险缴费试算: a year and a tier."""

    year = _year("缴费年度")
    tier = money("缴费档次", digits=6, help_text='每年缴费档次（元），如 "500"')


# --------------------------------------------------------------------------------------------------------------
# Runs: validated input → (result, trace)
# --------------------------------------------------------------------------------------------------------------


def _run_late_fee(d: dict, params: ParamSource):
    r = lf.late_fee(
        principal=d["principal"],
        days=d.get("days"),
        due_date=d.get("due_date"),
        paid_date=d.get("paid_date"),
        on=timezone.localdate(),
        region=d.get("region"),
        params=params,
    )
    segments = [{"start": s.start, "end": s.end, "days": s.days, "daily_rate": show(s.daily_rate)} for s in r.segments]
    result = {
        "principal": show(r.principal),
        "days": r.days,
        "late_fee": show(r.late_fee),
        "uncapped_late_fee": show(r.uncapped),
        "cap": show(r.cap) if r.cap is not None else None,
        "segments": segments,
    }
    return result, r.trace


def _rate_args(d: dict) -> dict:
    return {
        "rates": d.get("rates"),
        "injury_class": d.get("injury_class"),
        "injury_grade": d.get("injury_grade"),
        "category": d.get("category") or c.EMPLOYEE,
        "region": d.get("region"),
    }


def _run_contribution(d: dict, params: ParamSource):
    r = c.contribution(
        month=d["month"], base=d["base"], insurance_types=d["insurance_types"], params=params, **_rate_args(d)
    )
    lines = [
        {
            "insurance_type": x.insurance_type,
            "name": x.name,
            "employer_rate": show(x.employer_rate),
            "employer_amount": show(x.employer_amount),
            "individual_rate": show(x.individual_rate),
            "individual_amount": show(x.individual_amount),
        }
        for x in r.lines
    ]
    result = {
        "month": f"{r.month:%Y-%m}",
        "base": show(r.base),
        "category": r.category,
        "lines": lines,
        "employer_total": show(r.employer_total),
        "individual_total": show(r.individual_total),
        "total": show(r.total),
    }
    return result, r.trace


def _run_contribution_base(d: dict, params: ParamSource):
    r = c.contribution_base(
        on=c.year_end(d["year"]),
        declared_monthly_wage=d["declared_monthly_wage"],
        region=d.get("region"),
        category=d.get("category") or c.EMPLOYEE,
        params=params,
    )
    result = {
        "year": d["year"],
        "declared_monthly_wage": show(r.declared),
        "base": show(r.base),
        "lower": show(r.lower),
        "upper": show(r.upper),
        "average_wage": show(r.average_wage),
        "bounded": r.bounded,
    }
    return result, r.trace


def _run_back_payment(d: dict, params: ParamSource):
    r = lf.back_payment(
        from_month=d["from_month"],
        to_month=d["to_month"],
        base=d["base"],
        insurance_types=d["insurance_types"],
        paid_date=d["paid_date"],
        with_late_fee=d.get("with_late_fee", True),
        params=params,
        **_rate_args(d),
    )
    lines = [
        {
            "month": f"{x.month:%Y-%m}",
            "due_date": x.due_date,
            "days": x.days,
            "employer_amount": show(x.employer_amount),
            "individual_amount": show(x.individual_amount),
            "principal": show(x.principal),
            "late_fee": show(x.late_fee),
            "total": show(x.total),
        }
        for x in r.lines
    ]
    result = {
        "lines": lines,
        "employer_total": show(r.employer_total),
        "individual_total": show(r.individual_total),
        "principal_total": show(r.principal_total),
        "late_fee_total": show(r.late_fee_total),
        "total": show(r.total),
    }
    return result, r.trace


def _run_injury_rate(d: dict, params: ParamSource):
    r = c.injury_rate(
        on=d["month"], risk_class=d["injury_class"], grade=d.get("injury_grade"), region=d.get("region"), params=params
    )
    result = {
        "injury_class": r.risk_class,
        "base_rate": show(r.base_rate),
        "injury_grade": show(r.grade),
        "grades": [show(g) for g in r.grades],
        "rate": show(r.rate),
    }
    return result, r.trace


def _run_resident_pension(d: dict, params: ParamSource):
    r = c.resident_pension(year=d["year"], tier=d["tier"], region=d.get("region"), params=params)
    result = {
        "year": r.year,
        "tier": show(r.tier),
        "tiers": [show(t) for t in r.tiers],
        "subsidy": show(r.subsidy),
        "account_credit": show(r.account_credit),
    }
    return result, r.trace


@dataclass(frozen=True)
class Calculator:
    """A public calculator: its rule name in the URL, title, inputs, answer shape and run."""

    rule: str
    title: str
    description: str
    input: type[serializers.Serializer]
    result: type[serializers.Serializer]
    run: Callable[[dict, ParamSource], tuple[dict, tuple[TraceStep, ...]]]


CALCULATORS: dict[str, Calculator] = {
    calc.rule: calc
    for calc in (
        Calculator(
            "contribution",
            "应缴费额试算",
            "按月份、缴费基数和险种计算单位和个人应缴的社会保险费，各险种各部分分别四舍五入到分。",
            ContributionInput,
            ContributionResultOutput,
            _run_contribution,
        ),
        Calculator(
            "contribution-base",
            "缴费基数试算",
            "把申报的上年度月平均工资限定在全口径城镇单位就业人员平均工资的60%至300%之间。",
            ContributionBaseInput,
            ContributionBaseResult,
            _run_contribution_base,
        ),
        Calculator(
            "late-fee",
            "滞纳金试算",
            "自缴纳期限次日起至缴纳之日（含当日），按日加收欠缴金额万分之五的滞纳金（社会保险法第八十六条）。",
            LateFeeInput,
            LateFeeResult,
            _run_late_fee,
        ),
        Calculator(
            "back-payment",
            "补缴试算",
            "逐月计算补缴的社会保险费及各月的滞纳金，并合计。",
            BackPaymentInput,
            BackPaymentResult,
            _run_back_payment,
        ),
        Calculator(
            "injury-rate",
            "工伤保险费率试算",
            "工伤保险单位费率 = 行业基准费率 × 浮动档次（人社部发〔2015〕71号）。",
            InjuryRateInput,
            InjuryRateResult,
            _run_injury_rate,
        ),
        Calculator(
            "resident-pension",
            "城乡居民养老保险缴费试算",
            "按所选年度缴费档次计算政府缴费补贴和记入个人账户的金额（国发〔2014〕8号）。",
            ResidentPensionInput,
            ResidentPensionResult,
            _run_resident_pension,
        ),
    )
}


def label_errors(serializer: serializers.Serializer, detail) -> dict:
    """Validation errors with each message naming its field in Chinese ("缴费基数：该字段是必填项。")."""
    if not isinstance(detail, Mapping):
        return {"non_field_errors": _strings(detail)}
    out = {}
    for name, messages in detail.items():
        field = serializer.fields.get(name)
        label = str(field.label) if field is not None and field.label else ""
        out[name] = _prefix(messages, label)
    return out


def _prefix(messages, label: str):
    if isinstance(messages, Mapping):  # a list's items: {index: [messages]}
        return [f"{label}第{int(i) + 1}项：{m}" for i, msgs in messages.items() for m in _strings(msgs)]
    return [m if not label or m.startswith(label) else f"{label}：{m}" for m in _strings(messages)]


def _strings(messages) -> list[str]:
    if isinstance(messages, (list, tuple)):
        return [s for m in messages for s in _strings(m)]
    if isinstance(messages, Mapping):
        return [s for m in messages.values() for s in _strings(m)]
    return [str(messages)]


def calculate(rule: str, data: dict, *, params: ParamSource | None = None) -> dict:
    """Run a calculator on already validated input: {"rule", "result", "trace"} (the API's and the page's answer)."""
    calc = CALCULATORS[rule]
    result, trace = calc.run(data, params or CachedSource())
    return {"rule": rule, "result": calc.result(result).data, "trace": [step.as_dict() for step in trace]}

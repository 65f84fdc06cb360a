"""The rules of 02020101–02020202 as functions of a parameter source: rates, floating grades, tiers, base bands.

Every parameter this area reads goes through `lookup` (the one switch point: until `shebao.rules` lands it is
`core.parameters.param_lookup`; a batch may pass a cached source). Each function returns its result with a
`trace` of the parameters it used (step, parameter, value, effective_from, reference), as the calculators do.
Values are `Decimal`; a wrong or missing parameter is an `ApplicationError` naming the caller's field.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from shebao.core.errors import ApplicationError
from shebao.core.money import to_fen
from shebao.core.parameters import ParamValue, param_lookup

ParamSource = Callable[..., ParamValue]  # (key, *, region, on) -> ParamValue
RATE_PLACES = Decimal("0.000001")  # EmployerRate.employer_rate has 6 decimal places
GRADE_PLACES = Decimal("0.001")
INJURY_TYPE = "410"
RESIDENT_PENSION = "170"
FLEXIBLE_TYPES = ("110", "310")  # the employee schemes a flexible worker may join with a chosen base
_DECIMAL_TEXT = re.compile(r"[0-9]{1,10}(\.[0-9]{1,8})?", re.ASCII)


def lookup(key: str, *, region: str | None, on: dt.date, source: ParamSource | None = None) -> ParamValue:
    """The parameter `key` for `region` on `on` (the one place this area reads parameters)."""
    return (source or param_lookup)(key, region=region, on=on)


@dataclass(frozen=True)
class Step:
    """One step of a trace: what was looked up, its value, from when, and its legal reference."""

    step: str
    parameter: str
    value: str
    effective_from: dt.date | None
    reference: str

    def as_dict(self) -> dict:
        """The step as the APIs show it."""
        return {
            "step": self.step,
            "parameter": self.parameter,
            "value": self.value,
            "effective_from": self.effective_from.isoformat() if self.effective_from else None,
            "reference": self.reference,
        }


def _step(label: str, pv: ParamValue) -> Step:
    return Step(label, pv.key, pv.value, pv.effective_from, pv.legal_reference)


def _param(key: str, *, region, on, source, field_name: str, label: str) -> ParamValue:
    try:
        return lookup(key, region=region, on=on, source=source)
    except ApplicationError:
        raise ApplicationError(
            f"{label}未配置（参数 {key}，{on:%Y-%m}），请系统管理员补充业务参数", field=field_name
        ) from None


def _number(pv: ParamValue, field_name: str) -> Decimal:
    try:
        return pv.as_decimal()
    except ApplicationError as exc:
        raise ApplicationError(exc.message, field=field_name) from None


def _number_list(pv: ParamValue, field_name: str) -> tuple[Decimal, ...]:
    try:
        values = tuple(Decimal(part.strip()) for part in pv.value.split(",") if part.strip())
    except InvalidOperation:
        values = ()
    if not values or any(not v.is_finite() or v <= 0 for v in values):
        raise ApplicationError(
            f"参数 {pv.key} 的取值“{pv.value}”不是以逗号分隔的数值列表，请系统管理员更正该参数", field=field_name
        )
    return values


def grade_str(grade) -> str:
    """A floating grade as the parameters write it: 1.000 → "1.0", 1.200 → "1.2", 0.500 → "0.5"."""
    text = f"{Decimal(str(grade)).normalize():f}"
    return text if "." in text else f"{text}.0"


def parse_decimal(value, field_name: str, label: str, *, places: int = 2) -> Decimal:
    """A positive decimal typed by a person ("1.2", "6000.00"; full-width digits allowed, never a float)."""
    if isinstance(value, float):
        raise ApplicationError(f"{label}应为数值文本（如 1.2），不能为浮点数", field=field_name)
    if isinstance(value, Decimal):
        value = format(value, "f")
    text = unicodedata.normalize("NFKC", "" if value is None else str(value)).strip()
    if not text:
        raise ApplicationError(f"{label}不能为空", field=field_name)
    if not _DECIMAL_TEXT.fullmatch(text):
        raise ApplicationError(f"{label}应为数值（如 {'1.2' if places > 2 else '6000.00'}）", field=field_name)
    number = Decimal(text)
    if number <= 0:
        raise ApplicationError(f"{label}应为大于0的数值", field=field_name)
    if number != number.quantize(Decimal(1).scaleb(-places)):
        raise ApplicationError(f"{label}最多保留{places}位小数", field=field_name)
    return number


# ----------------------------------------------------------------------------------------------------------------
# 02020101 / 02020201: work-injury rate = base rate of the risk class × floating grade
# ----------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class InjuryRate:
    """An employer's work-injury rate: class, grade, the class's base rate and allowed grades, and the trace."""

    risk_class: int
    float_grade: Decimal
    base_rate: Decimal
    employer_rate: Decimal
    grades: tuple[Decimal, ...]
    reference: str
    trace: list[Step] = field(default_factory=list)


def injury_grades(risk_class: int, *, region, on: dt.date, source=None, field_name: str = "float_grade"):
    """The floating grades allowed for a risk class on a date (`contribution.injury.float_grades.<class>`)."""
    pv = _param(
        f"contribution.injury.float_grades.{risk_class}",
        region=region,
        on=on,
        source=source,
        field_name=field_name,
        label=f"工伤保险第{risk_class}类行业浮动费率档次",
    )
    return _number_list(pv, field_name), pv


def injury_rate(
    risk_class: int, grade: Decimal, *, region, on: dt.date, source=None, field_name: str = "float_grade"
) -> InjuryRate:
    """02020101: the rate of a class and grade on a date; a grade not among the class's grades is refused."""
    if not 1 <= int(risk_class) <= 8:
        raise ApplicationError("工伤风险类别应为1–8的整数", field="risk_class")
    grades, grades_pv = injury_grades(risk_class, region=region, on=on, source=source, field_name=field_name)
    shown = "、".join(format(g, "f") for g in grades)
    if grade not in grades:
        raise ApplicationError(
            f"浮动费率档次 {format(grade, 'f')} 不是第{risk_class}类行业的档次（可选：{shown}）", field=field_name
        )
    base_pv = _param(
        f"contribution.injury.base_rate.{risk_class}",
        region=region,
        on=on,
        source=source,
        field_name=field_name,
        label=f"工伤保险第{risk_class}类行业基准费率",
    )
    base = _number(base_pv, field_name)
    rate = (base * grade).quantize(RATE_PLACES, rounding=ROUND_HALF_UP)
    return InjuryRate(
        risk_class=int(risk_class),
        float_grade=grade.quantize(GRADE_PLACES),
        base_rate=base,
        employer_rate=rate,
        grades=grades,
        reference=base_pv.legal_reference,
        trace=[
            _step(f"第{risk_class}类行业浮动档次", grades_pv),
            _step(f"第{risk_class}类行业基准费率", base_pv),
            Step("单位费率 = 基准费率 × 浮动档次", "", format(rate, "f"), None, base_pv.legal_reference),
        ],
    )


def statutory_rate(type_code: str, part: str, *, region, on: dt.date, source=None) -> ParamValue | None:
    """The region's rate of an insurance type's part (`contribution.rate.<type>.<part>`), None when not set."""
    try:
        return lookup(f"contribution.rate.{type_code}.{part}", region=region, on=on, source=source)
    except ApplicationError:
        return None


# ----------------------------------------------------------------------------------------------------------------
# 02020102 / 02020202: resident pension tiers and the flexible workers' base band
# ----------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Tier:
    """A resident pension tier (元/年) and the government subsidy it earns."""

    amount: Decimal
    subsidy: Decimal


@dataclass(frozen=True)
class TierOptions:
    """The tiers offered in a year with their subsidies, and the trace."""

    tiers: tuple[Tier, ...]
    trace: list[Step]

    def get(self, amount: Decimal) -> Tier | None:
        """The tier of that amount, or None."""
        return next((t for t in self.tiers if t.amount == amount), None)


def resident_tiers(*, region, on: dt.date, source=None, field_name: str = "tier") -> TierOptions:
    """The resident pension tiers on a date and each one's subsidy (low below `high_from_tier`, high from it)."""
    tiers_pv = _param(
        "contribution.resident_pension.tiers",
        region=region,
        on=on,
        source=source,
        field_name=field_name,
        label="城乡居民养老保险缴费档次",
    )
    low_pv, high_pv, from_pv = (
        _param(
            f"contribution.resident_pension.subsidy.{name}",
            region=region,
            on=on,
            source=source,
            field_name=field_name,
            label=label,
        )
        for name, label in (("low", "缴费补贴"), ("high", "较高档次缴费补贴"), ("high_from_tier", "较高补贴起始档次"))
    )
    low, high, threshold = (_number(pv, field_name) for pv in (low_pv, high_pv, from_pv))
    amounts = _number_list(tiers_pv, field_name)
    tiers = tuple(Tier(to_fen(a), to_fen(high if a >= threshold else low)) for a in amounts)
    trace = [
        _step("缴费档次", tiers_pv),
        _step("缴费补贴", low_pv),
        _step("较高档次缴费补贴", high_pv),
        _step("较高补贴起始档次", from_pv),
    ]
    return TierOptions(tiers, trace)


@dataclass(frozen=True)
class BaseBand:
    """The band a flexible worker's monthly base must lie in: [lower, upper] from the average wage."""

    lower: Decimal
    upper: Decimal
    average_wage: Decimal
    trace: list[Step]


def flexible_band(*, region, on: dt.date, source=None, field_name: str = "base") -> BaseBand:
    """The flexible workers' base band on a date: lower/upper ratio × the average wage of that contribution year."""
    wage_pv = _param(
        "contribution.average_wage", region=region, on=on, source=source, field_name=field_name, label="社会平均工资"
    )
    lower_pv = _param(
        "contribution.flexible.base.lower_ratio",
        region=region,
        on=on,
        source=source,
        field_name=field_name,
        label="灵活就业人员缴费基数下限比例",
    )
    upper_pv = _param(
        "contribution.flexible.base.upper_ratio",
        region=region,
        on=on,
        source=source,
        field_name=field_name,
        label="灵活就业人员缴费基数上限倍数",
    )
    wage = _number(wage_pv, field_name)
    lower = to_fen(wage * _number(lower_pv, field_name))
    upper = to_fen(wage * _number(upper_pv, field_name))
    trace = [
        _step("全口径城镇单位就业人员月平均工资", wage_pv),
        _step("缴费基数下限比例", lower_pv),
        _step("缴费基数上限倍数", upper_pv),
        Step("缴费基数范围", "", f"{lower}–{upper}", None, ""),
    ]
    return BaseBand(lower, upper, wage, trace)


def _month_add(month: dt.date, n: int) -> dt.date:
    total = month.year * 12 + month.month - 1 + n
    return dt.date(total // 12, total % 12 + 1, 1)


def next_period(kind: str, *, region, today: dt.date, source=None, field_name: str = "valid_from") -> dt.date:
    """The first period a change submitted on `today` may take effect: flexible workers from the N-th month after,
    residents from 1 January of the N-th year after (N from the region's parameters)."""
    if kind == "base":
        pv = _param(
            "contribution.flexible.choice_lead_months",
            region=region,
            on=today,
            source=source,
            field_name=field_name,
            label="灵活就业人员缴费基数调整生效期",
        )
        return _month_add(today.replace(day=1), pv.as_int())
    pv = _param(
        "contribution.resident_pension.choice_lead_years",
        region=region,
        on=today,
        source=source,
        field_name=field_name,
        label="城乡居民缴费档次调整生效期",
    )
    return dt.date(today.year + pv.as_int(), 1, 1)


def advance_limit(*, region, today: dt.date, source=None, field_name: str = "valid_from") -> dt.date:
    """The latest month a rate determination or change may take effect from (`contribution.rate.advance_months`)."""
    pv = _param(
        "contribution.rate.advance_months",
        region=region,
        on=today,
        source=source,
        field_name=field_name,
        label="费率生效月可提前的月数",
    )
    return _month_add(today.replace(day=1), pv.as_int())

"""The rules of 02020101–02020202 as this area uses them: rates, floating grades, tiers, base bands, periods.

The rule arithmetic is `shebao.rules.contributions` — the same functions the public calculators and the batch run
(`injury_rate`, `resident_pension`, `base_bounds`) — read through a parameter source (`shebao.rules.source`; a
batch may pass a `CachedSource`). This module adapts them to the items: errors named after the item's fields, the
list of tiers with their subsidies, the periods from which a choice or a rate may take effect. Each result keeps
the rule's `trace` (step, parameter, value, effective_from, reference, region).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from shebao.core.errors import ApplicationError
from shebao.core.money import to_fen
from shebao.core.parameters import ParamValue, parameter_list
from shebao.rules import contributions as rules
from shebao.rules.source import ParamSource, default_source
from shebao.rules.trace import TraceStep

RATE_PLACES = Decimal("0.000001")  # EmployerRate.employer_rate has 6 decimal places (base × grade is exact in it)
GRADE_PLACES = Decimal("0.001")
INJURY_TYPE = "410"
RESIDENT_PENSION = "170"
FLEXIBLE_TYPES = ("110", "310")  # the employee schemes a flexible worker may join with a chosen base
_DECIMAL_TEXT = re.compile(r"[0-9]{1,10}(\.[0-9]{1,8})?", re.ASCII)


def lookup(key: str, *, region: str | None, on: dt.date, source: ParamSource | None = None) -> ParamValue:
    """The parameter `key` for `region` on `on`, from the rules' parameter source."""
    return (source or default_source())(key, region, on)


def _as_field(field_name: str, rule, **kwargs):
    """Call a rule; its ApplicationError (named after a calculator input) is re-raised against this item's field."""
    try:
        return rule(**kwargs)
    except ApplicationError as exc:
        raise ApplicationError(exc.message, field=field_name) from None


def _param(key: str, *, region, on, source, field_name: str, label: str) -> ParamValue:
    try:
        return lookup(key, region=region, on=on, source=source)
    except ApplicationError:
        raise ApplicationError(
            f"{label}未配置（参数 {key}，{on:%Y-%m}），请系统管理员补充业务参数", field=field_name
        ) from None


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
    trace: tuple[TraceStep, ...]


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
    return tuple(Decimal(g) for g in parameter_list(pv.value)), pv


def injury_rate(
    risk_class: int, grade: Decimal, *, region, on: dt.date, source=None, field_name: str = "float_grade"
) -> InjuryRate:
    """02020101: `shebao.rules.contributions.injury_rate` for the unit's class and grade on a date; a grade not
    among the class's grades is refused naming `field_name`."""
    result = _as_field(
        field_name,
        rules.injury_rate,
        on=on,
        risk_class=int(risk_class),
        grade=grade,
        region=region,
        params=source,
        field=field_name,
    )
    reference = next(
        (s.reference for s in result.trace if s.parameter == f"contribution.injury.base_rate.{risk_class}"), ""
    )
    return InjuryRate(
        risk_class=result.risk_class,
        float_grade=result.grade.quantize(GRADE_PLACES),
        base_rate=result.base_rate,
        employer_rate=result.rate.quantize(RATE_PLACES, rounding=ROUND_HALF_UP),
        grades=result.grades,
        reference=reference,
        trace=result.trace,
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
    trace: tuple[TraceStep, ...]

    def get(self, amount: Decimal) -> Tier | None:
        """The tier of that amount, or None."""
        return next((t for t in self.tiers if t.amount == amount), None)


def resident_tiers(*, region, on: dt.date, source=None, field_name: str = "tier") -> TierOptions:
    """The resident pension tiers of the year of `on`, each with its subsidy (`rules.resident_pension` per tier)."""
    from shebao.rules.source import CachedSource

    source = source or CachedSource()  # twelve tiers, each parameter read once
    pv = _as_field(
        field_name,
        lookup,
        key="contribution.resident_pension.tiers",
        region=region,
        on=rules.year_end(on.year),
        source=source,
    )
    results = [
        _as_field(field_name, rules.resident_pension, year=on.year, tier=Decimal(t), region=region, params=source)
        for t in parameter_list(pv.value)
    ]
    if not results:
        raise ApplicationError("城乡居民养老保险缴费档次未配置", field=field_name)
    steps = [s for s in results[0].trace if s.parameter]
    steps += [s for r in results[1:] for s in r.trace if s.parameter and s not in steps]
    return TierOptions(tuple(Tier(r.tier, r.subsidy) for r in results), tuple(steps))


@dataclass(frozen=True)
class BaseBand:
    """The band a flexible worker's monthly base must lie in: [lower, upper] from the average wage."""

    lower: Decimal
    upper: Decimal
    average_wage: Decimal
    trace: tuple[TraceStep, ...]


def flexible_band(*, region, on: dt.date, source=None, field_name: str = "base") -> BaseBand:
    """The flexible workers' base band in force on `on` (`rules.base_bounds`, category flexible)."""
    bounds = _as_field(field_name, rules.base_bounds, on=on, region=region, category=rules.FLEXIBLE, params=source)
    return BaseBand(to_fen(bounds.lower), to_fen(bounds.upper), to_fen(bounds.average_wage), bounds.trace)


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

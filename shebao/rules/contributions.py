"""Contribution rules: base bounds, rates per insurance type and part, work-injury rate, amounts, resident tiers.

Pure functions of their inputs and a parameter source (`shebao.rules.source`); each returns a frozen result with a
`trace` (see `shebao.rules.trace`). Money is Decimal; each amount (one insurance type, one part, one month) is
rounded once, half up to the fen (`line_amount`). Months are dates (any day; the first of the month is used).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from shebao.core.errors import ApplicationError
from shebao.core.money import to_fen
from shebao.core.parameters import ParamValue, parameter_list

from .source import ParamSource, default_source
from .trace import Trace, TraceStep, show

# AAE140 insurance type codes (the names as in registration.InsuranceType; a test keeps them in step).
INSURANCE_TYPE_NAMES = {
    "110": "企业职工基本养老保险",
    "120": "机关事业单位养老保险",
    "170": "城乡居民基本养老保险",
    "210": "失业保险",
    "310": "职工基本医疗保险",
    "390": "城乡居民基本医疗保险",
    "410": "工伤保险",
    "510": "生育保险",
}
# The types assessed as a rate on a monthly base (residents pay yearly tiers: `resident_pension`).
RATED_TYPES = ("110", "120", "210", "310", "410", "510")
EMPLOYEE, FLEXIBLE = "employee", "flexible"
CATEGORIES = {EMPLOYEE: "职工", FLEXIBLE: "灵活就业人员"}
INJURY_CLASSES = range(1, 9)
PART_NAMES = {"employer": "单位", "individual": "个人"}


def month_start(day: dt.date) -> dt.date:
    """The first day of the month of `day` (months are handled as that date)."""
    return day.replace(day=1)


def year_end(year: int) -> dt.date:
    """The date whose parameters apply to a contribution year: its last day (the latest values that year)."""
    return dt.date(year, 12, 31)


def line_amount(base: Decimal, rate: Decimal) -> Decimal:
    """One ledger amount: base × rate, rounded half up to the fen (once per type, part and month)."""
    return to_fen(base * rate)


def read(params: ParamSource, key: str, region: str | None, on: dt.date, *, field: str) -> ParamValue:
    """A parameter, with a missing value reported against the rule's input `field` (e.g. month), not `key`."""
    try:
        return params(key, region, on)
    except ApplicationError as exc:
        if "key" in exc.errors:
            raise ApplicationError(exc.message, field=field) from None
        raise


def _type_name(code: str) -> str:
    return INSURANCE_TYPE_NAMES.get(code, code)


# --------------------------------------------------------------------------------------------------------------
# Base
# --------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BaseBounds:
    """The band a monthly base must lie in: lower and upper bounds from the average wage."""

    average_wage: Decimal
    lower: Decimal
    upper: Decimal
    trace: tuple[TraceStep, ...]


@dataclass(frozen=True)
class BaseResult:
    """A contribution base: the declared wage bounded to the band (`bounded` = "lower" / "upper" / "")."""

    declared: Decimal
    base: Decimal
    lower: Decimal
    upper: Decimal
    average_wage: Decimal
    bounded: str
    trace: tuple[TraceStep, ...]


def base_bounds(
    *, on: dt.date, region: str | None = None, category: str = EMPLOYEE, params: ParamSource | None = None
) -> BaseBounds:
    """020102 缴费基数上下限: 60% and 300% (by default) of the average wage in force on `on`, each to the fen."""
    params = params or default_source()
    _check_category(category)
    trace = Trace()
    avg = read(params, "contribution.average_wage", region, on, field="year")
    prefix = "contribution.base" if category == EMPLOYEE else "contribution.flexible.base"
    low = read(params, f"{prefix}.lower_ratio", region, on, field="year")
    up = read(params, f"{prefix}.upper_ratio", region, on, field="year")
    who = "" if category == EMPLOYEE else "（灵活就业人员）"
    trace.param("全口径城镇单位就业人员月平均工资", avg)
    trace.param(f"缴费基数下限比例{who}", low)
    trace.param(f"缴费基数上限倍数{who}", up)
    average = avg.as_decimal()
    lower, upper = to_fen(average * low.as_decimal()), to_fen(average * up.as_decimal())
    trace.calc("缴费基数下限 = 月平均工资 × 下限比例，四舍五入到分", lower)
    trace.calc("缴费基数上限 = 月平均工资 × 上限倍数，四舍五入到分", upper)
    return BaseBounds(average, lower, upper, tuple(trace.steps))


def contribution_base(
    *,
    on: dt.date,
    declared_monthly_wage: Decimal,
    region: str | None = None,
    category: str = EMPLOYEE,
    params: ParamSource | None = None,
) -> BaseResult:
    """020102 缴费基数核定: the declared monthly wage (to the fen) bounded to [lower, upper] on `on`."""
    if declared_monthly_wage < 0:
        raise ApplicationError("申报月平均工资不能为负数", field="declared_monthly_wage")
    bounds = base_bounds(on=on, region=region, category=category, params=params)
    trace = Trace()
    trace.extend(list(bounds.trace))
    declared = to_fen(declared_monthly_wage)
    trace.calc("申报的上年度月平均工资（四舍五入到分）", declared)
    if declared < bounds.lower:
        base, bounded = bounds.lower, "lower"
        trace.calc("低于下限，按下限核定缴费基数", base)
    elif declared > bounds.upper:
        base, bounded = bounds.upper, "upper"
        trace.calc("高于上限，按上限核定缴费基数", base)
    else:
        base, bounded = declared, ""
        trace.calc("在上下限之间，按申报工资核定缴费基数", base)
    return BaseResult(declared, base, bounds.lower, bounds.upper, bounds.average_wage, bounded, tuple(trace.steps))


# --------------------------------------------------------------------------------------------------------------
# Rates
# --------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class InjuryRate:
    """02020101 工伤保险单位费率: the class's base rate × the employer's floating grade."""

    risk_class: int
    base_rate: Decimal
    grade: Decimal
    grades: tuple[Decimal, ...]
    rate: Decimal
    trace: tuple[TraceStep, ...]


def injury_rate(
    *,
    on: dt.date,
    risk_class: int,
    grade: Decimal | None = None,
    region: str | None = None,
    params: ParamSource | None = None,
    field: str = "month",
) -> InjuryRate:
    """Work-injury employer rate on `on` for an industry risk class (1–8) and floating grade (default 1.0)."""
    params = params or default_source()
    if isinstance(risk_class, bool) or not isinstance(risk_class, int) or risk_class not in INJURY_CLASSES:
        raise ApplicationError("工伤保险行业风险类别应为1到8的整数", field="injury_class")
    trace = Trace()
    base = read(params, f"contribution.injury.base_rate.{risk_class}", region, on, field=field)
    grades_pv = read(params, f"contribution.injury.float_grades.{risk_class}", region, on, field=field)
    grades = tuple(Decimal(g) for g in parameter_list(grades_pv.value))
    trace.param(f"工伤保险第{risk_class}类行业基准费率", base)
    trace.param(f"工伤保险第{risk_class}类行业浮动档次", grades_pv, "、".join(parameter_list(grades_pv.value)))
    chosen = Decimal("1.0") if grade is None else grade
    if chosen not in grades:
        allowed = "、".join(parameter_list(grades_pv.value))
        raise ApplicationError(f"第{risk_class}类行业的费率浮动档次只能是 {allowed}", field="injury_grade")
    trace.calc("适用的浮动档次（基准费率的倍数）" + ("，未指定时按基准费率" if grade is None else ""), chosen)
    rate = (base.as_decimal() * chosen).normalize()
    trace.calc("工伤保险单位费率 = 基准费率 × 浮动档次", rate)
    return InjuryRate(risk_class, base.as_decimal(), chosen, grades, rate, tuple(trace.steps))


@dataclass(frozen=True)
class RateOverride:
    """Rates supplied by the caller for a what-if (either part may be left to the parameters)."""

    employer: Decimal | None = None
    individual: Decimal | None = None


@dataclass(frozen=True)
class Rates:
    """The employer and individual rate of one insurance type in one month."""

    insurance_type: str
    employer_rate: Decimal
    individual_rate: Decimal
    trace: tuple[TraceStep, ...]


def contribution_rates(
    *,
    month: dt.date,
    insurance_type: str,
    region: str | None = None,
    category: str = EMPLOYEE,
    injury_class: int | None = None,
    injury_grade: Decimal | None = None,
    override: RateOverride | None = None,
    params: ParamSource | None = None,
) -> Rates:
    """02020101 费率核定: the rates of `insurance_type` for the month (parameters, or the override's parts)."""
    params = params or default_source()
    _check_category(category)
    month = month_start(month)
    override = override or RateOverride()
    name = _type_name(insurance_type)
    trace = Trace()
    if insurance_type not in RATED_TYPES:
        raise ApplicationError(f"{name}不按缴费基数和费率计算（城乡居民按年度档次缴费）", field="insurance_types")
    if category == FLEXIBLE:
        key = f"contribution.flexible.rate.{insurance_type}"
        if not params.exists(key, region):
            raise ApplicationError(f"灵活就业人员不参加{name}（未设定灵活就业人员费率）", field="insurance_types")
        employer = Decimal("0")
        if override.employer not in (None, Decimal("0")):
            raise ApplicationError("灵活就业人员没有单位缴费部分，单位费率只能为0", field="rates")
        if override.individual is None:
            pv = read(params, key, region, month, field="month")
            trace.param(f"{name} 灵活就业人员缴费比例（个人全额缴纳）", pv)
            individual = pv.as_decimal()
        else:
            individual = override.individual
            trace.calc(f"{name} 个人缴费比例（试算输入）", individual)
        return Rates(insurance_type, employer, individual, tuple(trace.steps))
    if override.employer is not None:
        employer = override.employer
        trace.calc(f"{name} 单位缴费比例（试算输入）", employer)
    elif insurance_type == "410":
        if injury_class is None:
            raise ApplicationError("计算工伤保险费需要填写单位的行业风险类别（1到8）", field="injury_class")
        injury = injury_rate(on=month, risk_class=injury_class, grade=injury_grade, region=region, params=params)
        trace.extend(list(injury.trace))
        employer = injury.rate
    else:
        pv = read(params, f"contribution.rate.{insurance_type}.employer", region, month, field="month")
        trace.param(f"{name} 单位缴费比例", pv)
        employer = pv.as_decimal()
    if override.individual is not None:
        individual = override.individual
        trace.calc(f"{name} 个人缴费比例（试算输入）", individual)
    else:
        pv = read(params, f"contribution.rate.{insurance_type}.individual", region, month, field="month")
        trace.param(f"{name} 个人缴费比例", pv)
        individual = pv.as_decimal()
    return Rates(insurance_type, employer, individual, tuple(trace.steps))


# --------------------------------------------------------------------------------------------------------------
# Amounts
# --------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ContributionLine:
    """One insurance type in one month: each part's rate and amount (each amount rounded to the fen)."""

    insurance_type: str
    name: str
    employer_rate: Decimal
    employer_amount: Decimal
    individual_rate: Decimal
    individual_amount: Decimal

    @property
    def total(self) -> Decimal:
        """Employer plus individual amount."""
        return self.employer_amount + self.individual_amount


@dataclass(frozen=True)
class ContributionResult:
    """020301 应缴额: the lines of one month for one base, with the totals of each part."""

    month: dt.date
    base: Decimal
    category: str
    lines: tuple[ContributionLine, ...]
    employer_total: Decimal
    individual_total: Decimal
    total: Decimal
    trace: tuple[TraceStep, ...]


def check_insurance_types(insurance_types) -> list[str]:
    """The codes as a list: at least one, no repeats, each a known rated type (400 naming insurance_types)."""
    codes = list(insurance_types or [])
    if not codes:
        raise ApplicationError("请至少选择一个险种", field="insurance_types")
    if len(set(codes)) != len(codes):
        raise ApplicationError("险种不能重复", field="insurance_types")
    for code in codes:
        if code not in RATED_TYPES:
            known = "、".join(RATED_TYPES)
            raise ApplicationError(f"险种 {code} 不能按费率计算（可选 {known}）", field="insurance_types")
    return codes


def contribution(
    *,
    month: dt.date,
    base: Decimal,
    insurance_types,
    region: str | None = None,
    category: str = EMPLOYEE,
    rates: dict[str, RateOverride] | None = None,
    injury_class: int | None = None,
    injury_grade: Decimal | None = None,
    params: ParamSource | None = None,
) -> ContributionResult:
    """020301 应缴额核定 for one person-month: per type, employer and individual amount = base × rate, to the fen.

    The base is used as given (bound it first with `contribution_base`); `rates` overrides parts for a what-if.
    """
    params = params or default_source()
    _check_category(category)
    if base < 0:
        raise ApplicationError("缴费基数不能为负数", field="base")
    codes = check_insurance_types(insurance_types)
    rates = dict(rates or {})
    stray = [code for code in rates if code not in codes]
    if stray:
        raise ApplicationError(f"试算费率中的险种 {'、'.join(stray)} 不在所选险种中", field="rates")
    month = month_start(month)
    base = to_fen(base)
    trace = Trace()
    trace.calc(f"{month:%Y-%m} 缴费基数（{CATEGORIES[category]}）", base)
    lines = []
    for code in codes:
        r = contribution_rates(
            month=month,
            insurance_type=code,
            region=region,
            category=category,
            injury_class=injury_class,
            injury_grade=injury_grade,
            override=rates.get(code),
            params=params,
        )
        trace.extend(list(r.trace))
        employer, individual = line_amount(base, r.employer_rate), line_amount(base, r.individual_rate)
        name = _type_name(code)
        trace.calc(f"{name} 单位缴费额 = 缴费基数 × 单位费率，四舍五入到分", employer)
        trace.calc(f"{name} 个人缴费额 = 缴费基数 × 个人费率，四舍五入到分", individual)
        lines.append(ContributionLine(code, name, r.employer_rate, employer, r.individual_rate, individual))
    employer_total = sum((line.employer_amount for line in lines), Decimal("0.00"))
    individual_total = sum((line.individual_amount for line in lines), Decimal("0.00"))
    trace.calc("单位缴费合计（各险种已取整金额之和）", employer_total)
    trace.calc("个人缴费合计（各险种已取整金额之和）", individual_total)
    return ContributionResult(
        month,
        base,
        category,
        tuple(lines),
        employer_total,
        individual_total,
        employer_total + individual_total,
        tuple(trace.steps),
    )


# --------------------------------------------------------------------------------------------------------------
# Residents
# --------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ResidentPension:
    """02020102 城乡居民养老保险费额: the chosen yearly tier, the government subsidy and the account credit."""

    year: int
    tier: Decimal
    tiers: tuple[Decimal, ...]
    subsidy: Decimal
    account_credit: Decimal
    trace: tuple[TraceStep, ...]


def resident_pension(
    *, year: int, tier: Decimal, region: str | None = None, params: ParamSource | None = None
) -> ResidentPension:
    """The tier must be one of the year's tiers; subsidy = high from `high_from_tier` upwards, else low."""
    params = params or default_source()
    on = year_end(year)
    trace = Trace()
    tiers_pv = read(params, "contribution.resident_pension.tiers", region, on, field="year")
    tiers = tuple(Decimal(t) for t in parameter_list(tiers_pv.value))
    trace.param("城乡居民养老保险缴费档次（元/年）", tiers_pv, "、".join(parameter_list(tiers_pv.value)))
    if tier not in tiers:
        raise ApplicationError(f"缴费档次只能是 {'、'.join(parameter_list(tiers_pv.value))} 元之一", field="tier")
    threshold = read(params, "contribution.resident_pension.subsidy.high_from_tier", region, on, field="year")
    trace.param("享受较高补贴的最低档次（元/年）", threshold)
    if tier >= threshold.as_decimal():
        pv = read(params, "contribution.resident_pension.subsidy.high", region, on, field="year")
        trace.param("政府缴费补贴（较高档次，元/年）", pv)
    else:
        pv = read(params, "contribution.resident_pension.subsidy.low", region, on, field="year")
        trace.param("政府缴费补贴（元/年）", pv)
    subsidy = to_fen(pv.as_decimal())
    tier = to_fen(tier)
    trace.calc("个人缴费（所选档次）", tier)
    trace.calc("记入个人账户 = 个人缴费 + 政府补贴", tier + subsidy)
    return ResidentPension(year, tier, tuple(to_fen(t) for t in tiers), subsidy, tier + subsidy, tuple(trace.steps))


def _check_category(category: str) -> None:
    if category not in CATEGORIES:
        raise ApplicationError("人员类别只能是 employee（职工）或 flexible（灵活就业人员）", field="category")


__all__ = [
    "CATEGORIES",
    "EMPLOYEE",
    "FLEXIBLE",
    "INSURANCE_TYPE_NAMES",
    "RATED_TYPES",
    "BaseBounds",
    "BaseResult",
    "ContributionLine",
    "ContributionResult",
    "InjuryRate",
    "RateOverride",
    "Rates",
    "ResidentPension",
    "base_bounds",
    "check_insurance_types",
    "contribution",
    "contribution_base",
    "contribution_rates",
    "injury_rate",
    "line_amount",
    "month_start",
    "resident_pension",
    "show",
    "year_end",
]

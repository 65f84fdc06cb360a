"""The rules 020101–020103 need (base bounds, rates, due dates, late fees), read from dated parameters.

One small module on purpose: `shebao.rules` (built on branch `rules`) will hold the shared, traced rule functions;
when it lands, these functions become thin calls into it (same names and results), and nothing else here changes.
Every function takes `params`, a parameter source `(key, region=, on=) -> ParamValue` (default: `param_lookup`), so
a batch can pass a cached one.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from shebao.core.errors import ApplicationError
from shebao.core.money import to_fen
from shebao.core.parameters import ParamValue, param_lookup

ParamSource = Callable[..., ParamValue]
INJURY = "410"


def _step(trace: list, step: str, p: ParamValue) -> ParamValue:
    trace.append(
        {
            "step": step,
            "parameter": p.key,
            "value": p.value,
            "effective_from": p.effective_from.isoformat(),
            "reference": p.legal_reference,
        }
    )
    return p


# -- contribution year -------------------------------------------------------------------------------------------


def year_start(year: int, region: str | None, *, params: ParamSource = param_lookup) -> dt.date:
    """First month of contribution year `year` (缴费年度): `contribution.year_start_month` of that year."""
    month = params("contribution.year_start_month", region=region, on=dt.date(year, 1, 1)).as_int()
    if not 1 <= month <= 12:
        raise ApplicationError(f"参数 contribution.year_start_month 的取值 {month} 不是有效月份", field="parameter")
    return dt.date(year, month, 1)


def year_months(year: int, region: str | None, *, params: ParamSource = param_lookup) -> tuple[dt.date, dt.date]:
    """First and last month of contribution year `year`."""
    start = year_start(year, region, params=params)
    end_total = start.year * 12 + start.month - 1 + 11
    return start, dt.date(end_total // 12, end_total % 12 + 1, 1)


def contribution_year_of(month: dt.date, region: str | None, *, params: ParamSource = param_lookup) -> int:
    """The contribution year a month belongs to."""
    month = month.replace(day=1)
    return month.year if month >= year_start(month.year, region, params=params) else month.year - 1


# -- 020102: the base bounded to the average wage ------------------------------------------------------------------


@dataclass(frozen=True)
class BaseBounds:
    """缴费基数上下限 of a contribution year: lower/upper = ratio × 全口径城镇单位就业人员月平均工资 (to the fen)."""

    lower: Decimal
    upper: Decimal
    average_wage: Decimal
    trace: list = field(default_factory=list, compare=False)


def base_bounds(*, region: str | None, on: dt.date, params: ParamSource = param_lookup) -> BaseBounds:
    """The lower and upper base of the contribution year starting `on` (国办发〔2019〕13号: 60% – 300%)."""
    trace: list = []
    avg = _step(trace, "平均工资", params("contribution.average_wage", region=region, on=on)).as_decimal()
    low = _step(trace, "下限比例", params("contribution.base.lower_ratio", region=region, on=on)).as_decimal()
    high = _step(trace, "上限倍数", params("contribution.base.upper_ratio", region=region, on=on)).as_decimal()
    return BaseBounds(lower=to_fen(avg * low), upper=to_fen(avg * high), average_wage=avg, trace=trace)


@dataclass(frozen=True)
class BaseResult:
    """A determined base: the declared wage bounded to [lower, upper]."""

    base: Decimal
    lower: Decimal
    upper: Decimal
    average_wage: Decimal
    trace: list = field(default_factory=list, compare=False)


def bound_base(
    *, declared_monthly_wage: Decimal | None, region: str | None, on: dt.date, params: ParamSource = param_lookup
) -> BaseResult:
    """020102: the monthly base = declared monthly wage bounded to the year's bounds (no wage → the lower bound)."""
    b = base_bounds(region=region, on=on, params=params)
    if declared_monthly_wage is None:
        base, step = b.lower, "未申报工资，按下限核定"
    else:
        wage = to_fen(Decimal(declared_monthly_wage))
        base = min(max(wage, b.lower), b.upper)
        step = (
            "低于下限，按下限核定" if wage < b.lower else "高于上限，按上限核定" if wage > b.upper else "按申报工资核定"
        )
    trace = [*b.trace, {"step": step, "parameter": "", "value": str(base), "effective_from": "", "reference": ""}]
    return BaseResult(base=base, lower=b.lower, upper=b.upper, average_wage=b.average_wage, trace=trace)


# -- 020103: rates, due dates and late fees ------------------------------------------------------------------------


@dataclass(frozen=True)
class Rates:
    """The employer and individual rate of one insurance type in one month (ratios, e.g. 0.16)."""

    employer: Decimal
    individual: Decimal


def contribution_rates(
    *,
    insurance_type: str,
    month: dt.date,
    region: str | None,
    employer_rate: Decimal | None = None,
    risk_class: int | None = None,
    params: ParamSource = param_lookup,
) -> Rates:
    """Rates in force in `month`: `contribution.rate.<type>.*`; work injury from the employer's own rate
    (EmployerRate, passed as `employer_rate`) or else the base rate of its risk class."""
    individual = params(f"contribution.rate.{insurance_type}.individual", region=region, on=month).as_decimal()
    if insurance_type == INJURY:
        if employer_rate is None:
            if not risk_class:
                raise ApplicationError("单位未登记工伤风险类别，无法确定工伤保险费率", field="injury_risk_class")
            employer_rate = params(f"contribution.injury.base_rate.{risk_class}", region=region, on=month).as_decimal()
        return Rates(employer=Decimal(employer_rate), individual=individual)
    employer = params(f"contribution.rate.{insurance_type}.employer", region=region, on=month).as_decimal()
    return Rates(employer=employer, individual=individual)


def due_date(month: dt.date, region: str | None, *, params: ParamSource = param_lookup) -> dt.date:
    """Month M's contributions fall due on day `contribution.due_day` of M (the last day if M is shorter)."""
    day = params("contribution.due_day", region=region, on=month).as_int()
    last = calendar.monthrange(month.year, month.month)[1]
    return month.replace(day=max(1, min(day, last)))


@dataclass(frozen=True)
class LateFee:
    """滞纳金 on one overdue amount: whole days after the due date up to `until`, at the daily rate."""

    days: int
    rate: Decimal
    amount: Decimal


def late_fee(
    *, principal: Decimal, due: dt.date, until: dt.date, region: str | None, params: ParamSource = param_lookup
) -> LateFee:
    """社会保险法第八十六条: from the day after the due date to `until` (both counted: until − due days), at the
    daily rate in force on `until`, rounded half-up to the fen, capped at `contribution.late_fee.cap_ratio` ×
    principal when that cap is set (行政强制法第四十五条). Nothing on a refund (principal ≤ 0)."""
    rate = params("contribution.late_fee.daily_rate", region=region, on=until).as_decimal()
    days = max(0, (until - due).days)
    if principal <= 0 or days == 0:
        return LateFee(days=days, rate=rate, amount=Decimal("0.00"))
    amount = to_fen(principal * rate * days)
    try:
        cap = params("contribution.late_fee.cap_ratio", region=region, on=until).as_decimal()
    except ApplicationError:
        cap = Decimal(0)
    if cap > 0:
        amount = min(amount, to_fen(principal * cap))
    return LateFee(days=days, rate=rate, amount=amount)

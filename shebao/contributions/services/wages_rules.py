"""The rules 020101–020103 use, as calls into the shared rules library (`shebao.rules`), plus the contribution year.

The base bounds, rates, due dates and late fees are `shebao.rules` functions — the same ones the public calculators
and the monthly assessment call — so a base determined here equals the `contribution-base` calculator's answer for
the same year, region and wage. Parameters of a contribution year are read on its last calendar day
(`shebao.rules.contributions.year_end`, the calculators' convention). What `shebao.rules` has no notion of is which
months make a contribution year: `contribution.year_start_month` (1 = calendar year), read here.

Every function takes `params`, a `shebao.rules.source.ParamSource` (default: the database), so a batch passes a
`CachedSource`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from shebao.core.errors import ApplicationError
from shebao.rules import contributions as c
from shebao.rules import late_fees as lf
from shebao.rules.source import ParamSource, default_source

INJURY = "410"


# -- contribution year -------------------------------------------------------------------------------------------


def year_start(year: int, region: str | None, *, params: ParamSource | None = None) -> dt.date:
    """First month of contribution year `year` (缴费年度): `contribution.year_start_month` of that year."""
    params = params or default_source()
    month = c.read(params, "contribution.year_start_month", region, dt.date(year, 1, 1), field="year").as_int()
    if not 1 <= month <= 12:
        raise ApplicationError(f"参数 contribution.year_start_month 的取值 {month} 不是有效月份", field="parameter")
    return dt.date(year, month, 1)


def year_months(year: int, region: str | None, *, params: ParamSource | None = None) -> tuple[dt.date, dt.date]:
    """First and last month of contribution year `year`."""
    start = year_start(year, region, params=params)
    end_total = start.year * 12 + start.month - 1 + 11
    return start, dt.date(end_total // 12, end_total % 12 + 1, 1)


def contribution_year_of(month: dt.date, region: str | None, *, params: ParamSource | None = None) -> int:
    """The contribution year a month belongs to."""
    month = month.replace(day=1)
    return month.year if month >= year_start(month.year, region, params=params) else month.year - 1


def parameter_day(year: int) -> dt.date:
    """The day whose parameters (average wage, ratios) apply to contribution year `year` (as the calculators read)."""
    return c.year_end(year)


# -- 020102: the base bounded to the average wage ------------------------------------------------------------------


@dataclass(frozen=True)
class BaseBounds:
    """缴费基数上下限 of a contribution year: lower/upper = ratio × 全口径城镇单位就业人员月平均工资 (to the fen)."""

    lower: Decimal
    upper: Decimal
    average_wage: Decimal
    trace: tuple = field(default=(), compare=False)


def base_bounds(*, region: str | None, year: int, params: ParamSource | None = None) -> BaseBounds:
    """The lower and upper base of contribution year `year` (国办发〔2019〕13号: 60% – 300% by default)."""
    b = c.base_bounds(on=parameter_day(year), region=region, params=params)
    return BaseBounds(lower=b.lower, upper=b.upper, average_wage=b.average_wage, trace=b.trace)


@dataclass(frozen=True)
class BaseResult:
    """A determined base: the declared wage bounded to [lower, upper] (no wage: the lower bound)."""

    base: Decimal
    lower: Decimal
    upper: Decimal
    average_wage: Decimal
    trace: tuple = field(default=(), compare=False)


def bound_base(
    *, declared_monthly_wage: Decimal | None, region: str | None, year: int, params: ParamSource | None = None
) -> BaseResult:
    """020102: the monthly base = declared monthly wage bounded to the year's bounds (`shebao.rules`)."""
    if declared_monthly_wage is None:
        b = base_bounds(region=region, year=year, params=params)
        return BaseResult(base=b.lower, lower=b.lower, upper=b.upper, average_wage=b.average_wage, trace=b.trace)
    r = c.contribution_base(
        on=parameter_day(year), declared_monthly_wage=Decimal(declared_monthly_wage), region=region, params=params
    )
    return BaseResult(base=r.base, lower=r.lower, upper=r.upper, average_wage=r.average_wage, trace=r.trace)


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
    params: ParamSource | None = None,
) -> Rates:
    """Rates in force in `month` (`shebao.rules.contribution_rates`); work injury from the unit's own rate
    (`EmployerRate`, passed as `employer_rate`) or else the base rate of its risk class."""
    if insurance_type == INJURY and employer_rate is None and not risk_class:
        raise ApplicationError("单位未登记工伤风险类别，无法确定工伤保险费率", field="injury_risk_class")
    override = c.RateOverride(employer=Decimal(employer_rate)) if employer_rate is not None else None
    r = c.contribution_rates(
        month=month,
        insurance_type=insurance_type,
        region=region,
        injury_class=risk_class if insurance_type == INJURY else None,
        override=override,
        params=params,
    )
    return Rates(employer=r.employer_rate, individual=r.individual_rate)


def due_date(month: dt.date, region: str | None, *, params: ParamSource | None = None) -> dt.date:
    """Month M's contributions fall due on day `contribution.due_day` of M (`shebao.rules.late_fees.due_date`)."""
    return lf.due_date(month=month, region=region, params=params).date


@dataclass(frozen=True)
class LateFee:
    """滞纳金 on one overdue amount: days after the due date up to `until`, the (last) daily rate, the amount."""

    days: int
    rate: Decimal
    amount: Decimal


def late_fee(
    *, principal: Decimal, due: dt.date, until: dt.date, region: str | None, params: ParamSource | None = None
) -> LateFee:
    """社会保险法第八十六条 (`shebao.rules.late_fees.late_fee`): days = until − due, each day at the rate in force,
    capped by `contribution.late_fee.cap_ratio`, to the fen; nothing on a refund (principal ≤ 0)."""
    params = params or default_source()
    if principal <= 0:
        rate = c.read(params, "contribution.late_fee.daily_rate", region, until, field="paid_date").as_decimal()
        return LateFee(days=lf.late_fee_days(due, until), rate=rate, amount=Decimal("0.00"))
    r = lf.late_fee(principal=principal, due_date=due, paid_date=until, region=region, params=params)
    rate = (
        r.segments[-1].daily_rate
        if r.segments
        else c.read(params, "contribution.late_fee.daily_rate", region, until, field="paid_date").as_decimal()
    )
    return LateFee(days=r.days, rate=rate, amount=r.late_fee)

"""Collection policy read from parameters: who collects, the 110% rule for undeclared months, deferral limits."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from shebao.core.errors import ApplicationError
from shebao.core.money import to_fen
from shebao.core.parameters import parameter_list

from .contributions import month_start, read
from .source import ParamSource, default_source
from .trace import Trace, TraceStep

COLLECTORS = {"agency": "社会保险经办机构征收", "tax": "税务机关征收"}


@dataclass(frozen=True)
class Collector:
    """Who collects the contributions of a region on a date: "agency" or "tax"."""

    code: str
    label: str
    trace: tuple[TraceStep, ...]


def collector(*, on: dt.date, region: str | None = None, params: ParamSource | None = None) -> Collector:
    """`contribution.collector` in force on `on` (a value other than agency / tax is a 400 for the administrator)."""
    params = params or default_source()
    pv = read(params, "contribution.collector", region, on, field="region")
    if pv.value not in COLLECTORS:
        raise ApplicationError(
            f"参数 contribution.collector 的取值“{pv.value}”无效（应为 agency 或 tax），请系统管理员更正",
            field="parameter",
        )
    trace = Trace()
    trace.param("社会保险费征收机构", pv, COLLECTORS[pv.value])
    return Collector(pv.value, COLLECTORS[pv.value], tuple(trace.steps))


@dataclass(frozen=True)
class UndeclaredAmount:
    """020301 未申报: the amount assessed for an undeclared month (previous month × the ratio, to the fen)."""

    previous: Decimal
    ratio: Decimal
    amount: Decimal
    trace: tuple[TraceStep, ...]


def undeclared_amount(
    *, previous_amount: Decimal, month: dt.date, region: str | None = None, params: ParamSource | None = None
) -> UndeclaredAmount:
    """An employer that did not declare is assessed at `contribution.undeclared_ratio` (110%) of last month."""
    params = params or default_source()
    if previous_amount < 0:
        raise ApplicationError("上月缴费额不能为负数", field="previous_amount")
    pv = read(params, "contribution.undeclared_ratio", region, month_start(month), field="month")
    trace = Trace()
    trace.param("未申报时按上月缴费额的倍数确定应缴数额", pv)
    amount = to_fen(previous_amount * pv.as_decimal())
    trace.calc("暂定应缴数额 = 上月缴费额 × 倍数，四舍五入到分", amount)
    return UndeclaredAmount(to_fen(previous_amount), pv.as_decimal(), amount, tuple(trace.steps))


@dataclass(frozen=True)
class DeferralLimits:
    """020302 缓缴: the longest deferral and the insurance types whose employer part may be deferred."""

    max_months: int
    insurance_types: tuple[str, ...]
    trace: tuple[TraceStep, ...]


def deferral_limits(*, on: dt.date, region: str | None = None, params: ParamSource | None = None) -> DeferralLimits:
    """The deferral parameters in force on `on`."""
    params = params or default_source()
    months = read(params, "contribution.deferral.max_months", region, on, field="start_month")
    types = read(params, "contribution.deferral.insurance_types", region, on, field="start_month")
    trace = Trace()
    trace.param("缓缴最长期限（月）", months)
    trace.param("可以缓缴的险种", types, "、".join(parameter_list(types.value)))
    return DeferralLimits(months.as_int(), tuple(parameter_list(types.value)), tuple(trace.steps))


def arrears_notice_days(*, on: dt.date, region: str | None = None, params: ParamSource | None = None) -> int:
    """020502 责令限期缴纳: the days allowed from service of the notice (`contribution.arrears.notice_days`)."""
    params = params or default_source()
    return read(params, "contribution.arrears.notice_days", region, on, field="region").as_int()

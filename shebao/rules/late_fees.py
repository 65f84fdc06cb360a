"""Due dates, late fees (滞纳金) and back-payment (补缴) with late fees.

Day count (decided in docs/decisions.md "Late fee"): a month's contributions fall due on day `contribution.due_day`
of that month; the late fee runs from the day after the due date up to and including the day of payment, so
days = payment date − due date (calendar days, leap days included; paying on or before the due date: 0 days).
Sources: 社会保险法第八十六条 ("自欠缴之日起，按日加收万分之五的滞纳金": the first day in arrears is the day after the
deadline) and, for the start and end days, 税收征收管理法实施细则第七十五条 ("缴纳期限届满次日起至实际缴纳或者解缴
税款之日止"), which also governs where the tax authority collects.

Rate: the daily rate in force on each overdue day (`contribution.late_fee.daily_rate`: 0.2% under 社会保险费征缴
暂行条例第十三条 until 2011-06-30, 0.05% from 2011-07-01), so a debt straddling 2011-07-01 is split there.

Cap: the 社会保险法 sets none; 行政强制法第四十五条第二款 says a 滞纳金 imposed to enforce a money obligation may not
exceed the obligation. Whether it binds the 社会保险法 late fee is disputed, so the cap is a dated per-region
parameter, `contribution.late_fee.cap_ratio` (multiple of the principal; 0 = no cap), read on the payment date:
national default 1 from 2012-01-01 (when the 行政强制法 took effect), none before.

Rounding: the late fee of one principal is Σ(days × daily rate) × principal, capped, then rounded once half up to
the fen.
"""

from __future__ import annotations

import datetime as dt
from calendar import monthrange
from dataclasses import dataclass
from decimal import Decimal

from shebao.core.errors import ApplicationError
from shebao.core.money import to_fen

from .contributions import (
    EMPLOYEE,
    RateOverride,
    check_insurance_types,
    contribution,
    month_start,
    read,
)
from .source import ParamSource, default_source
from .trace import Trace, TraceStep

# A back-payment covers at most this many months (50 years): beyond it the request is absurd, not a calculation.
MAX_BACK_PAYMENT_MONTHS = 600
# A late-fee day count beyond 100 years is refused as absurd.
MAX_LATE_FEE_DAYS = 36_600


@dataclass(frozen=True)
class DueDate:
    """The last day to pay a month's contributions without a late fee."""

    month: dt.date
    date: dt.date
    trace: tuple[TraceStep, ...]


def due_date(*, month: dt.date, region: str | None = None, params: ParamSource | None = None) -> DueDate:
    """Day `contribution.due_day` of the month (the month's last day when it has fewer days), in force that month."""
    params = params or default_source()
    month = month_start(month)
    pv = read(params, "contribution.due_day", region, month, field="month")
    trace = Trace()
    trace.param("当月社会保险费缴纳期限（每月第几日）", pv)
    day = min(max(pv.as_int(), 1), monthrange(month.year, month.month)[1])
    due = month.replace(day=day)
    trace.calc(f"{month:%Y-%m} 缴纳期限", due)
    return DueDate(month, due, tuple(trace.steps))


def late_fee_days(due: dt.date, paid: dt.date) -> int:
    """Days in arrears: from the day after `due` to `paid` inclusive (0 when paid on or before `due`)."""
    return max((paid - due).days, 0)


@dataclass(frozen=True)
class LateFeeSegment:
    """Overdue days charged at one daily rate."""

    start: dt.date | None
    end: dt.date | None
    days: int
    daily_rate: Decimal


@dataclass(frozen=True)
class LateFee:
    """020303 滞纳金: days in arrears, the fee before any cap, the cap, and the fee charged (to the fen)."""

    principal: Decimal
    days: int
    segments: tuple[LateFeeSegment, ...]
    uncapped: Decimal
    cap: Decimal | None
    late_fee: Decimal
    trace: tuple[TraceStep, ...]


def late_fee(
    *,
    principal: Decimal,
    due_date: dt.date | None = None,
    paid_date: dt.date | None = None,
    days: int | None = None,
    on: dt.date | None = None,
    region: str | None = None,
    params: ParamSource | None = None,
) -> LateFee:
    """The late fee on `principal`, either between `due_date` and `paid_date` or for a number of `days`.

    With `days`, the daily rate and the cap are those in force on `on` (default: today).
    """
    params = params or default_source()
    if principal < 0:
        raise ApplicationError("欠缴金额不能为负数", field="principal")
    principal = to_fen(principal)
    trace = Trace()
    trace.calc("欠缴金额（本金）", principal)
    if days is not None:
        if due_date is not None or paid_date is not None:
            raise ApplicationError("请填写滞纳天数，或者填写缴纳期限和缴纳日期，不能同时填写", field="days")
        if isinstance(days, bool) or not isinstance(days, int) or not 0 <= days <= MAX_LATE_FEE_DAYS:
            raise ApplicationError(f"滞纳天数应为0到{MAX_LATE_FEE_DAYS}之间的整数", field="days")
        on = on or dt.date.today()
        pv = read(params, "contribution.late_fee.daily_rate", region, on, field="days")
        trace.param("滞纳金日费率", pv)
        trace.calc("滞纳天数（输入）", days)
        segments = (LateFeeSegment(None, None, days, pv.as_decimal()),)
        cap_day = on
    else:
        missing = {}
        if due_date is None:
            missing["due_date"] = ["请填写缴纳期限（或者填写滞纳天数）"]
        if paid_date is None:
            missing["paid_date"] = ["请填写缴纳日期（或者填写滞纳天数）"]
        if missing:
            raise ApplicationError(next(iter(missing.values()))[0], errors=missing)
        days = late_fee_days(due_date, paid_date)
        trace.calc("缴纳期限", due_date)
        trace.calc("缴纳日期", paid_date)
        trace.calc("滞纳天数 = 自缴纳期限次日起至缴纳之日（含当日）的日历天数", days)
        segments = _segments(params, region, due_date, paid_date, trace) if days else ()
        cap_day = paid_date
    for seg in segments:
        if seg.start:
            trace.calc(f"{seg.start} 至 {seg.end} 按日费率 {seg.daily_rate} 计的天数", seg.days)
    factor = sum((seg.days * seg.daily_rate for seg in segments), Decimal("0"))
    uncapped = principal * factor
    trace.calc("滞纳金（未封顶）= 欠缴金额 × Σ(天数 × 日费率)", to_fen(uncapped))
    cap = None
    fee = uncapped
    cap_pv = read(params, "contribution.late_fee.cap_ratio", region, cap_day, field="paid_date")
    trace.param("滞纳金上限（欠缴金额的倍数，0 为不设上限）", cap_pv)
    if cap_pv.as_decimal() > 0:
        cap = to_fen(principal * cap_pv.as_decimal())
        if uncapped > cap:
            fee = cap
            trace.calc("超过上限，按上限计收", cap)
    fee = to_fen(fee)
    trace.calc("滞纳金（四舍五入到分）", fee)
    return LateFee(principal, days, tuple(segments), to_fen(uncapped), cap, fee, tuple(trace.steps))


def _segments(params, region, due: dt.date, paid: dt.date, trace: Trace) -> tuple[LateFeeSegment, ...]:
    """Split the overdue days [due + 1, paid] where the daily rate changes; each part at its own rate."""
    first = due + dt.timedelta(days=1)
    try:
        versions = params.history("contribution.late_fee.daily_rate", region, first, paid)
    except ApplicationError as exc:
        if "key" in exc.errors:
            raise ApplicationError(exc.message, field="due_date") from None
        raise
    out = []
    for i, pv in enumerate(versions):
        trace.param("滞纳金日费率", pv)
        start = max(first, pv.effective_from)
        end = versions[i + 1].effective_from - dt.timedelta(days=1) if i + 1 < len(versions) else paid
        out.append(LateFeeSegment(start, end, (end - start).days + 1, pv.as_decimal()))
    return tuple(out)


@dataclass(frozen=True)
class BackPaymentLine:
    """One month of a back-payment: amounts owed, due date, days late and late fee."""

    month: dt.date
    due_date: dt.date
    days: int
    employer_amount: Decimal
    individual_amount: Decimal
    principal: Decimal
    late_fee: Decimal

    @property
    def total(self) -> Decimal:
        """Principal plus late fee."""
        return self.principal + self.late_fee


@dataclass(frozen=True)
class BackPayment:
    """020303 补缴核定: per month lines and the totals (each total is the sum of the rounded lines)."""

    lines: tuple[BackPaymentLine, ...]
    employer_total: Decimal
    individual_total: Decimal
    principal_total: Decimal
    late_fee_total: Decimal
    total: Decimal
    trace: tuple[TraceStep, ...]


def months_between(first: dt.date, last: dt.date) -> list[dt.date]:
    """The first days of the months from `first` to `last`, both included."""
    start, end = month_start(first), month_start(last)
    out = []
    while start <= end:
        out.append(start)
        start = (start + dt.timedelta(days=32)).replace(day=1)
    return out


def back_payment(
    *,
    from_month: dt.date,
    to_month: dt.date,
    base: Decimal,
    insurance_types,
    paid_date: dt.date,
    region: str | None = None,
    category: str = EMPLOYEE,
    rates: dict[str, RateOverride] | None = None,
    injury_class: int | None = None,
    injury_grade: Decimal | None = None,
    with_late_fee: bool = True,
    params: ParamSource | None = None,
) -> BackPayment:
    """Each month from `from_month` to `to_month`: `contribution` on `base`, its due date and, when
    `with_late_fee`, the late fee on the month's whole amount (employer and individual part) up to `paid_date`."""
    params = params or default_source()
    first, last = month_start(from_month), month_start(to_month)
    errors: dict[str, list[str]] = {}
    if last < first:
        errors["to_month"] = ["截止月份不能早于起始月份"]
    elif len(months_between(first, last)) > MAX_BACK_PAYMENT_MONTHS:
        errors["to_month"] = [f"一次补缴最多{MAX_BACK_PAYMENT_MONTHS}个月"]
    if last > month_start(paid_date):
        errors.setdefault("to_month", []).append("补缴的月份不能晚于缴纳日期所在月份")
    if base < 0:
        errors["base"] = ["缴费基数不能为负数"]
    if errors:
        raise ApplicationError(next(iter(errors.values()))[0], errors=errors)
    check_insurance_types(insurance_types)
    trace = Trace()
    lines = []
    for month in months_between(first, last):
        month_params = _MonthField(params, month)
        owed = contribution(
            month=month,
            base=base,
            insurance_types=insurance_types,
            region=region,
            category=category,
            rates=rates,
            injury_class=injury_class,
            injury_grade=injury_grade,
            params=month_params,
        )
        due = due_date(month=month, region=region, params=month_params)
        trace.extend([s for s in (*owed.trace, *due.trace) if s.parameter])
        if with_late_fee:
            fee = late_fee(
                principal=owed.total, due_date=due.date, paid_date=paid_date, region=region, params=month_params
            )
            trace.extend([s for s in fee.trace if s.parameter])
            days, amount = fee.days, fee.late_fee
        else:
            days, amount = 0, Decimal("0.00")
        lines.append(
            BackPaymentLine(month, due.date, days, owed.employer_total, owed.individual_total, owed.total, amount)
        )
        trace.calc(
            f"{month:%Y-%m} 应缴 {owed.total}（单位 {owed.employer_total}，个人 {owed.individual_total}），"
            f"缴纳期限 {due.date}，滞纳 {days} 天，滞纳金",
            amount,
        )
    if not with_late_fee:
        trace.calc("本次补缴不加收滞纳金", "0.00")
    totals = {
        name: sum((getattr(line, name) for line in lines), Decimal("0.00"))
        for name in ("employer_amount", "individual_amount", "principal", "late_fee")
    }
    total = totals["principal"] + totals["late_fee"]
    trace.calc("补缴本金合计（各月之和）", totals["principal"])
    trace.calc("滞纳金合计（各月之和）", totals["late_fee"])
    trace.calc("应补缴合计 = 本金 + 滞纳金", total)
    return BackPayment(
        tuple(lines),
        totals["employer_amount"],
        totals["individual_amount"],
        totals["principal"],
        totals["late_fee"],
        total,
        tuple(trace.steps),
    )


class _MonthField(ParamSource):
    """The caller's source, with a value missing for a month reported against from_month (the period's start)."""

    def __init__(self, inner: ParamSource, month: dt.date) -> None:
        self._inner, self._month = inner, month

    def _reported(self, exc: ApplicationError) -> ApplicationError:
        if "key" in exc.errors:
            return ApplicationError(f"{self._month:%Y-%m}：{exc.message}", field="from_month")
        return exc

    def __call__(self, key, region, on):
        try:
            return self._inner(key, region, on)
        except ApplicationError as exc:
            raise self._reported(exc) from None

    def history(self, key, region, start, end):
        try:
            return self._inner.history(key, region, start, end)
        except ApplicationError as exc:
            raise self._reported(exc) from None

    def exists(self, key, region):
        return self._inner.exists(key, region)

    def check_region(self, region):
        return self._inner.check_region(region)

"""Due dates, late-fee day counts (leap years, month and year ends), the 2011-07-01 rate change, the cap, back-pay."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest

from shebao.core.errors import ApplicationError
from shebao.rules import back_payment, due_date, late_fee, late_fee_days

from .conftest import with_values

M = dt.date


@pytest.mark.parametrize(
    ("due", "paid", "days"),
    [
        (M(2024, 3, 15), M(2024, 3, 15), 0),  # paid on the due date
        (M(2024, 3, 15), M(2024, 3, 1), 0),  # paid early
        (M(2024, 3, 15), M(2024, 3, 16), 1),  # the day after: one day
        (M(2024, 2, 15), M(2024, 3, 15), 29),  # leap February
        (M(2023, 2, 15), M(2023, 3, 15), 28),
        (M(2024, 2, 28), M(2024, 3, 1), 2),  # 29 February counts
        (M(2023, 2, 28), M(2023, 3, 1), 1),
        (M(2023, 12, 15), M(2024, 1, 15), 31),  # across the year end
        (M(2024, 1, 31), M(2024, 2, 29), 29),  # month ends
        (M(2023, 1, 15), M(2024, 1, 15), 365),
        (M(2024, 1, 15), M(2025, 1, 15), 366),  # a leap year in between
    ],
)
def test_days_from_the_day_after_the_due_date_to_the_payment_date_inclusive(yaml_params, due, paid, days):
    assert late_fee_days(due, paid) == days
    result = late_fee(principal=D("10000"), due_date=due, paid_date=paid, params=yaml_params)
    assert result.days == days
    assert result.late_fee == D("10000") * D("0.0005") * days  # 5.00 a day, no rounding left


@pytest.mark.parametrize(
    ("month", "due_day", "due"),
    [
        (M(2024, 2, 1), "31", M(2024, 2, 29)),  # a day the month lacks: its last day
        (M(2023, 2, 1), "31", M(2023, 2, 28)),
        (M(2024, 4, 1), "31", M(2024, 4, 30)),
        (M(2024, 5, 20), "31", M(2024, 5, 31)),
        (M(2024, 5, 20), "15", M(2024, 5, 15)),
    ],
)
def test_due_date_of_a_month(yaml_params, month, due_day, due):
    source = with_values(yaml_params, "contribution.due_day", ("1999-01-22", due_day, None))
    assert due_date(month=month, params=source).date == due


def test_shipped_due_day_is_the_15th(yaml_params):
    result = due_date(month=M(2024, 6, 1), params=yaml_params)
    assert result.date == M(2024, 6, 15)
    assert result.trace[0].parameter == "contribution.due_day"


def test_days_straddling_2011_07_01_are_charged_at_each_days_rate(yaml_params):
    # 2011-06-16 … 06-30: 15 days at 0.2% (条例第十三条); 07-01 … 07-10: 10 days at 0.05% (社会保险法第八十六条).
    result = late_fee(principal=D("1000"), due_date=M(2011, 6, 15), paid_date=M(2011, 7, 10), params=yaml_params)
    assert [(s.start, s.end, s.days, s.daily_rate) for s in result.segments] == [
        (M(2011, 6, 16), M(2011, 6, 30), 15, D("0.002")),
        (M(2011, 7, 1), M(2011, 7, 10), 10, D("0.0005")),
    ]
    assert (result.days, result.late_fee) == (25, D("35.00"))
    assert [s.reference for s in result.trace if s.parameter.endswith("daily_rate")] == [
        "社会保险费征缴暂行条例第十三条",
        "社会保险法第八十六条",
    ]


@pytest.mark.parametrize(
    ("principal", "days", "fee"),
    [
        ("10.00", 1, "0.01"),  # 0.005 → 0.01 (half up)
        ("9.00", 1, "0.00"),  # 0.0045 → 0.00
        ("333.33", 3, "0.50"),  # 0.499995
        ("1000.00", 30, "15.00"),
        ("0", 100, "0.00"),
    ],
)
def test_late_fee_for_a_number_of_days_rounds_half_up(yaml_params, principal, days, fee):
    result = late_fee(principal=D(principal), days=days, on=M(2024, 6, 1), params=yaml_params)
    assert result.late_fee == D(fee)


def test_cap_at_the_principal_from_2012(yaml_params):
    # 0.05% × 2,500 days = 125% of the principal: capped at 100% (行政强制法第四十五条, parameter cap_ratio = 1).
    result = late_fee(principal=D("800"), days=2500, on=M(2024, 6, 1), params=yaml_params)
    assert (result.uncapped, result.cap, result.late_fee) == (D("1000.00"), D("800.00"), D("800.00"))
    assert "行政强制法第四十五条" in next(s.reference for s in result.trace if s.parameter.endswith("cap_ratio"))


def test_no_cap_where_the_ratio_is_zero(yaml_params):
    result = late_fee(principal=D("800"), due_date=M(2000, 1, 15), paid_date=M(2011, 6, 30), params=yaml_params)
    assert result.cap is None
    assert result.late_fee == D("800") * D("0.002") * result.days  # far beyond the principal
    assert result.late_fee > 5 * D("800")


@pytest.mark.parametrize(
    ("kwargs", "fields"),
    [
        ({"principal": D("-1"), "days": 3}, ["principal"]),
        ({"principal": D("1"), "days": -1}, ["days"]),
        ({"principal": D("1"), "days": 36_601}, ["days"]),
        ({"principal": D("1"), "days": 3, "due_date": M(2024, 1, 15)}, ["days"]),
        ({"principal": D("1")}, ["due_date", "paid_date"]),
        ({"principal": D("1"), "due_date": M(2024, 1, 15)}, ["paid_date"]),
        ({"principal": D("1"), "due_date": M(1998, 1, 15), "paid_date": M(1998, 3, 1)}, ["due_date"]),
        ({"principal": D("1"), "days": 3, "region": "123456"}, ["region"]),
    ],
)
def test_late_fee_bad_input_names_the_fields(yaml_params, kwargs, fields):
    with pytest.raises(ApplicationError) as exc:
        late_fee(params=yaml_params, **kwargs)
    assert list(exc.value.errors) == fields


def test_back_payment_lines_follow_the_rates_of_each_month(yaml_params):
    result = back_payment(
        from_month=M(2019, 3, 1),
        to_month=M(2019, 6, 1),
        base=D("5000"),
        insurance_types=["110"],
        paid_date=M(2019, 7, 15),
        params=yaml_params,
    )
    rows = [(line.month, line.due_date, line.days, line.employer_amount, line.late_fee) for line in result.lines]
    assert rows == [
        (M(2019, 3, 1), M(2019, 3, 15), 122, D("1000.00"), D("85.40")),  # 1400 × 122 × 0.0005
        (M(2019, 4, 1), M(2019, 4, 15), 91, D("1000.00"), D("63.70")),
        (M(2019, 5, 1), M(2019, 5, 15), 61, D("800.00"), D("36.60")),  # 1200 × 61 × 0.0005
        (M(2019, 6, 1), M(2019, 6, 15), 30, D("800.00"), D("18.00")),
    ]
    assert result.principal_total == D("5200.00")
    assert result.late_fee_total == D("203.70")
    assert result.total == D("5403.70")
    employer_steps = [s for s in result.trace if s.parameter == "contribution.rate.110.employer"]
    assert [s.value for s in employer_steps] == ["0.20", "0.16"]  # each rate once, not once per month


def test_back_payment_without_late_fee(yaml_params):
    result = back_payment(
        from_month=M(2024, 1, 1),
        to_month=M(2024, 2, 1),
        base=D("6034.90"),
        insurance_types=["110"],
        category="flexible",
        paid_date=M(2024, 12, 1),
        with_late_fee=False,
        params=yaml_params,
    )
    assert [line.late_fee for line in result.lines] == [D("0.00"), D("0.00")]
    assert result.total == result.principal_total == D("2413.96")


@pytest.mark.parametrize(
    ("kwargs", "fields"),
    [
        ({"to_month": M(2023, 12, 1)}, ["to_month"]),
        ({"from_month": M(1970, 1, 1), "to_month": M(2024, 3, 1)}, ["to_month"]),
        ({"paid_date": M(2024, 2, 29)}, ["to_month"]),
        ({"base": D("-1")}, ["base"]),
        ({"from_month": M(2005, 11, 1)}, ["from_month"]),
        ({"insurance_types": ["390"]}, ["insurance_types"]),
    ],
)
def test_back_payment_bad_input_names_the_fields(yaml_params, kwargs, fields):
    args = {
        "from_month": M(2024, 1, 1),
        "to_month": M(2024, 3, 1),
        "base": D("5000"),
        "insurance_types": ["110"],
        "paid_date": M(2024, 6, 1),
        **kwargs,
    }
    with pytest.raises(ApplicationError) as exc:
        back_payment(params=yaml_params, **args)
    assert list(exc.value.errors) == fields, exc.value.errors

"""Properties (hypothesis, shipped YAML in memory): totals are the sums of their rounded lines, bases stay inside
their band, late fees grow with the days and never pass the cap, employer totals are the sums of person lines."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from shebao.core.money import to_fen
from shebao.rules import (
    back_payment,
    base_bounds,
    contribution,
    contribution_base,
    late_fee,
    line_amount,
)

from .conftest import YAML

money = st.decimals(min_value=0, max_value=Decimal("999999.99"), places=2, allow_nan=False, allow_infinity=False)
months = st.dates(min_value=dt.date(2016, 1, 1), max_value=dt.date(2026, 12, 31)).map(lambda d: d.replace(day=1))
regions = st.sampled_from([None, "330000", "330100", "330102", "330105", "110105"])
type_sets = st.lists(st.sampled_from(["110", "210", "310", "410", "510"]), min_size=1, max_size=5, unique=True)
categories = st.sampled_from(["employee", "flexible"])
fast = settings(max_examples=150, deadline=None)


@fast
@given(month=months, base=money, codes=type_sets, region=regions, risk=st.integers(1, 8))
def test_contribution_totals_are_the_sums_of_the_rounded_lines(month, base, codes, region, risk):
    result = contribution(month=month, base=base, insurance_types=codes, region=region, injury_class=risk, params=YAML)
    assert [line.insurance_type for line in result.lines] == codes
    for line in result.lines:
        assert line.employer_amount == line_amount(result.base, line.employer_rate)
        assert line.individual_amount == line_amount(result.base, line.individual_rate)
        assert line.employer_amount == to_fen(line.employer_amount)  # already to the fen
    assert result.employer_total == sum(line.employer_amount for line in result.lines)
    assert result.individual_total == sum(line.individual_amount for line in result.lines)
    assert result.total == result.employer_total + result.individual_total
    # Rounding per line: each line is within half a fen of the exact amount.
    for line in result.lines:
        assert abs(line.employer_amount - result.base * line.employer_rate) <= Decimal("0.005")


@fast
@given(on=months, wage=money, region=regions, category=categories)
def test_base_always_lies_within_the_band(on, wage, region, category):
    result = contribution_base(on=on, declared_monthly_wage=wage, region=region, category=category, params=YAML)
    assert result.lower <= result.base <= result.upper
    if result.lower <= wage <= result.upper:
        assert result.base == wage and result.bounded == ""
    else:
        assert result.bounded in ("lower", "upper")
    assert (result.lower, result.upper) == (
        base_bounds(on=on, region=region, category=category, params=YAML).lower,
        base_bounds(on=on, region=region, category=category, params=YAML).upper,
    )


@fast
@given(
    principal=money,
    due=st.dates(min_value=dt.date(2012, 1, 1), max_value=dt.date(2030, 12, 31)),
    days=st.integers(0, 4000),
    more=st.integers(0, 400),
)
def test_late_fee_grows_with_the_days_and_never_passes_the_principal(principal, due, days, more):
    short = late_fee(principal=principal, due_date=due, paid_date=due + dt.timedelta(days=days), params=YAML)
    longer = late_fee(principal=principal, due_date=due, paid_date=due + dt.timedelta(days=days + more), params=YAML)
    assert short.days == days
    assert Decimal("0") <= short.late_fee <= longer.late_fee <= to_fen(principal)


@settings(max_examples=60, deadline=None)
@given(
    start=st.dates(min_value=dt.date(2016, 1, 1), max_value=dt.date(2024, 12, 1)).map(lambda d: d.replace(day=1)),
    span=st.integers(0, 30),
    base=money,
    codes=type_sets,
    region=regions,
    late=st.integers(0, 2000),
)
def test_back_payment_totals_are_the_sums_of_the_month_lines(start, span, base, codes, region, late):
    last = (start + dt.timedelta(days=31 * span)).replace(day=1)
    paid = last.replace(day=28) + dt.timedelta(days=late)
    result = back_payment(
        from_month=start,
        to_month=last,
        base=base,
        insurance_types=codes,
        paid_date=paid,
        region=region,
        injury_class=4,
        params=YAML,
    )
    assert (result.lines[0].month, result.lines[-1].month) == (start, last)
    assert result.principal_total == sum(line.principal for line in result.lines)
    assert result.late_fee_total == sum(line.late_fee for line in result.lines)
    assert result.employer_total + result.individual_total == result.principal_total
    assert result.total == result.principal_total + result.late_fee_total
    for line in result.lines:
        assert line.principal == line.employer_amount + line.individual_amount
        same = contribution(
            month=line.month, base=base, insurance_types=codes, region=region, injury_class=4, params=YAML
        )
        assert (line.employer_amount, line.individual_amount) == (same.employer_total, same.individual_total)


@fast
@given(month=months, bases=st.lists(money, min_size=1, max_size=30), codes=type_sets, region=regions)
def test_employer_totals_equal_the_sum_of_person_lines(month, bases, codes, region):
    # An employer's bill is its people's lines added up: each line rounded once, never the total re-rounded.
    people = [
        contribution(month=month, base=b, insurance_types=codes, region=region, injury_class=1, params=YAML)
        for b in bases
    ]
    employer_part = sum(p.employer_total for p in people)
    by_type = {
        code: sum(line.employer_amount for p in people for line in p.lines if line.insurance_type == code)
        for code in codes
    }
    assert employer_part == sum(by_type.values())
    assert sum(p.total for p in people) == employer_part + sum(p.individual_total for p in people)

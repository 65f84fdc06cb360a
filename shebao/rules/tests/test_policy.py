"""Collection policy parameters: who collects, the 110% rule for undeclared months, deferral limits, notice days."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest

from shebao.core.errors import ApplicationError
from shebao.rules import arrears_notice_days, collector, deferral_limits, undeclared_amount

from .conftest import with_values


def test_collector_is_the_agency_by_default_and_tax_where_set(yaml_params):
    assert collector(on=dt.date(2024, 1, 1), params=yaml_params).code == "agency"
    source = with_values(
        yaml_params, "contribution.collector", ("1999-01-22", "agency", None), ("2020-11-01", "tax", "330000")
    )
    assert collector(on=dt.date(2020, 10, 31), region="330102", params=source).code == "agency"
    taxed = collector(on=dt.date(2020, 11, 1), region="330102", params=source)
    assert (taxed.code, taxed.label, taxed.trace[0].region) == ("tax", "税务机关征收", "330000")


def test_a_collector_value_other_than_agency_or_tax_is_a_clear_400(yaml_params):
    source = with_values(yaml_params, "contribution.collector", ("1999-01-22", "bank", None))
    with pytest.raises(ApplicationError) as exc:
        collector(on=dt.date(2024, 1, 1), params=source)
    assert list(exc.value.errors) == ["parameter"] and "bank" in exc.value.message


@pytest.mark.parametrize(
    ("previous", "amount"),
    [("1000.00", "1100.00"), ("0.05", "0.06"), ("12345.65", "13580.22"), ("0", "0.00")],  # 0.055 → 0.06
)
def test_undeclared_month_is_110_percent_of_the_previous_month(yaml_params, previous, amount):
    result = undeclared_amount(previous_amount=D(previous), month=dt.date(2024, 3, 1), params=yaml_params)
    assert result.amount == D(amount)
    assert result.trace[0].reference == "社会保险法第六十二条"


def test_undeclared_previous_amount_cannot_be_negative(yaml_params):
    with pytest.raises(ApplicationError) as exc:
        undeclared_amount(previous_amount=D("-1"), month=dt.date(2024, 3, 1), params=yaml_params)
    assert list(exc.value.errors) == ["previous_amount"]


def test_deferral_limits_and_notice_days(yaml_params):
    limits = deferral_limits(on=dt.date(2022, 5, 1), params=yaml_params)
    assert (limits.max_months, limits.insurance_types) == (12, ("110", "210", "410"))
    with pytest.raises(ApplicationError) as exc:
        deferral_limits(on=dt.date(2022, 3, 31), params=yaml_params)  # before the deferral policy
    assert list(exc.value.errors) == ["start_month"]
    assert arrears_notice_days(on=dt.date(2024, 1, 1), params=yaml_params) == 10

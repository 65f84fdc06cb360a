"""The rules 020101–020103 read from parameters (until `shebao.rules` holds them): period/input/output tables."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from shebao.contributions.services import wages_rules as rules
from shebao.core.models import Parameter

pytestmark = [pytest.mark.django_db, pytest.mark.catalog("020102", "020103")]
D = Decimal


@pytest.mark.parametrize(
    ("region", "year", "wage", "base", "lower", "upper"),
    [
        # 浙江省 demo average wage 7680 for 2025: bounds 4608.00 – 23040.00
        ("330102", 2025, "4607.99", "4608.00", "4608.00", "23040.00"),
        ("330102", 2025, "4608.00", "4608.00", "4608.00", "23040.00"),
        ("330102", 2025, "8000.004", "8000.00", "4608.00", "23040.00"),
        ("330102", 2025, "23040.01", "23040.00", "4608.00", "23040.00"),
        ("330102", 2025, None, "4608.00", "4608.00", "23040.00"),
        # the year before: average 7437 → 4462.20 – 22311.00 (the average wage changes with the year)
        ("330102", 2024, "4000", "4462.20", "4462.20", "22311.00"),
        # national default 2025: 10342.50 → 6205.50 – 31027.50
        (None, 2025, "40000", "31027.50", "6205.50", "31027.50"),
    ],
)
def test_bound_base(region, year, wage, base, lower, upper):
    r = rules.bound_base(declared_monthly_wage=None if wage is None else D(wage), region=region, year=year)
    assert (r.base, r.lower, r.upper) == (D(base), D(lower), D(upper))
    assert [s.parameter for s in r.trace[:3]] == [
        "contribution.average_wage",
        "contribution.base.lower_ratio",
        "contribution.base.upper_ratio",
    ]


def test_a_base_equals_the_public_calculators_answer(client):
    """The same rule function: the `contribution-base` calculator gives the base the determination stores."""
    res = client.post(
        "/api/v1/calculate/contribution-base/",
        {"year": 2025, "declared_monthly_wage": "30000", "region": "330102"},
        content_type="application/json",
    )
    assert res.status_code == 200, res.content
    ours = rules.bound_base(declared_monthly_wage=D("30000"), region="330102", year=2025)
    result = res.json()["result"]
    assert (D(result["base"]), D(result["lower"]), D(result["upper"])) == (ours.base, ours.lower, ours.upper)


@pytest.mark.parametrize(
    ("code", "month", "employer", "individual"),
    [
        ("110", dt.date(2019, 4, 1), "0.20", "0.08"),
        ("110", dt.date(2019, 5, 1), "0.16", "0.08"),  # 国办发〔2019〕13号
        ("310", dt.date(2021, 3, 1), "0.095", "0.02"),  # 杭州市 demo value
        ("410", dt.date(2021, 3, 1), "0.004", "0"),  # class 2 base rate
    ],
)
def test_rates_in_force_in_a_month(code, month, employer, individual):
    r = rules.contribution_rates(insurance_type=code, month=month, region="330102", risk_class=2)
    assert (r.employer, r.individual) == (D(employer), D(individual))


def test_injury_rate_of_the_employer_wins_over_the_class_rate():
    r = rules.contribution_rates(insurance_type="410", month=dt.date(2021, 3, 1), region=None, employer_rate=D("0.006"))
    assert r.employer == D("0.006")


@pytest.mark.parametrize(
    ("principal", "due", "until", "days", "fee"),
    [
        ("1000.00", dt.date(2026, 1, 15), dt.date(2026, 1, 15), 0, "0.00"),
        ("1000.00", dt.date(2026, 1, 15), dt.date(2026, 1, 16), 1, "0.50"),
        ("1000.00", dt.date(2026, 1, 15), dt.date(2026, 3, 1), 45, "22.50"),  # 16 Jan … 1 Mar
        ("10.00", dt.date(2016, 1, 15), dt.date(2026, 1, 15), 3653, "10.00"),  # capped at the principal
        ("-500.00", dt.date(2026, 1, 15), dt.date(2026, 3, 1), 45, "0.00"),  # a refund carries none
    ],
)
def test_late_fee_days_and_cap(principal, due, until, days, fee):
    r = rules.late_fee(principal=D(principal), due=due, until=until, region="330102")
    assert (r.days, r.amount, r.rate) == (days, D(fee), D("0.0005"))


def test_due_date_is_clamped_to_the_month():
    assert rules.due_date(dt.date(2026, 2, 1), None) == dt.date(2026, 2, 15)
    Parameter.objects.create(
        key="contribution.due_day",
        region_id="330100",
        effective_from=dt.date(2020, 1, 1),
        value="31",
        unit="日",
        legal_reference="测试",
    )
    assert rules.due_date(dt.date(2026, 2, 1), "330102") == dt.date(2026, 2, 28)


def test_a_contribution_year_from_july():
    Parameter.objects.create(
        key="contribution.year_start_month",
        region_id="330100",
        effective_from=dt.date(2020, 1, 1),
        value="7",
        unit="月",
        legal_reference="测试",
    )
    assert rules.contribution_year_of(dt.date(2026, 6, 1), "330102") == 2025
    assert rules.contribution_year_of(dt.date(2026, 7, 1), "330102") == 2026
    assert rules.year_months(2026, "330102") == (dt.date(2026, 7, 1), dt.date(2027, 6, 1))
    assert rules.contribution_year_of(dt.date(2026, 6, 1), None) == 2026  # national: calendar years

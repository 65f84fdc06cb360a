"""Contribution rules: rates by month (2019-05-01 pension cut), base bounds by year, amounts to the fen half up."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest

from shebao.core.errors import ApplicationError
from shebao.rules import (
    RateOverride,
    base_bounds,
    contribution,
    contribution_base,
    contribution_rates,
    injury_rate,
    line_amount,
    resident_pension,
)

from .conftest import with_values

M = dt.date


@pytest.mark.parametrize(
    ("month", "code", "region", "employer", "individual", "since"),
    [
        (M(2019, 4, 1), "110", None, "0.20", "0.08", M(2006, 1, 1)),
        (M(2019, 4, 30), "110", None, "0.20", "0.08", M(2006, 1, 1)),  # any day of April is April
        (M(2019, 5, 1), "110", None, "0.16", "0.08", M(2019, 5, 1)),
        (M(2019, 5, 31), "110", "330102", "0.16", "0.08", M(2019, 5, 1)),
        (M(2016, 12, 1), "210", None, "0.015", "0.005", M(2015, 3, 1)),
        (M(2017, 1, 1), "210", None, "0.005", "0.005", M(2017, 1, 1)),
        (M(2019, 12, 1), "510", None, "0.005", "0", M(2015, 10, 1)),
        (M(2020, 1, 1), "510", None, "0", "0", M(2020, 1, 1)),
        (M(2019, 12, 1), "310", "330102", "0.06", "0.02", M(2006, 1, 1)),
        (M(2020, 1, 1), "310", "330102", "0.095", "0.02", M(2020, 1, 1)),  # 杭州市 demo value (city level)
        (M(2020, 1, 1), "310", "330000", "0.065", "0.02", M(2020, 1, 1)),  # the province has none: national
        (M(2014, 10, 1), "120", None, "0.20", "0.08", M(2014, 10, 1)),
    ],
)
def test_rates_by_month_and_region(yaml_params, month, code, region, employer, individual, since):
    rates = contribution_rates(month=month, insurance_type=code, region=region, params=yaml_params)
    assert (rates.employer_rate, rates.individual_rate) == (D(employer), D(individual))
    employer_step = next(s for s in rates.trace if s.parameter == f"contribution.rate.{code}.employer")
    assert employer_step.effective_from == since
    assert employer_step.reference


def test_pension_contribution_either_side_of_2019_05_01(yaml_params):
    april = contribution(month=M(2019, 4, 1), base=D("5000"), insurance_types=["110"], params=yaml_params)
    may = contribution(month=M(2019, 5, 1), base=D("5000"), insurance_types=["110"], params=yaml_params)
    assert (april.employer_total, april.individual_total) == (D("1000.00"), D("400.00"))
    assert (may.employer_total, may.individual_total) == (D("800.00"), D("400.00"))
    assert "国办发〔2019〕13号" in next(s.reference for s in may.trace if s.parameter.endswith("110.employer"))


@pytest.mark.parametrize(
    ("on", "region", "average", "lower", "upper"),
    [
        (M(2023, 12, 31), "330102", "7000.00", "4200.00", "21000.00"),
        (M(2024, 1, 1), "330102", "7437.00", "4462.20", "22311.00"),
        (M(2024, 12, 31), None, "10058.17", "6034.90", "30174.51"),
        (M(2025, 1, 1), None, "10342.50", "6205.50", "31027.50"),
        (M(2019, 6, 1), "330105", "6867.75", "4120.65", "20603.25"),  # 浙江 has no 2019 demo value: national
    ],
)
def test_bounds_change_with_the_average_wage_of_the_year(yaml_params, on, region, average, lower, upper):
    bounds = base_bounds(on=on, region=region, params=yaml_params)
    assert (bounds.average_wage, bounds.lower, bounds.upper) == (D(average), D(lower), D(upper))


@pytest.mark.parametrize(
    ("declared", "base", "bounded"),
    [
        ("4462.19", "4462.20", "lower"),  # one fen below the lower bound
        ("4462.20", "4462.20", ""),  # exactly at it
        ("4462.21", "4462.21", ""),
        ("0", "4462.20", "lower"),
        ("22310.99", "22310.99", ""),
        ("22311.00", "22311.00", ""),  # exactly at the upper bound
        ("22311.01", "22311.00", "upper"),  # one fen above it
        ("1000000", "22311.00", "upper"),
        ("8000.005", "8000.01", ""),  # the declared wage is taken to the fen, half up
    ],
)
def test_base_is_bounded_to_the_band(yaml_params, declared, base, bounded):
    result = contribution_base(on=M(2024, 7, 1), declared_monthly_wage=D(declared), region="330102", params=yaml_params)
    assert (result.base, result.bounded) == (D(base), bounded)
    assert [s.parameter for s in result.trace if s.parameter] == [
        "contribution.average_wage",
        "contribution.base.lower_ratio",
        "contribution.base.upper_ratio",
    ]


def test_flexible_workers_use_their_own_band_keys(yaml_params):
    result = contribution_base(
        on=M(2024, 7, 1), declared_monthly_wage=D("100"), category="flexible", params=yaml_params
    )
    assert result.base == D("6034.90")
    assert "contribution.flexible.base.lower_ratio" in {s.parameter for s in result.trace}


@pytest.mark.parametrize(
    ("base", "rate", "amount"),
    [
        ("1001.00", "0.005", "5.01"),  # 5.005: half up (banker's rounding would give 5.00)
        ("1003.00", "0.005", "5.02"),  # 5.015 → 5.02
        ("333.33", "0.015", "5.00"),  # 4.99995
        ("4462.20", "0.16", "713.95"),  # 713.952
        ("4462.20", "0.0048", "21.42"),  # 21.41856
        ("0.01", "0.5", "0.01"),  # 0.005 → 0.01
        ("0", "0.16", "0.00"),
    ],
)
def test_each_amount_is_rounded_half_up_to_the_fen(base, rate, amount):
    assert line_amount(D(base), D(rate)) == D(amount)


def test_amounts_are_rounded_per_line_and_totals_add_the_rounded_lines(yaml_params):
    # 1001 × 0.005 = 5.005 for both parts of 210: 5.01 + 5.01, not round(10.01) of the unrounded sum.
    result = contribution(
        month=M(2024, 3, 1),
        base=D("1001"),
        insurance_types=["210"],
        rates={"210": RateOverride(employer=D("0.005"), individual=D("0.005"))},
        params=yaml_params,
    )
    (line,) = result.lines
    assert (line.employer_amount, line.individual_amount, result.total) == (D("5.01"), D("5.01"), D("10.02"))
    assert [s.step for s in result.trace if "试算输入" in s.step] == [
        "失业保险 单位缴费比例（试算输入）",
        "失业保险 个人缴费比例（试算输入）",
    ]


@pytest.mark.parametrize(
    ("risk_class", "grade", "rate"),
    [
        (1, None, "0.002"),
        (1, "1.5", "0.003"),
        (2, "0.5", "0.002"),
        (3, "1.2", "0.0084"),
        (4, "0.8", "0.0072"),
        (5, "1.0", "0.011"),
        (6, "1.5", "0.0195"),
        (7, "1.2", "0.0192"),
        (8, "1.5", "0.0285"),
    ],
)
def test_injury_rate_is_base_rate_times_grade(yaml_params, risk_class, grade, rate):
    result = injury_rate(on=M(2024, 1, 1), risk_class=risk_class, grade=D(grade) if grade else None, params=yaml_params)
    assert result.rate == D(rate)
    assert result.trace[0].reference.startswith("人社部发〔2015〕71号")


@pytest.mark.parametrize(
    ("risk_class", "grade", "field"),
    [(1, "0.5", "injury_grade"), (2, "1.1", "injury_grade"), (9, None, "injury_class"), (0, None, "injury_class")],
)
def test_injury_class_and_grade_are_checked(yaml_params, risk_class, grade, field):
    with pytest.raises(ApplicationError) as exc:
        injury_rate(on=M(2024, 1, 1), risk_class=risk_class, grade=D(grade) if grade else None, params=yaml_params)
    assert list(exc.value.errors) == [field]


def test_work_injury_needs_the_risk_class(yaml_params):
    with pytest.raises(ApplicationError) as exc:
        contribution(month=M(2024, 1, 1), base=D("5000"), insurance_types=["410"], params=yaml_params)
    assert list(exc.value.errors) == ["injury_class"]
    result = contribution(
        month=M(2024, 1, 1),
        base=D("5000"),
        insurance_types=["410"],
        injury_class=3,
        injury_grade=D("1.2"),
        params=yaml_params,
    )
    assert (result.lines[0].employer_rate, result.employer_total, result.individual_total) == (
        D("0.0084"),
        D("42.00"),
        D("0.00"),
    )


def test_flexible_worker_pays_everything_as_individual(yaml_params):
    result = contribution(
        month=M(2024, 1, 1),
        base=D("6034.90"),
        insurance_types=["110", "310"],
        category="flexible",
        region="330102",
        params=yaml_params,
    )
    assert [(x.employer_amount, x.individual_rate, x.individual_amount) for x in result.lines] == [
        (D("0.00"), D("0.20"), D("1206.98")),
        (D("0.00"), D("0.095"), D("573.32")),  # 杭州 demo rate; 573.3155 → 573.32
    ]


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"insurance_types": ["210"], "category": "flexible"}, "insurance_types"),
        ({"insurance_types": ["170"]}, "insurance_types"),
        ({"insurance_types": ["999"]}, "insurance_types"),
        ({"insurance_types": []}, "insurance_types"),
        ({"insurance_types": ["110", "110"]}, "insurance_types"),
        ({"base": D("-0.01")}, "base"),
        ({"category": "student"}, "category"),
        ({"region": "999999"}, "region"),
        ({"month": M(2005, 12, 1)}, "month"),  # before the first shipped rate
        ({"rates": {"310": RateOverride(employer=D("0.1"))}}, "rates"),  # not among the chosen types
        ({"category": "flexible", "rates": {"110": RateOverride(employer=D("0.1"))}}, "rates"),
    ],
)
def test_bad_input_names_the_field(yaml_params, kwargs, field):
    args = {"month": M(2024, 1, 1), "base": D("5000"), "insurance_types": ["110"], **kwargs}
    with pytest.raises(ApplicationError) as exc:
        contribution(params=yaml_params, **args)
    assert list(exc.value.errors) == [field], exc.value.errors


@pytest.mark.parametrize(
    ("tier", "subsidy", "credit"), [("100", "30.00", "130.00"), ("400", "30.00", "430.00"), ("500", "60.00", "560.00")]
)
def test_resident_pension_subsidy_by_tier(yaml_params, tier, subsidy, credit):
    result = resident_pension(year=2024, tier=D(tier), params=yaml_params)
    assert (result.subsidy, result.account_credit) == (D(subsidy), D(credit))


def test_resident_pension_tier_must_be_offered(yaml_params):
    with pytest.raises(ApplicationError) as exc:
        resident_pension(year=2024, tier=D("450"), params=yaml_params)
    assert list(exc.value.errors) == ["tier"] and "1500" in exc.value.message
    with pytest.raises(ApplicationError) as exc:
        resident_pension(year=2013, tier=D("500"), params=yaml_params)
    assert list(exc.value.errors) == ["year"]


def test_a_region_override_takes_precedence_from_its_date(yaml_params):
    source = with_values(
        yaml_params,
        "contribution.rate.110.employer",
        ("2006-01-01", "0.20", None),
        ("2019-05-01", "0.16", None),
        ("2022-01-01", "0.15", "330100"),
    )
    assert contribution_rates(
        month=M(2021, 12, 1), insurance_type="110", region="330102", params=source
    ).employer_rate == D("0.16")
    rates = contribution_rates(month=M(2022, 1, 1), insurance_type="110", region="330102", params=source)
    assert rates.employer_rate == D("0.15")
    assert rates.trace[0].region == "330100"


def test_insurance_type_names_agree_with_registration():
    from shebao.registration.apps import INSURANCE_TYPES
    from shebao.rules import INSURANCE_TYPE_NAMES

    assert {code: name for code, name, _scheme, _only in INSURANCE_TYPES} == INSURANCE_TYPE_NAMES

"""02020101: an employer's full rate table for a month — each type's employer and individual rate, from the
region's dated parameters or the employer's own work-injury row, with source and legal reference."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from shebao.contributions.models import EmployerRate
from shebao.contributions.services.rates_tables import employer_rate_table
from shebao.registration.models import EmployerInsurance
from shebao.registration.tests.factories import EmployerFactory

from ..conftest import set_parameter

pytestmark = [pytest.mark.django_db, pytest.mark.catalog("02020101", "02020201")]


@pytest.fixture
def unit(agencies):
    """An employer in 110/210/310/410/510 since 2018, with its own work-injury rate from 2018 and from 2020."""
    employer = EmployerFactory(agency=agencies["a"], injury_risk_class=2, insurances=[])
    EmployerInsurance.objects.bulk_create(
        [
            EmployerInsurance(employer=employer, insurance_type_id=c, start_month=dt.date(2018, 1, 1))
            for c in ("110", "210", "310", "410", "510")
        ]
    )
    for month, grade, rate in ((dt.date(2018, 1, 1), "1.0", "0.004"), (dt.date(2020, 7, 1), "0.8", "0.0032")):
        EmployerRate.objects.create(
            employer=employer,
            insurance_type_id="410",
            valid_from=month,
            risk_class=2,
            float_grade=Decimal(grade),
            employer_rate=Decimal(rate),
        )
    return employer


def _rates(table) -> dict:
    return {line.insurance_type: (line.employer_rate, line.individual_rate, line.source) for line in table.lines}


@pytest.mark.parametrize(
    ("month", "pension", "maternity", "injury"),
    [
        (dt.date(2019, 4, 1), "0.20", "0.008", "0.004"),
        (dt.date(2019, 5, 1), "0.16", "0.008", "0.004"),  # 国办发〔2019〕13号 from 2019-05-01
        (dt.date(2019, 12, 1), "0.16", "0.008", "0.004"),
        (dt.date(2020, 1, 1), "0.16", "0", "0.004"),  # maternity merged into medical from 2020
        (dt.date(2020, 6, 1), "0.16", "0", "0.004"),
        (dt.date(2020, 7, 1), "0.16", "0", "0.0032"),  # the unit's own change from 2020-07
    ],
)
def test_the_table_of_a_month(unit, month, pension, maternity, injury):
    rates = _rates(employer_rate_table(unit, month))
    assert rates["110"] == (Decimal(pension), Decimal("0.08"), "parameter")
    assert rates["510"] == (Decimal(maternity), Decimal("0"), "parameter")
    assert rates["410"] == (Decimal(injury), Decimal("0"), "employer")
    assert rates["210"] == (Decimal("0.005"), Decimal("0.005"), "parameter")


def test_lines_carry_their_source_and_legal_reference(unit):
    table = employer_rate_table(unit, dt.date(2021, 3, 1))
    lines = {line.insurance_type: line for line in table.lines}
    assert lines["110"].effective_from == dt.date(2019, 5, 1) and "国办发〔2019〕13号" in lines["110"].reference
    injury = lines["410"]
    assert injury.source_label == "单位核定费率" and injury.effective_from == dt.date(2020, 7, 1)
    assert "人社部发〔2015〕71号" in injury.reference and "0.004 × 浮动档次 0.8" in injury.reference
    assert (injury.risk_class, injury.base_rate) == (2, Decimal("0.004"))
    assert not table.warnings


def test_months_before_the_insurance_and_before_any_rate(agencies, unit):
    assert employer_rate_table(unit, dt.date(2017, 12, 1)).lines == []
    fresh = EmployerFactory(agency=agencies["a"])
    table = employer_rate_table(fresh, fresh.registered_on)
    injury = next(line for line in table.lines if line.insurance_type == "410")
    assert (injury.employer_rate, injury.source) == (None, "missing")
    assert any("02020101" in w for w in table.warnings)


def test_a_class_changed_in_the_registration_is_flagged(unit):
    unit.injury_risk_class = 4
    unit.save(update_fields=["injury_risk_class"])
    warnings = employer_rate_table(unit, dt.date(2021, 1, 1)).warnings
    assert any("4类" in w and "2类" in w and "02020201" in w for w in warnings)


def test_a_regional_value_wins_and_an_unset_type_says_so(unit):
    set_parameter("contribution.rate.310.employer", "0.095", on=dt.date(2020, 1, 1), region="330100")
    EmployerInsurance.objects.create(employer=unit, insurance_type_id="120", start_month=dt.date(2018, 1, 1))
    rates = _rates(employer_rate_table(unit, dt.date(2021, 1, 1)))
    assert rates["310"] == (Decimal("0.095"), Decimal("0.02"), "parameter")
    assert rates["120"] == (None, None, "unset")


def test_a_removed_type_leaves_the_table_from_its_end_month(unit):
    EmployerInsurance.objects.filter(employer=unit, insurance_type_id="510").update(
        active=False, end_month=dt.date(2022, 1, 1)
    )
    assert "510" in _rates(employer_rate_table(unit, dt.date(2021, 12, 1)))
    assert "510" not in _rates(employer_rate_table(unit, dt.date(2022, 1, 1)))

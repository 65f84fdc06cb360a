"""02020101 and 02020102 run the rule functions the public calculators run: a unit's rate and a tier's subsidy are
the calculators' answers for the same inputs (POST /api/v1/calculate/injury-rate/ and resident-pension/)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from shebao.contributions.services.rates import employer_rate_determine
from shebao.contributions.services.rates_choices import person_choice_determine
from shebao.contributions.services.rates_tables import person_choice_overview
from shebao.registration.tests.factories import EmployerFactory

from ..conftest import resident, this_month

pytestmark = [pytest.mark.django_db, pytest.mark.catalog("02020101", "02020102")]


@pytest.mark.parametrize(("risk_class", "grade"), [(1, "1.2"), (2, "0.5"), (5, "1.5"), (8, "0.8")])
def test_unit_rate_is_the_injury_rate_calculator(agencies, clerk, risk_class, grade):
    unit = EmployerFactory(agency=agencies["a"], injury_risk_class=risk_class)
    case = employer_rate_determine(actor=clerk, employer=unit, float_grade=grade)
    res = APIClient().post(
        "/api/v1/calculate/injury-rate/",
        {"month": f"{this_month():%Y-%m}", "injury_class": risk_class, "injury_grade": grade, "region": "330102"},
        format="json",
    )
    assert res.status_code == 200, res.json()
    assert Decimal(res.json()["result"]["rate"]) == Decimal(case.payload["employer_rate"])


@pytest.mark.parametrize("tier", ["100", "400", "500", "2000"])
def test_tier_subsidy_is_the_resident_pension_calculator(agencies, clerk, tier):
    person = resident(agencies["a"])
    case = person_choice_determine(actor=clerk, person=person, amount=tier)
    year = this_month().year
    res = APIClient().post(
        "/api/v1/calculate/resident-pension/", {"year": year, "tier": tier, "region": "330102"}, format="json"
    )
    assert res.status_code == 200, res.json()
    assert res.json()["result"]["subsidy"] == case.payload["subsidy"]
    offered = {t.amount: t.subsidy for t in person_choice_overview(person).options.tiers}
    assert str(offered[Decimal(tier)]) == res.json()["result"]["subsidy"]

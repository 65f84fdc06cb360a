"""020301: the batch agrees with the rules library and the public calculator to the fen; PostgreSQL's numeric round
is `to_fen`; per-employer totals and bills equal the sum of their person lines (hypothesis)."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

import pytest
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shebao.contributions.models import EmployerRate, Receivable
from shebao.contributions.services.assessment import assessment_start, employer_totals, month_lines, totals_of
from shebao.contributions.services.assessment_bill import bill_persons, employer_bill
from shebao.core.batch import batch_run
from shebao.core.batch_models import BatchStatus
from shebao.core.money import to_fen
from shebao.registration.models import Enrolment
from shebao.rules import RateOverride, contribution
from shebao.testing import api_client_for

from ..builders import flexible, injury_rate, unit

pytestmark = [pytest.mark.django_db, pytest.mark.catalog("020301")]

OCT = dt.date(2026, 10, 1)


def _recompute(line: Receivable) -> tuple[Decimal, Decimal]:
    """The line's two amounts from `shebao.rules.contribution` (what the public calculator runs)."""
    kwargs = {}
    if line.employer_id is None:
        kwargs["category"] = "flexible"
    elif line.insurance_type_id == "410":
        own = EmployerRate.objects.filter(employer_id=line.employer_id, valid_from__lte=line.period).order_by(
            "-valid_from"
        )
        row = own.first()
        kwargs["injury_class"] = row.risk_class if row else line.employer.injury_risk_class
        kwargs["injury_grade"] = row.float_grade.normalize() if row else None
    result = contribution(
        month=line.period, base=line.base, insurance_types=[line.insurance_type_id], region="330102", **kwargs
    )
    (part,) = result.lines
    return part.employer_amount, part.individual_amount


def test_every_line_equals_the_rules_library_to_the_fen(agencies, clerk):
    unit(agencies["a"], persons=3, bases=("4321.05", "12345.67", "31111.11"), risk_class=4)
    rated, _ = unit(agencies["a"], persons=2, bases=("8888.88", "5555.55"), risk_class=6)
    injury_rate(rated, "0.0156", risk_class=6, grade="1.2")
    flexible(agencies["a"], base="7654.32")
    run = batch_run(assessment_start(actor=clerk, month="2026-10"))
    assert run.status == BatchStatus.DONE
    checked = 0
    for line in Receivable.objects.filter(batch_run=run).select_related("employer"):
        assert (line.employer_amount, line.individual_amount) == _recompute(line), line
        checked += 1
    assert checked == 22


def test_the_public_calculator_gives_the_same_line(agencies, clerk):
    _, (person,) = unit(agencies["a"], persons=1, bases=("12345.67",))
    batch_run(assessment_start(actor=clerk, month="2026-10"))
    line = Receivable.objects.get(person=person, insurance_type_id="110")
    res = api_client_for(None).post(
        "/api/v1/calculate/contribution/",
        {"month": "2026-10", "base": "12345.67", "insurance_types": ["110", "310"], "region": "330102"},
        format="json",
    )
    assert res.status_code == 200, res.json()
    by_type = {row["insurance_type"]: row for row in res.json()["result"]["lines"]}
    assert Decimal(by_type["110"]["employer_amount"]) == line.employer_amount
    assert Decimal(by_type["110"]["individual_amount"]) == line.individual_amount
    medical = Receivable.objects.get(person=person, insurance_type_id="310")
    assert Decimal(by_type["310"]["employer_amount"]) == medical.employer_amount


def test_an_override_in_the_calculator_is_what_if_only(agencies, clerk):
    """The calculator's what-if rates never reach the ledger: the batch applies the parameters."""
    result = contribution(
        month=OCT, base=Decimal("10000"), insurance_types=["110"], rates={"110": RateOverride(employer=Decimal("0.2"))}
    )
    assert result.lines[0].employer_amount == Decimal("2000.00")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's numeric round")
@settings(max_examples=300, deadline=None)
@given(
    base=st.decimals(min_value=0, max_value=Decimal("999999999.99"), places=2),
    rate=st.decimals(min_value=0, max_value=1, places=6),
)
def test_postgresql_round_is_to_fen(base, rate):
    with connection.cursor() as cur:
        cur.execute("SELECT round(%s::numeric * %s::numeric, 2)", [base, rate])
        assert cur.fetchone()[0] == to_fen(base * rate)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's numeric round")
@pytest.mark.parametrize(
    ("base", "rate", "fen"),
    [("0.50", "0.01", "0.01"), ("0.25", "0.02", "0.01"), ("1.05", "0.5", "0.53"), ("12345.65", "0.1", "1234.57")],
)
def test_postgresql_rounds_ties_half_up(base, rate, fen):
    with connection.cursor() as cur:
        cur.execute("SELECT round(%s::numeric * %s::numeric, 2)", [Decimal(base), Decimal(rate)])
        assert cur.fetchone()[0] == Decimal(fen) == to_fen(Decimal(base) * Decimal(rate))


_months = itertools.count()


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    units=st.lists(
        st.tuples(
            st.lists(
                st.decimals(min_value=Decimal("0.01"), max_value=Decimal("99999.99"), places=2), min_size=1, max_size=4
            ),
            st.integers(min_value=1, max_value=8),
        ),
        min_size=1,
        max_size=3,
    )
)
def test_employer_totals_and_bills_equal_the_sum_of_person_lines(agencies, clerk, units):
    # each example assesses a month of its own, with units enrolled in that month only
    total = 2026 * 12 + 9 - next(_months)  # 2026-10, 2026-09, …
    month = dt.date(total // 12, total % 12 + 1, 1)
    made = []
    for bases, risk_class in units:
        employer, people = unit(
            agencies["a"],
            persons=len(bases),
            bases=[str(b) for b in bases],
            risk_class=risk_class,
            start=month,
            year=month.year,
        )
        Enrolment.objects.filter(person__in=people).update(end_month=month)
        made.append((employer, people))
    run = batch_run(assessment_start(actor=clerk, month=f"{month:%Y-%m}"))
    assert run.status == BatchStatus.DONE, run.error
    lines = month_lines(clerk, region=agencies["a"].region, month=month)
    per_employer = {row["employer_id"]: row for row in employer_totals(lines)}
    for employer, people in made:
        own = Receivable.objects.filter(employer=employer, period=month)
        assert own.count() == 4 * len(people)
        employer_part = sum((r.employer_amount for r in own), Decimal("0.00"))
        individual_part = sum((r.individual_amount for r in own), Decimal("0.00"))
        row = per_employer[employer.pk]
        assert (row["employer_part"], row["individual_part"]) == (employer_part, individual_part)
        bill = employer_bill(actor=clerk, employer=employer, month=month)
        _, persons = bill_persons(clerk, employer, month, per_page=50)
        assert bill.totals.employer == employer_part == sum((p.employer for p in persons), Decimal("0.00"))
        assert bill.totals.individual == individual_part == sum((p.individual for p in persons), Decimal("0.00"))
        for p in persons:
            assert p.total == sum(
                (part.employer_amount + part.individual_amount for part in p.parts.values()), Decimal("0.00")
            )
    region_totals = totals_of(lines)
    assert region_totals.total == sum((r.employer_amount + r.individual_amount for r in lines), Decimal("0.00"))

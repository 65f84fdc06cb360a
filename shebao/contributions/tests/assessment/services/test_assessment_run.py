"""020301: the monthly assessment run — person lines per type and part, what is in force that month (enrolment, base,
rates, work-injury rate), flexible workers, scope, parameters recorded in the run, and both execution paths."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from shebao.contributions.choices import BaseSource, ReceivableKind
from shebao.contributions.models import ContributionBase, Receivable
from shebao.contributions.services.assessment import assessment_start
from shebao.contributions.services.assessment_batch import KIND
from shebao.core.batch import batch_run, batch_start
from shebao.core.batch_models import BatchStatus
from shebao.core.choices import Role
from shebao.core.errors import NotFoundError
from shebao.core.tests.factories import UserFactory
from shebao.registration.choices import EnrolmentStatus
from shebao.registration.models import Enrolment
from shebao.testing import assert_refused

from ..builders import flexible, injury_rate, unit

pytestmark = [pytest.mark.django_db, pytest.mark.catalog("020301")]

OCT = dt.date(2026, 10, 1)


def run_month(clerk, month="2026-10", **kw):
    run = batch_run(assessment_start(actor=clerk, month=month, **kw))
    assert run.status == BatchStatus.DONE, run.error
    return run


def lines(**kw) -> dict:
    """(person, type) → (base, employer rate, employer amount, individual rate, individual amount)."""
    return {
        (r.person_id, r.insurance_type_id): (
            r.base,
            r.employer_rate,
            r.employer_amount,
            r.individual_rate,
            r.individual_amount,
        )
        for r in Receivable.objects.filter(**kw)
    }


def test_each_person_type_and_part_at_the_rates_in_force(agencies, clerk):
    employer, people = unit(agencies["a"], persons=2, bases=("5000.00", "12345.67"))
    run = run_month(clerk)
    got = lines(batch_run=run)
    assert len(got) == 8
    p = people[1].pk
    # 杭州市 (330100) demo values: 110 16% / 8%, 210 0.5% / 0.5%, 310 9.5% / 2%; 410 class 1 base rate 0.2% × 1.0
    assert got[(p, "110")] == (
        Decimal("12345.67"),
        Decimal("0.16"),
        Decimal("1975.31"),
        Decimal("0.08"),
        Decimal("987.65"),
    )
    assert got[(p, "210")][2:] == (Decimal("61.73"), Decimal("0.005"), Decimal("61.73"))
    assert got[(p, "310")][2:] == (Decimal("1172.84"), Decimal("0.02"), Decimal("246.91"))
    assert got[(p, "410")][1:] == (Decimal("0.002"), Decimal("24.69"), Decimal("0"), Decimal("0.00"))
    line = Receivable.objects.get(person=people[0], insurance_type_id="110", period=OCT)
    assert (line.kind, line.employer_id, line.agency_id, line.due_date, line.batch_run_id) == (
        ReceivableKind.ASSESSMENT,
        employer.pk,
        agencies["a"].pk,
        dt.date(2026, 10, 15),
        run.pk,
    )
    assert run.rows == 8 and run.chunks_total == 1


def test_the_run_records_the_values_it_applied(agencies, clerk):
    unit(agencies["a"], persons=1)
    run = run_month(clerk)
    (rate_set,) = run.params["resolved"]["sets"]
    assert rate_set["region"] == "330102" and rate_set["due_date"] == "2026-10-15"
    assert rate_set["employee"]["110"] == ["0.16", "0.08"]
    assert rate_set["employee"]["410"] == [None, "0"]
    assert rate_set["flexible"] == {"110": "0.20", "310": "0.095"}
    assert rate_set["injury"]["8"] == "0.019" and rate_set["undeclared_ratio"] == "1.1"
    assert run.params["resolved"]["agencies"] == {str(agencies["a"].pk): 0}


def test_work_injury_takes_the_employers_own_rate_in_force_that_month(agencies, clerk):
    rated, (p1,) = unit(agencies["a"], persons=1, bases=("10000.00",), risk_class=3)
    injury_rate(rated, "0.0084", valid_from=dt.date(2026, 1, 1), risk_class=3, grade="1.2")
    injury_rate(rated, "0.0056", valid_from=dt.date(2026, 11, 1), risk_class=3, grade="0.8")  # not yet in force
    _unrated, (p2,) = unit(agencies["a"], persons=1, bases=("10000.00",), risk_class=3)
    run_month(clerk)
    got = lines(insurance_type_id="410")
    assert got[(p1.pk, "410")][1:3] == (Decimal("0.0084"), Decimal("84.00"))
    assert got[(p2.pk, "410")][1:3] == (Decimal("0.007"), Decimal("70.00"))  # class 3 base rate × 1.0


def test_only_enrolments_in_force_that_month_are_assessed(agencies, clerk):
    _employer, (active, later, suspended, ended_in_month) = unit(agencies["a"], persons=4, types=("110",))
    Enrolment.objects.filter(person=later).update(start_month=dt.date(2026, 11, 1))
    Enrolment.objects.filter(person=suspended).update(status=EnrolmentStatus.SUSPENDED, end_month=dt.date(2026, 9, 1))
    Enrolment.objects.filter(person=ended_in_month).update(status=EnrolmentStatus.ENDED, end_month=OCT)
    run_month(clerk)
    assert {p for p, _ in lines(period=OCT)} == {active.pk, ended_in_month.pk}


def test_the_base_in_force_is_the_latest_not_superseded_one_of_the_year(agencies, clerk):
    employer, (p,) = unit(agencies["a"], persons=1, bases=("5000.00",), types=("110",))
    first = ContributionBase.objects.get(person=p)
    ContributionBase.objects.create(
        person=p,
        employer=employer,
        year=2026,
        valid_from=dt.date(2026, 7, 1),
        base=Decimal("7000.00"),
        source=BaseSource.NEW_HIRE,
    )
    newer = ContributionBase.objects.create(
        person=p,
        employer=employer,
        year=2026,
        valid_from=dt.date(2026, 9, 1),
        base=Decimal("9999.99"),
        source=BaseSource.ADJUSTED,
    )
    ContributionBase.objects.filter(pk=newer.pk).update(superseded_by=first)  # superseded: no longer in force
    ContributionBase.objects.create(
        person=p,
        employer=employer,
        year=2026,
        valid_from=dt.date(2026, 11, 1),
        base=Decimal("8000.00"),
        source=BaseSource.ADJUSTED,
    )
    ContributionBase.objects.create(
        person=p,
        employer=employer,
        year=2025,
        valid_from=dt.date(2025, 12, 1),
        base=Decimal("100000.00"),
        source=BaseSource.DECLARED,
    )
    run_month(clerk)
    assert lines()[(p.pk, "110")][0] == Decimal("7000.00")


def test_a_person_without_a_base_is_left_out(agencies, clerk):
    _employer, (with_base, without) = unit(agencies["a"], persons=2, types=("110",))
    ContributionBase.objects.filter(person=without).delete()
    run = run_month(clerk)
    assert set(lines(batch_run=run)) == {(with_base.pk, "110")}


def test_pension_rate_changes_on_2019_05_01_and_maternity_merges_from_2020(agencies, clerk):
    for year in (2019, 2020):
        unit(agencies["a"], persons=1, bases=("10000.00",), types=("110", "510"), start=dt.date(year, 1, 1), year=year)
    run_month(clerk, month="2019-04")
    run_month(clerk, month="2019-05")
    run_month(clerk, month="2020-01")
    by_month = {
        (r.period, r.insurance_type_id): (r.employer_amount, r.individual_amount) for r in Receivable.objects.all()
    }
    assert by_month[(dt.date(2019, 4, 1), "110")] == (Decimal("2000.00"), Decimal("800.00"))
    assert by_month[(dt.date(2019, 5, 1), "110")] == (Decimal("1600.00"), Decimal("800.00"))
    assert by_month[(dt.date(2019, 5, 1), "510")] == (Decimal("50.00"), Decimal("0.00"))  # 0.5% from 2015-10
    assert (dt.date(2020, 1, 1), "510") not in by_month  # 0 from 2020: merged into 310, no line


def test_flexible_workers_pay_both_parts_themselves_on_their_chosen_base(agencies, clerk):
    worker = flexible(agencies["a"], base="6000.00")
    elsewhere = flexible(agencies["b"], base="6000.00")
    run = run_month(clerk)
    got = lines(batch_run=run)
    assert got == {
        (worker.pk, "110"): (Decimal("6000.00"), Decimal("0"), Decimal("0.00"), Decimal("0.2"), Decimal("1200.00")),
        (worker.pk, "310"): (Decimal("6000.00"), Decimal("0"), Decimal("0.00"), Decimal("0.095"), Decimal("570.00")),
    }
    assert Receivable.objects.filter(person=worker, employer__isnull=True).count() == 2
    assert not Receivable.objects.filter(person=elsewhere).exists()
    chunk = run.chunks.get()
    assert chunk.key_from == chunk.key_to == -worker.pk  # persons without an employer: negative keys


def test_a_district_run_covers_its_own_employers_and_a_city_run_covers_both(agencies, clerk, clerk_b):
    _, (pa,) = unit(agencies["a"], persons=1, types=("110",))
    _, (pb,) = unit(agencies["b"], persons=1, types=("110",))
    run_month(clerk)
    assert {p for p, _ in lines()} == {pa.pk}
    city = UserFactory(role=Role.CLERK, agency=agencies["city"])
    run = run_month(city, region="330100")
    assert {p for p, _ in lines(batch_run=run)} == {pb.pk}  # pa was assessed by the district's run: never twice
    assert Receivable.objects.filter(person=pa).count() == 1


def test_a_clerk_cannot_assess_another_district(agencies, clerk_b):
    unit(agencies["a"], persons=1)
    error = assert_refused(
        lambda: assessment_start(actor=clerk_b, region="330102", month="2026-10"), status=404, field="region"
    )
    assert isinstance(error, NotFoundError)


@pytest.mark.parametrize(
    ("month", "message"),
    [("2026-13", "核定月份不是有效的月份"), ("", "核定月份不能为空"), ("2027-01", "核定月份不能晚于 2026-12")],
)
def test_bad_months_are_refused_naming_month(agencies, clerk, month, message, monkeypatch):
    from shebao.contributions.services import assessment

    monkeypatch.setattr(assessment, "latest_assessable_month", lambda: dt.date(2026, 12, 1))
    assert_refused(
        lambda: assessment_start(actor=clerk, month=month), status=400, field="month", message_contains=message
    )


def test_a_month_without_rates_is_refused_naming_month(agencies, clerk):
    assert_refused(lambda: assessment_start(actor=clerk, month="1998-01"), status=400, field="month")


def test_the_portable_path_writes_the_same_lines_as_the_set_based_one(agencies, clerk):
    unit(agencies["a"], persons=3, bases=("3333.33", "4567.89", "30000.05"), risk_class=5)
    employer, _ = unit(agencies["a"], persons=2, bases=("9876.54",), risk_class=2)
    injury_rate(employer, "0.0048", risk_class=2, grade="1.2")
    flexible(agencies["a"], base="5432.10")
    sql = run_month(clerk, month="2026-09")
    portable = batch_run(
        batch_start(actor=clerk, kind=KIND, region="330102", period="2026-10", params={"portable": True})
    )
    assert portable.status == BatchStatus.DONE and portable.rows == sql.rows == 22
    assert lines(batch_run=sql) == lines(batch_run=portable)

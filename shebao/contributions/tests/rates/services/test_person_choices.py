"""02020102 费额核定 and 02020202 费额调整 in the service: residents' tiers, flexible workers' base band (boundaries
to the fen), periods (first period, next month / next year), supersession, refusals with nothing saved."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from shebao.contributions.models import PersonContributionChoice
from shebao.contributions.services.rates_choices import (
    person_choice_change,
    person_choice_determine,
    person_choice_for,
)
from shebao.core.cases import case_accept, case_approve
from shebao.core.choices import CaseStatus, Channel
from shebao.core.errors import ConflictError
from shebao.core.models import AuditEvent, Case
from shebao.registration.choices import PersonStatus
from shebao.registration.tests.factories import EnrolmentFactory, InsuredUserFactory, PersonFactory
from shebao.testing import assert_refused

from ..conftest import flexible_worker, month_add, resident, set_parameter, this_month

pytestmark = [pytest.mark.django_db, pytest.mark.catalog("02020102", "02020202")]
GUARDED = (Case, AuditEvent, PersonContributionChoice)


def _year(n: int = 0) -> dt.date:
    return dt.date(timezone.localdate().year + n, 1, 1)


# -- flexible workers: the base band --------------------------------------------------------------------------------


@pytest.mark.parametrize("amount", ["4800.00", "4800", "24000.00", "12345.67"])
def test_bases_inside_the_band_are_accepted(agencies, clerk, amount):
    case = person_choice_determine(actor=clerk, person=flexible_worker(agencies["a"]), amount=amount)
    assert Decimal(case.payload["amount"]) == Decimal(amount)
    assert (case.payload["lower"], case.payload["upper"], case.payload["average_wage"]) == (
        "4800.00",
        "24000.00",
        "8000.00",
    )


@pytest.mark.parametrize("amount", ["4799.99", "24000.01", "0", "-5000"])
def test_bases_outside_the_band_are_refused(agencies, clerk, amount):
    person = flexible_worker(agencies["a"])
    assert_refused(
        lambda: person_choice_determine(actor=clerk, person=person, amount=amount),
        field="amount",
        status=400,
        nothing_saved=GUARDED,
    )


@pytest.mark.parametrize("amount", ["6000.001", "abc", "", "6e3", "6,000"])
def test_bases_that_are_no_amount_are_refused(agencies, clerk, amount):
    person = flexible_worker(agencies["a"])
    assert_refused(
        lambda: person_choice_determine(actor=clerk, person=person, amount=amount),
        field="amount",
        nothing_saved=GUARDED,
    )


def test_the_band_follows_the_average_wage_of_the_period(agencies, clerk, reviewer):
    person = flexible_worker(agencies["a"])
    case_approve(actor=reviewer, case=person_choice_determine(actor=clerk, person=person, amount="6000.00"))
    next_month = month_add(this_month(), 1)
    set_parameter("contribution.average_wage", "10000.00", on=next_month)  # a new average wage from next month
    assert_refused(
        lambda: person_choice_change(actor=clerk, person=person, amount="30000.01"),
        field="amount",
        message_contains="30000.00",
        nothing_saved=GUARDED,
    )
    case = person_choice_change(actor=clerk, person=person, amount="30000.00")
    assert case.payload["upper"] == "30000.00" and case.payload["valid_from"] == next_month.isoformat()


def test_first_base_applies_from_the_enrolment_start(agencies, clerk, reviewer):
    start = month_add(this_month(), -2)
    person = PersonFactory(employer=None, agency=agencies["a"], category="flexible", enrolments=[])
    EnrolmentFactory(person=person, insurance_type_id="110", start_month=start)
    EnrolmentFactory(person=person, insurance_type_id="310", start_month=start)
    case = person_choice_determine(actor=clerk, person=person, amount="5000.00")
    assert case.payload["valid_from"] == start.isoformat()
    assert_refused(
        lambda: person_choice_determine(actor=clerk, person=person, amount="5000"),
        status=409,  # the first case is pending
        message_contains=case.number,
    )
    case_approve(actor=reviewer, case=case)
    assert person_choice_for(person, "110", month_add(start, -1)) is None
    assert person_choice_for(person, "110", start).base == Decimal("5000.00")


def test_first_base_not_before_the_enrolment_start(agencies, clerk):
    person = flexible_worker(agencies["a"])
    assert_refused(
        lambda: person_choice_determine(
            actor=clerk, person=person, amount="5000", valid_from=f"{month_add(this_month(), -1):%Y-%m}"
        ),
        field="valid_from",
        message_contains="起始期",
        nothing_saved=GUARDED,
    )


def test_a_flexible_worker_may_choose_for_one_type(agencies, clerk, reviewer):
    person = flexible_worker(agencies["a"])
    case = person_choice_determine(actor=clerk, person=person, amount="5000", insurance_types=["310"])
    case_approve(actor=reviewer, case=case)
    assert list(PersonContributionChoice.objects.filter(person=person).values_list("insurance_type_id", flat=True)) == [
        "310"
    ]
    assert_refused(
        lambda: person_choice_determine(actor=clerk, person=person, amount="5000", insurance_types=["170"]),
        field="insurance_types",
        nothing_saved=GUARDED,
    )


def test_base_change_applies_from_next_month_never_earlier(agencies, clerk, reviewer):
    person = flexible_worker(agencies["a"])
    case_approve(actor=reviewer, case=person_choice_determine(actor=clerk, person=person, amount="6000"))
    assert_refused(
        lambda: person_choice_change(actor=clerk, person=person, amount="7000", valid_from=f"{this_month():%Y-%m}"),
        field="valid_from",
        message_contains=f"{month_add(this_month(), 1):%Y-%m}",
        nothing_saved=GUARDED,
    )
    case = person_choice_change(actor=clerk, person=person, amount="7000")
    assert case.payload["valid_from"] == month_add(this_month(), 1).isoformat()
    assert case.payload["previous"]["110"]["amount"] == "6000.00"
    case_approve(actor=reviewer, case=case)
    assert person_choice_for(person, "110", this_month()).base == Decimal("6000.00")
    assert person_choice_for(person, "110", month_add(this_month(), 1)).base == Decimal("7000.00")


def test_the_lead_of_a_change_is_a_regional_parameter(agencies, clerk, reviewer):
    person = flexible_worker(agencies["a"])
    case_approve(actor=reviewer, case=person_choice_determine(actor=clerk, person=person, amount="6000"))
    set_parameter("contribution.flexible.choice_lead_months", "2", on=dt.date(2020, 1, 1), region="330102")
    case = person_choice_change(actor=clerk, person=person, amount="7000")
    assert case.payload["valid_from"] == month_add(this_month(), 2).isoformat()


def test_a_second_change_for_the_same_period_supersedes_the_first(agencies, clerk, reviewer):
    person = flexible_worker(agencies["a"], types=("110",))
    case_approve(actor=reviewer, case=person_choice_determine(actor=clerk, person=person, amount="6000"))
    first = case_approve(actor=reviewer, case=person_choice_change(actor=clerk, person=person, amount="7000"))
    second = case_approve(actor=reviewer, case=person_choice_change(actor=clerk, person=person, amount="8000"))
    old = PersonContributionChoice.objects.get(pk=first.result["choice_ids"][0])
    new = PersonContributionChoice.objects.get(pk=second.result["choice_ids"][0])
    assert old.superseded_by_id == new.pk and old.base == Decimal("7000.00")  # kept, marked, not edited
    assert second.result["superseded"] == [old.pk]
    assert person_choice_for(person, "110", month_add(this_month(), 1)) == new
    assert PersonContributionChoice.objects.filter(person=person).count() == 3


def test_an_unchanged_base_is_refused(agencies, clerk, reviewer):
    person = flexible_worker(agencies["a"])
    case_approve(actor=reviewer, case=person_choice_determine(actor=clerk, person=person, amount="6000"))
    assert_refused(
        lambda: person_choice_change(actor=clerk, person=person, amount="6000.00"),
        field="amount",
        message_contains="未发生变化",
        nothing_saved=GUARDED,
    )


def test_change_before_determination_and_determination_twice_are_refused(agencies, clerk, reviewer):
    person = flexible_worker(agencies["a"])
    assert_refused(
        lambda: person_choice_change(actor=clerk, person=person, amount="6000"),
        message_contains="02020102",
        nothing_saved=GUARDED,
    )
    case_approve(actor=reviewer, case=person_choice_determine(actor=clerk, person=person, amount="6000"))
    assert_refused(
        lambda: person_choice_determine(actor=clerk, person=person, amount="7000"),
        status=409,
        message_contains="02020202",
        nothing_saved=GUARDED,
    )


def test_approval_refuses_a_determination_overtaken_meanwhile(agencies, clerk, reviewer):
    person = flexible_worker(agencies["a"])
    case = person_choice_determine(actor=clerk, person=person, amount="6000")
    PersonContributionChoice.objects.create(
        person=person, insurance_type_id="110", valid_from=this_month(), base=Decimal("5000")
    )
    with pytest.raises(ConflictError):
        case_approve(actor=reviewer, case=case)


# -- residents: tiers ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("tier", "subsidy"), [("100", "30.00"), ("400", "30.00"), ("500", "60.00"), ("2000", "60.00")])
def test_each_tier_earns_its_subsidy(agencies, clerk, tier, subsidy):
    case = person_choice_determine(actor=clerk, person=resident(agencies["a"]), amount=tier)
    assert case.payload["subsidy"] == subsidy and case.payload["valid_from"] == _year().isoformat()


@pytest.mark.parametrize("tier", ["150", "2500", "0", "500.5"])
def test_a_tier_not_offered_is_refused(agencies, clerk, tier):
    person = resident(agencies["a"])
    assert_refused(
        lambda: person_choice_determine(actor=clerk, person=person, amount=tier),
        field="amount",
        status=400,
        nothing_saved=GUARDED,
    )


def test_tier_change_applies_from_next_year(agencies, clerk, reviewer):
    person = resident(agencies["a"], tier="300")
    assert_refused(
        lambda: person_choice_change(actor=clerk, person=person, amount="500", valid_from=f"{this_month():%Y-%m}"),
        field="valid_from",
        message_contains=f"{_year(1).year}年度",
        nothing_saved=GUARDED,
    )
    case = person_choice_change(actor=clerk, person=person, amount="1000", valid_from=f"{_year(1).year}-06")
    assert case.payload["valid_from"] == _year(1).isoformat()  # a year's tier starts on 1 January
    case_approve(actor=reviewer, case=case)
    assert person_choice_for(person, "170", dt.date(_year().year, 12, 1)).tier == Decimal("300")
    assert person_choice_for(person, "170", _year(1)).tier == Decimal("1000")


def test_employees_terminated_and_unenrolled_people_are_refused(agencies, clerk):
    employee = PersonFactory(employer__agency=agencies["a"])
    assert_refused(
        lambda: person_choice_determine(actor=clerk, person=employee, amount="6000"),
        message_contains="单位职工",
        nothing_saved=GUARDED,
    )
    gone = resident(agencies["a"], status=PersonStatus.TERMINATED)
    assert_refused(lambda: person_choice_determine(actor=clerk, person=gone, amount="500"), nothing_saved=GUARDED)
    medical_only = resident(agencies["a"], types=("390",))
    assert_refused(
        lambda: person_choice_determine(actor=clerk, person=medical_only, amount="500"),
        message_contains="城乡居民基本养老保险",
        nothing_saved=GUARDED,
    )


def test_missing_parameters_are_a_clear_error_naming_the_key(agencies, clerk):
    from shebao.core.models import Parameter

    Parameter.objects.filter(key="contribution.resident_pension.tiers").delete()
    person = resident(agencies["a"])
    assert_refused(
        lambda: person_choice_determine(actor=clerk, person=person, amount="500"),
        field="amount",
        message_contains="contribution.resident_pension.tiers",
        nothing_saved=GUARDED,
    )


# -- online ------------------------------------------------------------------------------------------------------------


def test_the_insured_person_applies_online_and_the_agency_accepts_and_reviews(agencies, clerk, reviewer):
    person = resident(agencies["a"])
    user = InsuredUserFactory(person=person)
    case = person_choice_determine(actor=user, person=person, amount="800")
    assert (case.status, case.channel) == (CaseStatus.SUBMITTED, Channel.ONLINE)
    assert not PersonContributionChoice.objects.filter(person=person).exists()
    case = case_accept(actor=clerk, case=case)
    case = case_approve(actor=reviewer, case=case)
    assert case.status == CaseStatus.COMPLETED
    assert person_choice_for(person, "170", this_month()).tier == Decimal("800")


def test_an_insured_person_cannot_choose_for_someone_else(agencies):
    from shebao.core.errors import NotFoundError

    other = resident(agencies["a"])
    user = InsuredUserFactory(person=resident(agencies["a"]))
    error = assert_refused(
        lambda: person_choice_determine(actor=user, person=other, amount="500"), status=404, nothing_saved=GUARDED
    )
    assert isinstance(error, NotFoundError)

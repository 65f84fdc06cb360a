"""020101 工资总额审核 (service): declare, review, store; every line error at once; one declaration per unit-year."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from shebao.contributions.choices import BaseSource, DeclarationStatus
from shebao.contributions.models import ContributionBase, WageDeclaration, WageDeclarationLine
from shebao.contributions.services.wages import DeclarationRefused, wage_declaration_submit
from shebao.contributions.services.wages_batch import run_base_determination
from shebao.core.cases import case_accept, case_approve, case_reject
from shebao.core.choices import CaseStatus, Channel
from shebao.core.errors import ConflictError, NotFoundError
from shebao.core.models import AuditEvent, Case
from shebao.registration.choices import EnrolmentStatus
from shebao.registration.models import Enrolment
from shebao.registration.tests.factories import EmployerUserFactory, PersonFactory
from shebao.testing import assert_refused

from ..helpers import bounds, current_year, lines_for, unit_with_staff

pytestmark = [pytest.mark.django_db, pytest.mark.catalog("020101")]


def test_declaration_is_stored_with_totals_on_approval(agencies, clerk, reviewer):
    employer, people = unit_with_staff(agencies["a"], 3)
    year = current_year()
    lines = lines_for(people, wages=("96000.00", "60000", "1,234.56"), months=12)
    lines[2]["months"] = 5
    case = wage_declaration_submit(actor=clerk, employer=employer, year=year, lines=lines)
    assert case.status == CaseStatus.ACCEPTED and case.payload["headcount"] == 3
    assert not WageDeclaration.objects.exists(), "nothing is stored before approval"

    case = case_approve(actor=reviewer, case=case)
    declaration = WageDeclaration.objects.get(employer=employer, year=year)
    assert declaration.status == DeclarationStatus.APPROVED and declaration.case == case
    assert declaration.headcount == 3 and declaration.wage_total == Decimal("157234.56")
    monthly = dict(declaration.lines.values_list("person_id", "monthly_wage"))
    assert monthly == {
        people[0].pk: Decimal("8000.00"),
        people[1].pk: Decimal("5000.00"),
        people[2].pk: Decimal("246.91"),  # 1234.56 / 5 = 246.912 → half-up to the fen
    }
    assert case.result["declaration_id"] == declaration.pk and case.result["bases"] == 0
    assert AuditEvent.objects.filter(case=case, action="wage_declaration.approve").count() == 1


def test_every_line_error_is_reported_at_once_and_nothing_saved(agencies, clerk):
    employer, people = unit_with_staff(agencies["a"], 3)
    stranger = PersonFactory()  # an employee of another unit
    left = PersonFactory(employer=employer)
    Enrolment.objects.filter(person=left).update(status=EnrolmentStatus.SUSPENDED)  # 减员: no active enrolment
    lines = [
        {"id_number": people[0].id_number, "annual_wage": "-1", "months": 12},
        {"id_number": people[1].id_number, "annual_wage": "abc", "months": 13},
        {"id_number": people[1].id_number, "annual_wage": "1000", "months": 12},
        {"id_number": stranger.id_number, "annual_wage": "1000", "months": 12},
        {"id_number": left.id_number, "annual_wage": "1000", "months": 12},
        {"id_number": people[2].id_number, "name": "别人", "annual_wage": "1000", "months": 12},
        {"id_number": "12345", "annual_wage": "", "months": 0},
    ]
    error = assert_refused(
        lambda: wage_declaration_submit(actor=clerk, employer=employer, year=current_year(), lines=lines),
        status=400,
        field="lines",
        nothing_saved=[Case, AuditEvent, WageDeclaration, WageDeclarationLine],
    )
    assert isinstance(error, DeclarationRefused)
    found = {(e.row, e.field) for e in error.row_errors}
    assert found == {
        (1, "annual_wage"),
        (2, "annual_wage"),
        (2, "months"),
        (3, "id_number"),  # duplicate of row 2
        (4, "id_number"),  # not an employee of this unit
        (5, "id_number"),  # no active enrolment with the unit
        (6, "name"),
        (7, "id_number"),
        (7, "annual_wage"),
        (7, "months"),
    }
    messages = {(e.row, e.field): e.message for e in error.row_errors}
    assert "不能为负数" in messages[(1, "annual_wage")]
    assert "与第2行" in messages[(3, "id_number")]
    assert "不是本单位在职参保职工" in messages[(4, "id_number")]
    assert "lines.0.annual_wage" in error.errors  # JSON lines are named by their index too


def test_a_second_open_declaration_for_the_unit_and_year_is_refused(agencies, clerk):
    employer, people = unit_with_staff(agencies["a"], 1)
    first = wage_declaration_submit(actor=clerk, employer=employer, year=current_year(), lines=lines_for(people))
    error = assert_refused(
        lambda: wage_declaration_submit(actor=clerk, employer=employer, year=current_year(), lines=lines_for(people)),
        status=409,
        message_contains=first.number,
        nothing_saved=[Case],
    )
    assert isinstance(error, ConflictError)
    # the next year is another declaration
    wage_declaration_submit(actor=clerk, employer=employer, year=current_year() + 1, lines=lines_for(people))


def test_after_approval_the_year_is_closed_and_after_rejection_open_again(agencies, clerk, reviewer):
    employer, people = unit_with_staff(agencies["a"], 1)
    year = current_year()
    rejected = wage_declaration_submit(actor=clerk, employer=employer, year=year, lines=lines_for(people))
    case_reject(actor=reviewer, case=rejected, reason="工资总额与统计报表不符")
    case = wage_declaration_submit(actor=clerk, employer=employer, year=year, lines=lines_for(people))
    case_approve(actor=reviewer, case=case)
    assert_refused(
        lambda: wage_declaration_submit(actor=clerk, employer=employer, year=year, lines=lines_for(people)),
        status=409,
        field="year",
        message_contains="已审核通过",
        nothing_saved=[Case],
    )


def test_the_database_refuses_a_second_declaration_for_a_unit_and_year(agencies):
    employer, _ = unit_with_staff(agencies["a"], 0)
    values = dict(employer=employer, agency=employer.agency, year=2026, status=DeclarationStatus.APPROVED)
    WageDeclaration.objects.create(**values)
    with pytest.raises(IntegrityError), transaction.atomic():
        WageDeclaration.objects.create(**values)
    WageDeclaration.objects.create(**{**values, "status": DeclarationStatus.REJECTED})  # rejected ones may repeat


@pytest.mark.parametrize(("year", "message"), [("1999", "只能是"), ("20x6", "四位年份"), ("", "不能为空")])
def test_the_year_must_be_the_current_or_the_next_contribution_year(agencies, clerk, year, message):
    employer, people = unit_with_staff(agencies["a"], 1)
    assert_refused(
        lambda: wage_declaration_submit(actor=clerk, employer=employer, year=year, lines=lines_for(people)),
        status=400,
        field="year",
        message_contains=message,
        nothing_saved=[Case],
    )


def test_empty_declaration_is_refused(agencies, clerk):
    employer, _ = unit_with_staff(agencies["a"], 1)
    assert_refused(
        lambda: wage_declaration_submit(actor=clerk, employer=employer, year=current_year(), lines=[]),
        status=400,
        field="lines",
        nothing_saved=[Case],
    )


def test_out_of_scope_clerk_gets_not_found(agencies, clerk_b):
    employer, people = unit_with_staff(agencies["a"], 1)
    error = assert_refused(
        lambda: wage_declaration_submit(actor=clerk_b, employer=employer, year=current_year(), lines=lines_for(people)),
        nothing_saved=[Case, AuditEvent],
    )
    assert isinstance(error, NotFoundError)


def test_employer_declares_online_for_its_own_unit_only(agencies, clerk):
    employer, people = unit_with_staff(agencies["a"], 2)
    other, others = unit_with_staff(agencies["a"], 1)
    user = EmployerUserFactory(employer=employer)
    case = wage_declaration_submit(actor=user, employer=employer, year=current_year(), lines=lines_for(people))
    assert (case.status, case.channel) == (CaseStatus.SUBMITTED, Channel.ONLINE)
    assert_refused(
        lambda: wage_declaration_submit(actor=user, employer=other, year=current_year(), lines=lines_for(others)),
        status=404,
        nothing_saved=[Case],
    )
    case = case_accept(actor=clerk, case=case)
    assert case.status == CaseStatus.ACCEPTED


def test_a_declaration_approved_after_the_yearly_run_replaces_the_default_bases(agencies, clerk, reviewer):
    employer, people = unit_with_staff(agencies["a"], 2)
    year = current_year()
    run_base_determination("330100", year)
    low = bounds().lower
    assert set(ContributionBase.objects.values_list("source", "base")) == {(BaseSource.DEFAULT, low)}

    lines = lines_for(people, wages=("120000.00", "12.00"))
    case = case_approve(
        actor=reviewer, case=wage_declaration_submit(actor=clerk, employer=employer, year=year, lines=lines)
    )
    assert case.result["bases"] == 2
    in_force = {
        b.person_id: (b.source, b.base, b.declared_wage)
        for b in ContributionBase.objects.filter(superseded_by__isnull=True)
    }
    assert in_force == {
        people[0].pk: (BaseSource.DECLARED, Decimal("10000.00"), Decimal("10000.00")),
        people[1].pk: (BaseSource.DECLARED, low, Decimal("1.00")),  # below the lower bound
    }
    old = ContributionBase.objects.filter(superseded_by__isnull=False)
    assert old.count() == 2 and all(o.superseded_by.person_id == o.person_id for o in old)
    assert not ContributionBase.objects.filter(superseded_by_id=models_f_pk()).exists()


def models_f_pk():
    """A self-reference (the transient marker of a supersession) never survives the transaction."""
    from django.db.models import F

    return F("pk")

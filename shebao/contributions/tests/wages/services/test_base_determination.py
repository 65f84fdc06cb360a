"""020102 缴费基数核定 (service): the yearly set-based run for a region, and the single-case determination."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command

from shebao.contributions.choices import BaseSource, DeclarationStatus
from shebao.contributions.models import ContributionBase, WageDeclaration, WageDeclarationLine
from shebao.contributions.services.wages_bases import contribution_base_determine
from shebao.contributions.services.wages_batch import (
    contribution_bases_determine_region,
    determine_bases_for_region,
    plan_base_chunks,
    run_base_determination,
)
from shebao.core.batch_models import BatchRun
from shebao.core.cases import case_approve
from shebao.core.errors import NotFoundError
from shebao.core.models import AuditEvent, Case
from shebao.core.validation import month_add
from shebao.registration.choices import EnrolmentStatus, PersonCategory
from shebao.registration.models import Enrolment
from shebao.registration.tests.factories import PersonFactory
from shebao.testing import assert_refused

from ..helpers import assessed, bounds, current_year, this_month, unit_with_staff

pytestmark = [pytest.mark.django_db, pytest.mark.catalog("020102")]


def _declare(employer, wages: dict, year: int) -> WageDeclaration:
    """An approved declaration written directly (the 020101 flow is tested elsewhere): person → monthly wage."""
    d = WageDeclaration.objects.create(
        employer=employer, agency=employer.agency, year=year, status=DeclarationStatus.APPROVED, headcount=len(wages)
    )
    for person, monthly in wages.items():
        wage = Decimal(monthly)
        WageDeclarationLine.objects.create(
            declaration=d, person=person, annual_wage=wage * 12, months=12, monthly_wage=wage
        )
    return d


def _in_force(year: int) -> dict[int, tuple]:
    return {
        b.person_id: (b.source, b.base) for b in ContributionBase.objects.filter(year=year, superseded_by__isnull=True)
    }


def test_yearly_run_bounds_declared_wages_and_defaults_the_rest(agencies):
    year, b = current_year(), bounds()
    unit, (p1, p2, p3, p4) = unit_with_staff(agencies["a"], 4)
    _declare(unit, {p1: "8000.00", p2: "100.00", p3: "99999.99"}, year)  # p4 not declared
    _other, (q1,) = unit_with_staff(agencies["b"], 1)  # 拱墅区: inside the city too
    flexible = PersonFactory(employer=None, category=PersonCategory.FLEXIBLE, agency=agencies["a"])

    result = run_base_determination("330100", year)
    assert result["rows"] == 5 and result["chunks"] == 1
    assert _in_force(year) == {
        p1.pk: (BaseSource.DECLARED, Decimal("8000.00")),
        p2.pk: (BaseSource.DECLARED, b.lower),
        p3.pk: (BaseSource.DECLARED, b.upper),
        p4.pk: (BaseSource.DEFAULT, b.lower),
        q1.pk: (BaseSource.DEFAULT, b.lower),
    }
    assert flexible.pk not in _in_force(year)
    row = ContributionBase.objects.get(person=p2)
    assert row.declared_wage == Decimal("100.00") and row.employer_id == unit.pk and row.case_id is None
    assert result["by_source"] == {"declared": 3, "default": 2} and result["declarations"] == 1
    assert AuditEvent.objects.filter(action="contribution_base.determine", object_id="330100").count() == 1


def test_rerun_writes_nothing_and_a_district_run_stays_in_its_district(agencies):
    year = current_year()
    unit_with_staff(agencies["a"], 2)
    unit_with_staff(agencies["b"], 3)
    assert run_base_determination("330102", year)["rows"] == 2
    assert run_base_determination("330102", year)["rows"] == 0
    assert run_base_determination("330100", year)["rows"] == 3
    assert ContributionBase.objects.count() == 5


def test_persons_without_an_active_enrolment_with_their_unit_get_no_base(agencies):
    _unit, (stays, left) = unit_with_staff(agencies["a"], 2)
    Enrolment.objects.filter(person=left).update(status=EnrolmentStatus.SUSPENDED)
    run_base_determination("330102", current_year())
    assert list(ContributionBase.objects.values_list("person_id", flat=True)) == [stays.pk]


def test_chunks_by_employer_range_give_the_same_bases_as_one_run(agencies):
    year = current_year()
    units = [unit_with_staff(agencies["a"], 2) for _ in range(5)]
    _declare(units[1][0], {units[1][1][0]: "9000"}, year)
    chunks = plan_base_chunks("330102", year, size=2)
    assert len(chunks) == 3 and chunks[0][0] == units[0][0].pk and chunks[-1][1] == units[-1][0].pk
    written = sum(determine_bases_for_region("330102", year, rng) for rng in chunks)
    assert written == 10
    chunked = _in_force(year)
    ContributionBase.objects.all().delete()
    run_base_determination("330102", year)
    assert _in_force(year) == chunked


def test_a_late_declaration_supersedes_the_default_row_on_rerun(agencies):
    year = current_year()
    unit, (p1, p2) = unit_with_staff(agencies["a"], 2)
    run_base_determination("330102", year)
    _declare(unit, {p1: "9000.00"}, year)
    assert run_base_determination("330102", year)["rows"] == 1
    assert _in_force(year) == {
        p1.pk: (BaseSource.DECLARED, Decimal("9000.00")),
        p2.pk: (BaseSource.DEFAULT, bounds().lower),
    }
    old = ContributionBase.objects.get(person=p1, superseded_by__isnull=False)
    assert old.source == BaseSource.DEFAULT and old.superseded_by.source == BaseSource.DECLARED
    assert run_base_determination("330102", year)["rows"] == 0


def test_the_yearly_run_is_a_batch_kind_run_from_the_command_line(agencies, clerk):
    unit_with_staff(agencies["a"], 2)
    out = StringIO()
    args = ("--region", "330102", "--period", str(current_year()), "--user", clerk.username)
    call_command("batch", "start", "contributions.bases", *args, stdout=out)
    run = BatchRun.objects.get(kind="contributions.bases")
    call_command("batch", "run", str(run.pk), stdout=out)
    run.refresh_from_db()
    assert (run.status, run.rows, run.period) == ("done", 2, dt.date(current_year(), 1, 1))
    assert set(ContributionBase.objects.values_list("batch_run_id", flat=True)) == {run.pk}


def test_main_run_then_supplementary_runs_for_what_came_since(agencies, clerk):
    year = current_year()
    unit, (p1, p2) = unit_with_staff(agencies["a"], 2)
    first = contribution_bases_determine_region(actor=clerk, region="330102", year=year)
    assert (first["seq"], first["rows"], first["status"]) == (0, 2, "done")
    _declare(unit, {p1: "9500.00"}, year)  # a late declaration
    _, (newcomer,) = unit_with_staff(agencies["a"], 1)  # a new unit with an employee
    second = contribution_bases_determine_region(actor=clerk, region="330102", year=year)
    assert (second["seq"], second["rows"]) == (1, 2)
    rows = {b.person_id: b for b in ContributionBase.objects.filter(superseded_by__isnull=True)}
    assert rows[p1.pk].batch_run_id == second["run"] and rows[p1.pk].base == Decimal("9500.00")
    assert rows[newcomer.pk].batch_run_id == second["run"]
    assert rows[p2.pk].batch_run_id == first["run"], "each row is owned by the run that wrote it"
    third = contribution_bases_determine_region(actor=clerk, region="330102", year=year)
    assert (third["seq"], third["rows"]) == (2, 0)


def test_region_run_service_checks_grant_and_scope(agencies, clerk, clerk_b, reviewer):
    unit_with_staff(agencies["a"], 1)
    assert_refused(
        lambda: contribution_bases_determine_region(actor=clerk_b, region="330102", year=current_year()),
        status=404,
        nothing_saved=[ContributionBase],
    )
    assert_refused(
        lambda: contribution_bases_determine_region(actor=reviewer, region="330102", year=current_year()),
        status=403,
        nothing_saved=[ContributionBase],
    )
    assert_refused(
        lambda: contribution_bases_determine_region(actor=clerk, region="330102", year="1990"),
        status=400,
        field="year",
        nothing_saved=[ContributionBase],
    )
    assert_refused(
        lambda: contribution_bases_determine_region(actor=clerk, region="999999", year=current_year()),
        status=400,
        field="region",
    )
    result = contribution_bases_determine_region(actor=clerk, region="330102", year=current_year())
    assert result["rows"] == 1


# -- the single case ----------------------------------------------------------------------------------------------


def test_new_hire_base_from_the_starting_wage_bounded_to_the_upper_limit(agencies, clerk, reviewer):
    _unit, (person,) = unit_with_staff(agencies["a"], 1)
    year, month = current_year(), this_month()
    case = contribution_base_determine(
        actor=clerk, person=person, kind="new_hire", year=year, valid_from=f"{month:%Y-%m}", monthly_wage="50000"
    )
    assert "预计" not in case.summary
    case = case_approve(actor=reviewer, case=case)
    row = ContributionBase.objects.get(person=person)
    assert (row.source, row.base, row.declared_wage, row.valid_from) == (
        BaseSource.NEW_HIRE,
        bounds().upper,
        Decimal("50000.00"),
        month,
    )
    assert case.result["base"] == str(bounds().upper) and row.case == case


def test_redetermination_without_a_wage_takes_the_declaration_and_supersedes_later_rows(agencies, clerk, reviewer):
    year = current_year()
    unit, (person,) = unit_with_staff(agencies["a"], 1)
    run_base_determination("330102", year)  # a default row at the start of the year
    month = this_month()
    later = (
        ContributionBase.objects.create(
            person=person, employer=unit, year=year, valid_from=month, base=Decimal("7000"), source=BaseSource.NEW_HIRE
        )
        if month != ContributionBase.objects.get(person=person).valid_from
        else None
    )
    _declare(unit, {person: "12000.00"}, year)
    case = contribution_base_determine(
        actor=clerk, person=person, kind="redetermine", year=year, valid_from=f"{month:%Y-%m}"
    )
    case_approve(actor=reviewer, case=case)
    current = ContributionBase.objects.get(person=person, superseded_by__isnull=True, valid_from=month)
    assert (current.source, current.base) == (BaseSource.DECLARED, Decimal("12000.00"))
    if later is not None:
        later.refresh_from_db()
        assert later.superseded_by == current
        start_row = ContributionBase.objects.get(person=person, valid_from__lt=month)
        assert start_row.superseded_by is None, "rows before the month stay in force for their months"


def test_single_case_refusals_name_the_field_and_save_nothing(agencies, clerk):
    _unit, (person,) = unit_with_staff(agencies["a"], 1)
    year, month = current_year(), this_month()
    saved = [Case, ContributionBase, AuditEvent]

    def call(**kw):
        args = {"kind": "new_hire", "year": year, "valid_from": f"{month:%Y-%m}", "monthly_wage": "8000"} | kw
        return lambda: contribution_base_determine(actor=clerk, person=person, **args)

    assert_refused(call(monthly_wage=""), field="monthly_wage", status=400, nothing_saved=saved)
    assert_refused(call(monthly_wage="-3"), field="monthly_wage", status=400, nothing_saved=saved)
    assert_refused(call(kind="guess"), field="kind", status=400, nothing_saved=saved)
    assert_refused(call(year="2001"), field="year", status=400, nothing_saved=saved)
    assert_refused(call(valid_from=f"{month_add(month, 15):%Y-%m}"), field="valid_from", nothing_saved=saved)
    assessed(person, month, "110", "5000", "0.16", "0.08")
    assert_refused(call(), field="valid_from", message_contains="020103", nothing_saved=saved)


def test_single_case_refuses_flexible_workers_and_out_of_scope(agencies, clerk, clerk_b):
    flexible = PersonFactory(employer=None, category=PersonCategory.FLEXIBLE, agency=agencies["a"])
    kwargs = {"kind": "new_hire", "year": current_year(), "valid_from": f"{this_month():%Y-%m}", "monthly_wage": "1"}
    assert_refused(
        lambda: contribution_base_determine(actor=clerk, person=flexible, **kwargs), field="person", status=400
    )
    _unit, (person,) = unit_with_staff(agencies["a"], 1)
    error = assert_refused(
        lambda: contribution_base_determine(actor=clerk_b, person=person, **kwargs), nothing_saved=[Case]
    )
    assert isinstance(error, NotFoundError)

"""020301: rerunning never doubles; a supplementary run (补充核定) assesses only what earlier runs did not cover;
undeclared employers (社会保险费征缴暂行条例第十条) are assessed at 110% of last month and settled once they declare."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db.models import Sum

from shebao.contributions.choices import BaseSource, ReceivableKind
from shebao.contributions.models import ContributionBase, Receivable
from shebao.contributions.services.assessment import assessment_start
from shebao.core.batch import batch_run
from shebao.core.batch_models import BatchRun, BatchStatus
from shebao.core.money import to_fen
from shebao.registration.tests.factories import EnrolmentFactory, PersonFactory
from shebao.rules import undeclared_amount
from shebao.testing import assert_refused

from ..builders import declare, unit

pytestmark = [pytest.mark.django_db, pytest.mark.catalog("020301")]

SEP, OCT, NOV = dt.date(2026, 9, 1), dt.date(2026, 10, 1), dt.date(2026, 11, 1)


def run_month(clerk, month="2026-10", supplementary=False):
    run = batch_run(assessment_start(actor=clerk, month=month, supplementary=supplementary))
    assert run.status == BatchStatus.DONE, run.error
    return run


def ledger() -> list[tuple]:
    return sorted(
        Receivable.objects.values_list(
            "kind", "employer_id", "person_id", "insurance_type_id", "period", "employer_amount", "individual_amount"
        )
    )


def test_running_a_done_run_again_writes_nothing(agencies, clerk):
    unit(agencies["a"], persons=3)
    run = run_month(clerk)
    before = ledger()
    assert batch_run(run).status == BatchStatus.DONE
    assert ledger() == before and len(before) == 12


def test_a_second_main_run_is_refused_naming_the_first(agencies, clerk):
    unit(agencies["a"], persons=1)
    first = run_month(clerk)
    assert_refused(
        lambda: assessment_start(actor=clerk, month="2026-10"),
        status=409,
        field="month",
        message_contains=f"#{first.pk}",
        nothing_saved=[BatchRun, Receivable],
    )


def test_a_supplementary_run_waits_for_the_earlier_runs(agencies, clerk):
    unit(agencies["a"], persons=1)
    assert_refused(
        lambda: assessment_start(actor=clerk, month="2026-10", supplementary=True),
        status=409,
        message_contains="尚无主批次",
    )
    pending = assessment_start(actor=clerk, month="2026-10")
    assert_refused(
        lambda: assessment_start(actor=clerk, month="2026-10", supplementary=True),
        status=409,
        message_contains=f"#{pending.pk}",
    )


def test_a_supplementary_run_assesses_only_what_was_not_covered(agencies, clerk):
    employer, (p1, late_base) = unit(agencies["a"], persons=2, types=("110", "310"))
    ContributionBase.objects.filter(person=late_base).delete()
    main = run_month(clerk)
    assert main.rows == 2
    # since the main run: a late enrolment, a late base, and a new type for an assessed person
    newcomer = PersonFactory(employer=employer, agency=employer.agency, enrolments=[])
    EnrolmentFactory(person=newcomer, insurance_type_id="110", start_month=SEP)
    for person in (newcomer, late_base):
        ContributionBase.objects.create(
            person=person,
            employer=employer,
            year=2026,
            valid_from=SEP,
            base=Decimal("8000.00"),
            source=BaseSource.NEW_HIRE,
        )
    EnrolmentFactory(person=p1, insurance_type_id="210", start_month=OCT)
    supplement = run_month(clerk, supplementary=True)
    assert supplement.seq == 1
    written = set(Receivable.objects.filter(batch_run=supplement).values_list("person_id", "insurance_type_id", "kind"))
    assert written == {
        (newcomer.pk, "110", ReceivableKind.SUPPLEMENT),
        (late_base.pk, "110", ReceivableKind.SUPPLEMENT),
        (late_base.pk, "310", ReceivableKind.SUPPLEMENT),
        (p1.pk, "210", ReceivableKind.SUPPLEMENT),
    }
    again = run_month(clerk, supplementary=True)
    assert again.seq == 2 and again.rows == 0  # nothing left to cover, nothing doubled
    # each line is owned by exactly one run
    owners = Receivable.objects.values_list("batch_run_id", flat=True)
    assert sorted(set(owners)) == [main.pk, supplement.pk] and len(owners) == 6


def _undeclared_unit(agencies, **kw):
    """A unit assessed in September on declared bases that has not declared for the year since (default bases)."""
    return unit(agencies["a"], persons=2, bases=("5000.00", "7777.77"), declared=False, source=BaseSource.DEFAULT, **kw)


def test_an_undeclared_employer_is_assessed_at_110_percent_of_last_month(agencies, clerk):
    employer, _people = _undeclared_unit(agencies)
    run_month(clerk, month="2026-09")  # no amount before September: its persons are assessed on their bases
    september = Receivable.objects.filter(period=SEP, employer=employer)
    assert september.count() == 8 and not september.filter(person__isnull=True).exists()
    run = run_month(clerk)
    october = Receivable.objects.filter(period=OCT, employer=employer)
    assert october.count() == 4 and not october.filter(person__isnull=False).exists()
    for line in october:
        assert (line.kind, line.batch_run_id, line.due_date) == (
            ReceivableKind.UNDECLARED,
            run.pk,
            dt.date(2026, 10, 15),
        )
        prev = september.filter(insurance_type_id=line.insurance_type_id).aggregate(
            e=Sum("employer_amount"), i=Sum("individual_amount")
        )
        assert line.employer_amount == to_fen(prev["e"] * Decimal("1.1"))
        assert line.individual_amount == to_fen(prev["i"] * Decimal("1.1"))
        # the rules library's 110% rule gives the same figure
        assert line.employer_amount == undeclared_amount(previous_amount=prev["e"], month=OCT, region="330102").amount
        assert "第十条" in line.note
    # November, still undeclared: October's estimate carries over (no compounding)
    run_month(clerk, month="2026-11")
    november = {r.insurance_type_id: r.employer_amount for r in Receivable.objects.filter(period=NOV)}
    assert november == {r.insurance_type_id: r.employer_amount for r in october}


def test_declaring_settles_the_estimate_in_a_supplementary_run(agencies, clerk):
    employer, people = _undeclared_unit(agencies)
    run_month(clerk, month="2026-09")
    run_month(clerk)
    estimate = Receivable.objects.filter(period=OCT, kind=ReceivableKind.UNDECLARED)
    assert estimate.count() == 4
    # the unit declares; its bases are determined from the declaration (superseding the defaults)
    declare(employer)
    for person in people:
        old = ContributionBase.objects.get(person=person)
        ContributionBase.objects.filter(pk=old.pk).update(superseded_by=old.pk)
        new = ContributionBase.objects.create(
            person=person,
            employer=employer,
            year=2026,
            valid_from=old.valid_from,
            base=Decimal("9000.00"),
            source=BaseSource.DECLARED,
        )
        ContributionBase.objects.filter(pk=old.pk).update(superseded_by=new.pk)
    supplement = run_month(clerk, supplementary=True)
    settled = Receivable.objects.filter(batch_run=supplement, kind=ReceivableKind.SETTLEMENT)
    assert {s.reverses_id for s in settled} == {u.pk for u in estimate}
    for s in settled:
        assert (s.employer_amount, s.individual_amount) == (-s.reverses.employer_amount, -s.reverses.individual_amount)
    persons = Receivable.objects.filter(batch_run=supplement, kind=ReceivableKind.SUPPLEMENT)
    assert persons.count() == 8 and {r.base for r in persons} == {Decimal("9000.00")}
    # the month now owes exactly the person lines: estimate + settlement = 0
    month = Receivable.objects.filter(period=OCT).aggregate(e=Sum("employer_amount"), i=Sum("individual_amount"))
    owed = persons.aggregate(e=Sum("employer_amount"), i=Sum("individual_amount"))
    assert month == owed
    assert run_month(clerk, supplementary=True).rows == 0  # settled once, assessed once


def test_a_declaration_pending_review_does_not_settle(agencies, clerk):
    from shebao.contributions.choices import DeclarationStatus
    from shebao.contributions.models import WageDeclaration

    employer, _ = _undeclared_unit(agencies)
    run_month(clerk, month="2026-09")
    run_month(clerk)
    WageDeclaration.objects.create(
        employer=employer, agency=employer.agency, year=2026, status=DeclarationStatus.SUBMITTED
    )
    assert run_month(clerk, supplementary=True).rows == 0

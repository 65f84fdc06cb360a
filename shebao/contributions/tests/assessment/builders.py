"""Builders of the assessment tests: units with employees enrolled, bases in force, declarations and rates.

They write the tables directly (factories), as the wages and rates services would have: the act under test is the
assessment run.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from shebao.contributions.choices import BaseSource, DeclarationStatus
from shebao.contributions.models import ContributionBase, EmployerRate, PersonContributionChoice, WageDeclaration
from shebao.registration.choices import PersonCategory
from shebao.registration.tests.factories import EmployerFactory, EnrolmentFactory, PersonFactory

TYPES = ("110", "210", "310", "410")
START = dt.date(2026, 1, 1)


def unit(
    agency,
    *,
    persons=3,
    bases=("5000.00",),
    types=TYPES,
    start=START,
    declared=True,
    source=None,
    risk_class=1,
    year=2026,
    **employer,
):
    """An employer of `agency` with `persons` employees enrolled in `types` from `start`, each with a base in force
    from `start` (bases taken in turn), and an approved wage declaration for `year` when `declared`."""
    employer = EmployerFactory(agency=agency, injury_risk_class=risk_class, registered_on=start, **employer)
    people = []
    for i in range(persons):
        person = PersonFactory(employer=employer, agency=agency, enrolments=[], registered_on=start)
        for code in types:
            EnrolmentFactory(person=person, insurance_type_id=code, start_month=start)
        base = Decimal(bases[i % len(bases)])
        ContributionBase.objects.create(
            person=person,
            employer=employer,
            year=year,
            valid_from=start,
            base=base,
            source=source or (BaseSource.DECLARED if declared else BaseSource.DEFAULT),
        )
        people.append(person)
    if declared:
        declare(employer, year)
    return employer, people


def declare(employer, year=2026):
    """An approved wage declaration of the unit for the year."""
    return WageDeclaration.objects.create(
        employer=employer, agency=employer.agency, year=year, status=DeclarationStatus.APPROVED, headcount=1
    )


def flexible(agency, *, base="6000.00", types=("110", "310"), start=START):
    """A flexible worker of `agency` enrolled in `types` with a chosen monthly base from `start`."""
    person = PersonFactory(
        employer=None, agency=agency, category=PersonCategory.FLEXIBLE, enrolments=[], registered_on=start
    )
    for code in types:
        EnrolmentFactory(person=person, insurance_type_id=code, start_month=start, employer=None)
        PersonContributionChoice.objects.create(
            person=person, insurance_type_id=code, valid_from=start, base=Decimal(base)
        )
    return person


def injury_rate(employer, rate, *, valid_from=START, risk_class=1, grade="1.0"):
    """The unit's own work-injury rate from a month."""
    return EmployerRate.objects.create(
        employer=employer,
        insurance_type_id="410",
        valid_from=valid_from,
        risk_class=risk_class,
        float_grade=Decimal(grade),
        employer_rate=Decimal(rate),
    )

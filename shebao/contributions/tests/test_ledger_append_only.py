"""The receivable ledger is append-only in the database itself (020301)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction

from shebao.contributions.choices import ReceivableKind
from shebao.contributions.models import Receivable
from shebao.registration.tests.factories import EmployerFactory, PersonFactory

pytestmark = [pytest.mark.django_db, pytest.mark.catalog("020301")]


def _line(person, employer, **kw):
    values = dict(
        kind=ReceivableKind.ASSESSMENT,
        agency=employer.agency,
        employer=employer,
        person=person,
        insurance_type_id="110",
        period=dt.date(2026, 10, 1),
        base=Decimal("5000.00"),
        employer_rate=Decimal("0.16"),
        employer_amount=Decimal("800.00"),
        individual_rate=Decimal("0.08"),
        individual_amount=Decimal("400.00"),
        due_date=dt.date(2026, 10, 15),
    )
    values.update(kw)
    return Receivable.objects.create(**values)


def test_a_person_is_assessed_once_per_type_and_month():
    employer = EmployerFactory()
    person = PersonFactory(employer=employer, agency=employer.agency)
    _line(person, employer)
    with pytest.raises(IntegrityError), transaction.atomic():
        _line(person, employer, kind=ReceivableKind.SUPPLEMENT)
    # a back-payment or adjustment line for the same month is a different kind of line and is allowed
    _line(person, employer, kind=ReceivableKind.ADJUSTMENT, employer_amount=Decimal("10.00"))
    assert Receivable.objects.count() == 2


@pytest.mark.skipif(connection.vendor != "postgresql", reason="trigger exists on PostgreSQL only")
def test_ledger_lines_cannot_be_changed_or_deleted():
    employer = EmployerFactory()
    line = _line(PersonFactory(employer=employer, agency=employer.agency), employer)
    with pytest.raises(IntegrityError), transaction.atomic():
        Receivable.objects.filter(pk=line.pk).update(employer_amount=Decimal("1.00"))
    with pytest.raises(IntegrityError), transaction.atomic():
        Receivable.objects.filter(pk=line.pk).delete()
    line.refresh_from_db()
    assert line.employer_amount == Decimal("800.00")

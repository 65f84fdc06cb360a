"""Helpers of the arrears tests: a unit owing past-due contributions, a paid line, months relative to today."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.utils import timezone

from shebao.contributions.choices import PaymentChannel
from shebao.contributions.models import Payment
from shebao.contributions.services.collection_alloc import allocate_payers
from shebao.contributions.tests.collection.factories import receivable
from shebao.core.validation import month_add
from shebao.registration.tests.factories import EmployerFactory, PersonFactory


def this_month() -> dt.date:
    return timezone.localdate().replace(day=1)


def months_ago(n: int) -> dt.date:
    return month_add(this_month(), -n)


def owing_unit(agency, *, months: int = 2, employer_amount="160.00", individual_amount="80.00"):
    """A unit with one employee owing the last `months` months (all past due)."""
    unit = EmployerFactory(agency=agency)
    person = PersonFactory(employer=unit, agency=agency)
    unit.person = person
    for n in range(1, months + 1):
        receivable(
            employer=unit,
            person=person,
            period=months_ago(n),
            employer_amount=employer_amount,
            individual_amount=individual_amount,
        )
    return unit


def pay(unit, amount: str, *, reference: str = "P1", paid_on: dt.date | None = None) -> Payment:
    """A counter payment written directly and applied by collection's allocation (the act under test is elsewhere)."""
    user = get_user_model().objects.filter(agency=unit.agency).first() or get_user_model().objects.first()
    if user is None:
        from shebao.core.tests.factories import UserFactory

        user = UserFactory(agency=unit.agency)
    payment = Payment.objects.create(
        agency=unit.agency,
        employer=unit,
        channel=PaymentChannel.COUNTER,
        reference=reference,
        amount=Decimal(amount),
        paid_on=paid_on or timezone.localdate(),
        created_by=user,
    )
    allocate_payers(employer_ids=[unit.pk])
    return payment

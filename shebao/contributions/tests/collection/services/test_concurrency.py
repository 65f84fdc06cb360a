"""Acceptance 3: a payment and an adjustment racing on one unit lose nothing (and two payments never apply the
same open amount twice): payers are locked row-wise before money is applied."""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.db import connection, transaction

from shebao.contributions.choices import PaymentChannel, ReceivableKind
from shebao.contributions.selectors.collection import credit_of
from shebao.contributions.services.collection import post_payment
from shebao.contributions.services.collection_alloc import allocate_payers, lock_payers
from shebao.contributions.services.collection_check import check_ledgers
from shebao.contributions.tests.collection.factories import receivable
from shebao.registration.tests.factories import EmployerFactory, PersonFactory

pytestmark = [pytest.mark.catalog("020402")]

D = Decimal


def _run_together(*jobs):
    barrier, errors = threading.Barrier(len(jobs)), []

    def wrap(job):
        try:
            barrier.wait(timeout=10)
            job()
        except Exception as exc:  # reported to the main thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=wrap, args=(job,)) for job in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("round_", range(3))
def test_payments_and_an_adjustment_racing_on_one_unit_lose_nothing(agencies, clerk, round_):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serialises writers on the whole database")
    unit = EmployerFactory(agency=agencies["a"])
    person = PersonFactory(employer=unit)
    receivable(employer=unit, person=person, period="2026-01", employer_amount="160.00", individual_amount="80.00")

    def pay(amount, ref):
        def job():
            with transaction.atomic():
                post_payment(
                    actor=clerk,
                    employer=unit,
                    agency=unit.agency,
                    channel=PaymentChannel.COUNTER,
                    reference=f"{ref}-{round_}",
                    amount=D(amount),
                    paid_on=dt.date(2026, 2, 1),
                )

        return job

    def adjust():
        # How another area appends a receivable line: lock the payer, append, apply any credit to it.
        with transaction.atomic():
            lock_payers(employer_ids=[unit.pk])
            receivable(
                employer=unit, person=person, period="2026-01", employer_amount="100.00", kind=ReceivableKind.ADJUSTMENT
            )
            allocate_payers(employer_ids=[unit.pk])

    _run_together(pay("200.00", "A"), pay("300.00", "C"), adjust)

    report = check_ledgers(employer_ids=[unit.pk])
    assert report.ok, report.problems
    # whatever the order: 340 due, 500 paid → everything applied, 160 left as credit, nothing open
    assert (report.receivables, report.allocations, report.arrears) == (D("340.00"), D("340.00"), D("0.00"))
    assert credit_of(employer_id=unit.pk) == D("160.00")

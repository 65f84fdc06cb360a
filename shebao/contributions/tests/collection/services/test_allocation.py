"""020402 冲抵: a payment is applied to dues in the documented order; what is left stays as credit."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from shebao.contributions.choices import PaymentChannel, ReceivableKind
from shebao.contributions.models import Payment, PaymentAllocation
from shebao.contributions.selectors.collection import credit_of
from shebao.contributions.services.collection import post_payment
from shebao.contributions.services.collection_alloc import allocate_payers, lock_payers
from shebao.contributions.tests.collection.factories import receivable
from shebao.registration.choices import PersonCategory
from shebao.registration.tests.factories import PersonFactory

pytestmark = [pytest.mark.django_db, pytest.mark.catalog("020402")]

D = Decimal


def _pay(clerk, employer, amount, ref, *, person=None, day=None):
    payment, applied = post_payment(
        actor=clerk,
        employer=employer,
        person=person,
        agency=(employer or person).agency,
        channel=PaymentChannel.COUNTER,
        reference=ref,
        amount=D(amount),
        paid_on=day or dt.date.today(),
    )
    return payment, applied


def _parts(line):
    rows = PaymentAllocation.objects.filter(receivable=line)
    return (sum((a.employer_part for a in rows), D(0)), sum((a.individual_part for a in rows), D(0)))


def test_oldest_month_first_individual_parts_before_employer_parts_late_fees_last(clerk, unit):
    a, b = unit.staff
    jan_110 = receivable(
        employer=unit, person=a, itype="110", period="2026-01", employer_amount="200", individual_amount="100"
    )
    jan_310 = receivable(
        employer=unit, person=b, itype="310", period="2026-01", employer_amount="80", individual_amount="20"
    )
    jan_fee = receivable(
        employer=unit, person=None, itype="110", period="2026-01", employer_amount="10", kind=ReceivableKind.LATE_FEE
    )
    feb_110 = receivable(
        employer=unit, person=a, itype="110", period="2026-02", employer_amount="200", individual_amount="100"
    )

    _, applied = _pay(clerk, unit, "150.00", "P1")
    assert applied == D("150.00")
    # January's individual parts first (110: 100, 310: 20), then January's employer parts from 110.
    assert _parts(jan_110) == (D("30.00"), D("100.00"))
    assert _parts(jan_310) == (D("0"), D("20.00"))
    assert _parts(jan_fee) == (D("0"), D("0"))
    assert _parts(feb_110) == (D("0"), D("0"))

    _, applied = _pay(clerk, unit, "265.00", "P2")
    # rest of January's contributions (170 + 80), then January's late fee (10), then February's individual part (5)
    assert _parts(jan_110) == (D("200.00"), D("100.00"))
    assert _parts(jan_310) == (D("80.00"), D("20.00"))
    assert _parts(jan_fee) == (D("10.00"), D("0"))
    assert _parts(feb_110) == (D("0"), D("5.00"))
    assert applied == D("265.00") and credit_of(employer_id=unit.pk) == D("0.00")


def test_overpayment_stays_as_credit_and_pays_the_next_due(clerk, unit):
    a = unit.staff[0]
    line = receivable(employer=unit, person=a, period="2026-01", employer_amount="160", individual_amount="80")
    payment, applied = _pay(clerk, unit, "300.00", "P1")
    assert applied == D("240.00")
    assert credit_of(employer_id=unit.pk) == D("60.00")
    assert _parts(line) == (D("160.00"), D("80.00"))

    later = receivable(employer=unit, person=a, period="2026-02", employer_amount="40", individual_amount="40")
    lock_payers(employer_ids=[unit.pk])
    assert allocate_payers(employer_ids=[unit.pk]) == 1
    assert _parts(later) == (D("20.00"), D("40.00"))  # individual part first, the rest of the credit to the employer
    assert credit_of(employer_id=unit.pk) == D("0.00")
    assert PaymentAllocation.objects.filter(receivable=later).get().payment_id == payment.pk
    # nothing open and nothing left: a second run adds nothing
    assert allocate_payers(employer_ids=[unit.pk]) == 0


def test_a_negative_adjustment_lowers_what_the_month_can_take(clerk, unit):
    a = unit.staff[0]
    line = receivable(employer=unit, person=a, period="2026-01", employer_amount="160", individual_amount="80")
    receivable(
        employer=unit,
        person=a,
        period="2026-01",
        employer_amount="-40",
        individual_amount="-20",
        kind=ReceivableKind.ADJUSTMENT,
    )
    _, applied = _pay(clerk, unit, "240.00", "P1")
    assert applied == D("180.00")
    assert _parts(line) == (D("120.00"), D("60.00"))
    assert credit_of(employer_id=unit.pk) == D("60.00")


def test_a_person_paying_alone_pays_only_their_own_lines(clerk, unit, agencies):
    flexible = PersonFactory(employer=None, agency=agencies["a"], category=PersonCategory.FLEXIBLE)
    own = receivable(person=flexible, period="2026-01", individual_amount="500")
    other = receivable(employer=unit, person=unit.staff[0], period="2026-01", employer_amount="100")
    payment, applied = _pay(clerk, None, "600.00", "P1", person=flexible)
    assert payment.employer_id is None and payment.person_id == flexible.pk
    assert applied == D("500.00") and _parts(own) == (D("0"), D("500.00")) and _parts(other) == (D("0"), D("0"))
    assert credit_of(person_id=flexible.pk) == D("100.00")


def test_the_same_slip_posts_once(clerk, unit):
    receivable(employer=unit, person=unit.staff[0], employer_amount="100")
    _pay(clerk, unit, "50.00", "SLIP-1")
    from shebao.core.errors import ConflictError

    with pytest.raises(ConflictError):
        _pay(clerk, unit, "50.00", "SLIP-1")
    assert Payment.objects.count() == 1

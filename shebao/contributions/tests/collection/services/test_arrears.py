"""020501 建立欠费台账: arrears = receivables − allocations per unit, person, type and month, with ageing; the
ledgers agree, and the check command finds an inconsistency planted behind the services' back."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from shebao.contributions.choices import PaymentChannel, ReceivableKind
from shebao.contributions.models import ArrearsLine, Payment
from shebao.contributions.selectors.collection import arrears_lines, arrears_summary, bucket_of
from shebao.contributions.services.collection import post_payment
from shebao.contributions.services.collection_check import check_ledgers
from shebao.contributions.tests.collection.factories import receivable
from shebao.registration.tests.factories import EmployerFactory, PersonFactory

pytestmark = [pytest.mark.django_db, pytest.mark.catalog("020501")]

D = Decimal
AS_OF = dt.date(2026, 11, 20)


def _pay(actor, employer, amount, ref):
    return post_payment(
        actor=actor,
        employer=employer,
        agency=employer.agency,
        channel=PaymentChannel.COUNTER,
        reference=ref,
        amount=D(amount),
        paid_on=dt.date.today(),
    )[0]


@pytest.mark.parametrize(
    ("due", "bucket"),
    [
        (dt.date(2026, 11, 21), "not_due"),
        (dt.date(2026, 11, 20), "days_0_30"),
        (dt.date(2026, 10, 21), "days_0_30"),
        (dt.date(2026, 10, 20), "days_31_90"),
        (dt.date(2026, 8, 22), "days_31_90"),
        (dt.date(2026, 8, 21), "days_91_180"),
        (dt.date(2026, 5, 24), "days_91_180"),
        (dt.date(2026, 5, 23), "days_181_365"),
        (dt.date(2025, 11, 20), "days_181_365"),
        (dt.date(2025, 11, 19), "days_over_365"),
    ],
)
def test_ageing_buckets_by_days_past_due(due, bucket):
    assert bucket_of(due, AS_OF) == bucket


def test_arrears_per_person_type_month_and_part_with_ageing(clerk, unit):
    a, b = unit.staff
    receivable(employer=unit, person=a, itype="110", period="2025-10", employer_amount="160", individual_amount="80")
    receivable(employer=unit, person=b, itype="310", period="2026-09", employer_amount="60", individual_amount="20")
    receivable(
        employer=unit,
        person=a,
        itype="110",
        period="2026-11",
        employer_amount="160",
        individual_amount="80",
        due_date=dt.date(2026, 11, 25),
    )
    receivable(employer=unit, itype="110", period="2025-10", employer_amount="12.34", kind=ReceivableKind.LATE_FEE)
    other = EmployerFactory(agency=unit.agency)
    receivable(employer=other, person=PersonFactory(employer=other), employer_amount="999")
    _pay(clerk, unit, "100.00", "P1")  # individual 80 of 2025-10, then 20 of its employer part

    lines = list(arrears_lines(actor=clerk, employer=unit, as_of=AS_OF))
    picture = [
        (str(x.period)[:7], x.insurance_type_id, x.line_class, x.employer_arrears, x.individual_arrears, x.bucket)
        for x in lines
    ]
    assert picture == [
        ("2025-10", "110", "principal", D("140.00"), D("0.00"), "days_over_365"),
        ("2025-10", "110", "late_fee", D("12.34"), D("0.00"), "days_over_365"),
        ("2026-09", "310", "principal", D("60.00"), D("20.00"), "days_31_90"),
        ("2026-11", "110", "principal", D("160.00"), D("80.00"), "not_due"),
    ]
    s = arrears_summary(actor=clerk, employer=unit, as_of=AS_OF)
    assert (s.employer_arrears, s.individual_arrears, s.late_fee) == (D("360.00"), D("100.00"), D("12.34"))
    assert s.total == D("472.34") and s.not_due == D("240.00") and s.past_due == D("232.34")
    assert s.buckets["days_over_365"] == D("152.34") and s.buckets["days_31_90"] == D("80.00")
    assert [row["insurance_type_id"] for row in s.by_type] == ["110", "310"]
    assert s.credit == D("0.00")


def test_arrears_are_scoped(clerk_b, unit):
    receivable(employer=unit, person=unit.staff[0], employer_amount="100")
    assert not arrears_lines(actor=clerk_b, employer=unit).exists()
    assert ArrearsLine.objects.filter(employer=unit).count() == 1


def test_check_ledgers_passes_on_ledgers_written_by_the_services(clerk, unit):
    a = unit.staff[0]
    receivable(employer=unit, person=a, period="2026-01", employer_amount="160", individual_amount="80")
    receivable(employer=unit, person=a, period="2026-02", employer_amount="160", individual_amount="80")
    _pay(clerk, unit, "300.00", "P1")
    _pay(clerk, unit, "500.00", "P2")  # overpays: credit
    report = check_ledgers()
    assert report.ok, report.problems
    assert (report.receivables, report.allocations, report.arrears) == (D("480.00"), D("480.00"), D("0.00"))
    out = io.StringIO()
    call_command("contributions", "check-ledgers", stdout=out)
    assert "账簿一致" in out.getvalue()


def _raw_allocation(payment_id, receivable_id, employer_part, individual_part="0"):
    with connection.cursor() as cur:
        cur.execute(
            "INSERT INTO contributions_paymentallocation (payment_id, receivable_id, employer_part, individual_part, "
            "created_at) VALUES (%s, %s, %s, %s, %s)",
            [payment_id, receivable_id, D(employer_part), D(individual_part), dt.datetime.now(dt.UTC)],
        )


def test_check_ledgers_catches_an_allocation_planted_past_the_services(clerk, unit):
    line = receivable(employer=unit, person=unit.staff[0], employer_amount="100", individual_amount="50")
    payment = _pay(clerk, unit, "150.00", "P1")
    assert check_ledgers().ok
    _raw_allocation(payment.pk, line.pk, "30")  # raw SQL: the line and the payment now carry 30 too much
    report = check_ledgers()
    assert not report.ok
    text = "\n".join(report.problems)
    assert f"应收明细ID {line.pk}" in text and "冲抵超过应收" in text
    assert f"缴费记录ID {payment.pk}" in text and "超过缴费金额 150.00" in text
    out = io.StringIO()
    with pytest.raises(CommandError) as exc:
        call_command("contributions", "check-ledgers", stdout=out)
    assert exc.value.returncode == 1 and "账簿不一致" in str(exc.value)
    assert "冲抵超过应收" in out.getvalue()


def test_check_ledgers_catches_money_applied_to_another_payer(clerk, unit):
    other = EmployerFactory(agency=unit.agency)
    theirs = receivable(employer=other, person=PersonFactory(employer=other), employer_amount="100")
    receivable(employer=unit, person=unit.staff[0], employer_amount="10")
    payment = _pay(clerk, unit, "50.00", "P1")
    _raw_allocation(payment.pk, theirs.pk, "20")
    report = check_ledgers(employer_ids=[unit.pk, other.pk])
    assert any("缴费主体不一致" in p for p in report.problems), report.problems


def test_check_ledgers_catches_references_to_rows_that_do_not_exist(clerk, unit):
    """Allocations and bank records carry no database foreign keys: the check proves their references instead."""
    line = receivable(employer=unit, person=unit.staff[0], employer_amount="100", individual_amount="50")
    payment = _pay(clerk, unit, "150.00", "P1")
    missing = payment.pk + 10_000
    _raw_allocation(missing, line.pk, "0")  # no payment of that id
    _raw_allocation(payment.pk, line.pk + 10_000, "0")  # no receivable line of that id
    report = check_ledgers()
    text = "\n".join(report.problems)
    assert f"引用的缴费记录ID {missing} 不存在" in text, report.problems
    assert f"引用的应收明细ID {line.pk + 10_000} 不存在" in text, report.problems


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the append-only trigger exists on PostgreSQL only")
def test_check_ledgers_catches_a_receivable_changed_with_the_trigger_disabled(clerk, unit):
    line = receivable(employer=unit, person=unit.staff[0], employer_amount="100", individual_amount="50")
    _pay(clerk, unit, "150.00", "P1")
    with connection.cursor() as cur:
        cur.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no pending FK checks, or ALTER TABLE refuses
        cur.execute("ALTER TABLE contributions_receivable DISABLE TRIGGER contributions_receivable_append_only")
        cur.execute("UPDATE contributions_receivable SET employer_amount = 60 WHERE id = %s", [line.pk])
        cur.execute("ALTER TABLE contributions_receivable ENABLE TRIGGER contributions_receivable_append_only")
    report = check_ledgers()
    assert any(f"应收明细ID {line.pk}" in p and "单位部分应收 60.00、已冲抵 100.00" in p for p in report.problems)
    assert Payment.objects.count() == 1

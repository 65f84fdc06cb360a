"""020302/020303: the late fee that skips deferred days (one function), back-payments equal to the calculator's,
lump sums without late fee, deferral limits from the parameters."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from shebao.contributions.choices import ReceivableKind
from shebao.contributions.models import Deferral, Receivable
from shebao.contributions.services.arrears_back import back_payment_assess, split_fen
from shebao.contributions.services.arrears_deferral import deferral_apply
from shebao.contributions.services.arrears_latefee import arrears_late_fee, overlap_days
from shebao.contributions.tests.arrears.factories import months_ago
from shebao.core.cases import case_approve
from shebao.core.errors import ApplicationError, ConflictError
from shebao.registration.tests.factories import EmployerFactory, PersonFactory
from shebao.rules import late_fee
from shebao.testing.items import material_files

pytestmark = [pytest.mark.django_db]

D = dt.date


class TestLateFeeWithDeferral:
    pytestmark = [pytest.mark.catalog("020302")]

    def test_no_window_is_the_rules_late_fee(self):
        got = arrears_late_fee(principal=Decimal("1000"), due_date=D(2024, 1, 15), paid_date=D(2024, 3, 1))
        ref = late_fee(principal=Decimal("1000"), due_date=D(2024, 1, 15), paid_date=D(2024, 3, 1))
        assert (got.days, got.deferred_days, got.late_fee) == (ref.days, 0, ref.late_fee) == (46, 0, Decimal("23.00"))

    def test_deferred_days_are_not_charged(self):
        # overdue 2024-01-16 … 2024-06-30 (167 days); deferral 2024-02-01 … 2024-04-30 covers 90 of them
        windows = [(D(2024, 2, 1), D(2024, 4, 30))]
        got = arrears_late_fee(
            principal=Decimal("1000"), due_date=D(2024, 1, 15), paid_date=D(2024, 6, 30), windows=windows
        )
        assert (got.days, got.deferred_days, got.charged_days) == (167, 90, 77)
        assert got.late_fee == Decimal("38.50")  # 1000 × 0.0005 × 77

    def test_paid_inside_the_window_costs_nothing_after_the_due_date_inside_it(self):
        windows = [(D(2024, 1, 1), D(2024, 3, 31))]
        got = arrears_late_fee(
            principal=Decimal("1000"), due_date=D(2024, 1, 15), paid_date=D(2024, 3, 31), windows=windows
        )
        assert (got.charged_days, got.late_fee) == (0, Decimal("0.00"))

    def test_overlapping_windows_count_a_day_once(self):
        windows = [(D(2024, 2, 1), D(2024, 2, 10)), (D(2024, 2, 5), D(2024, 2, 20))]
        assert overlap_days(D(2024, 1, 15), D(2024, 3, 1), windows) == 20

    def test_split_fen_adds_up_exactly(self):
        parts = split_fen(Decimal("10.01"), [Decimal("1"), Decimal("1"), Decimal("1")])
        assert sum(parts) == Decimal("10.01") and sorted(parts) == [Decimal("3.33"), Decimal("3.34"), Decimal("3.34")]


class TestBackPaymentAgreesWithCalculator:
    pytestmark = [pytest.mark.catalog("020303")]

    def test_lines_equal_the_back_payment_calculator(self, clerk, reviewer, agencies):
        unit = EmployerFactory(agency=agencies["a"])
        first, last = months_ago(14), months_ago(11)
        case = back_payment_assess(
            actor=clerk,
            employer=unit,
            from_month=first,
            to_month=last,
            base="7000.00",
            insurance_types=["110", "210", "310"],
            reason="unenrolled",
        )
        case = case_approve(actor=reviewer, case=case)
        body = {
            "from_month": f"{first:%Y-%m}",
            "to_month": f"{last:%Y-%m}",
            "base": "7000.00",
            "insurance_types": ["110", "210", "310"],
            "paid_date": case.payload["paid_date"],
            "region": unit.agency.region_id,
        }
        res = APIClient().post("/api/v1/calculate/back-payment/", body, format="json")
        assert res.status_code == 200, res.json()
        calc = {line["month"]: line for line in res.json()["result"]["lines"]}
        assert len(calc) == 4
        for month, line in calc.items():
            rows = Receivable.objects.filter(case=case, period=D(int(month[:4]), int(month[5:]), 1))
            principal = rows.filter(kind=ReceivableKind.BACK_PAYMENT)
            fee = rows.filter(kind=ReceivableKind.LATE_FEE)
            assert sum(r.employer_amount for r in principal) == Decimal(line["employer_amount"])
            assert sum(r.individual_amount for r in principal) == Decimal(line["individual_amount"])
            assert sum(r.employer_amount + r.individual_amount for r in fee) == Decimal(line["late_fee"]) > 0
            assert all(r.due_date == D.fromisoformat(line["due_date"]) for r in principal)

    def test_lump_sum_by_a_person_carries_no_late_fee(self, clerk, reviewer, agencies):
        person = PersonFactory(employer=None, agency=agencies["a"])
        case = back_payment_assess(
            actor=clerk,
            person=person,
            from_month=months_ago(6),
            to_month=months_ago(4),
            base="5000.00",
            insurance_types=["110"],
            reason="lump_sum",
        )
        case_approve(actor=reviewer, case=case)
        lines = Receivable.objects.filter(case=case)
        assert lines.count() == 3 and not lines.filter(kind=ReceivableKind.LATE_FEE).exists()
        assert all(r.employer_id is None and r.person_id == person.pk for r in lines)

    def test_lump_sum_is_refused_for_a_unit(self, clerk, agencies):
        unit = EmployerFactory(agency=agencies["a"])
        with pytest.raises(ApplicationError) as exc:
            back_payment_assess(
                actor=clerk,
                employer=unit,
                from_month=months_ago(3),
                to_month=months_ago(2),
                base="5000",
                insurance_types=["110"],
                reason="lump_sum",
            )
        assert "reason" in exc.value.errors

    def test_the_same_months_twice_are_409(self, clerk, reviewer, agencies):
        unit = EmployerFactory(agency=agencies["a"])
        kwargs = dict(
            employer=unit,
            from_month=months_ago(3),
            to_month=months_ago(2),
            base="5000",
            insurance_types=["110"],
            reason="adjustment",
        )
        case_approve(actor=reviewer, case=back_payment_assess(actor=clerk, **kwargs))
        with pytest.raises(ApplicationError) as exc:
            back_payment_assess(actor=clerk, **kwargs)
        assert isinstance(exc.value, ConflictError) and "from_month" in exc.value.errors

    def test_deferral_arrears_skip_the_deferred_days(self, clerk, reviewer, agencies):
        unit = EmployerFactory(agency=agencies["a"])
        start, end = months_ago(8), months_ago(6)
        case_approve(
            actor=reviewer,
            case=deferral_apply(
                materials=material_files("020302"),
                actor=clerk,
                employer=unit,
                insurance_types=["110"],
                start_month=start,
                end_month=end,
                reason="困难",
            ),
        )
        deferral = Deferral.objects.get(employer=unit)
        case = back_payment_assess(
            actor=clerk,
            employer=unit,
            from_month=start,
            to_month=end,
            base="6000",
            insurance_types=["110", "210"],
            reason="deferral",
        )
        case = case_approve(actor=reviewer, case=case)
        fee = {
            (r.period, r.insurance_type_id): r.employer_amount
            for r in Receivable.objects.filter(case=case, kind=ReceivableKind.LATE_FEE)
        }
        paid = D.fromisoformat(case.payload["paid_date"])
        for month in (start, end):
            principal = {
                r.insurance_type_id: r.employer_amount + r.individual_amount
                for r in Receivable.objects.filter(case=case, kind=ReceivableKind.BACK_PAYMENT, period=month)
            }
            due = month.replace(day=15)
            days = (paid - due).days
            deferred = (deferral.expires_on - due).days  # from the day after the due date to the expiry
            assert (
                fee[(month, "110")]
                == arrears_late_fee(
                    principal=principal["110"], due_date=due, paid_date=paid, windows=[(start, deferral.expires_on)]
                ).late_fee
            )
            assert fee[(month, "110")] == (principal["110"] * Decimal("0.0005") * (days - deferred)).quantize(
                Decimal("0.01")
            )
            assert fee[(month, "210")] == late_fee(principal=principal["210"], due_date=due, paid_date=paid).late_fee


class TestDeferralLimits:
    pytestmark = [pytest.mark.catalog("020302")]

    def test_type_outside_the_parameter_is_refused(self, clerk, agencies):
        unit = EmployerFactory(agency=agencies["a"])
        with pytest.raises(ApplicationError) as exc:
            deferral_apply(
                materials=material_files("020302"),
                actor=clerk,
                employer=unit,
                insurance_types=["310"],
                start_month=months_ago(0),
                end_month=months_ago(-1),
                reason="困难",
            )
        assert "insurance_types" in exc.value.errors

    def test_overlapping_agreement_is_409(self, clerk, reviewer, agencies):
        unit = EmployerFactory(agency=agencies["a"])
        kw = dict(
            employer=unit, insurance_types=["110"], start_month=months_ago(0), end_month=months_ago(-2), reason="x"
        )
        case_approve(actor=reviewer, case=deferral_apply(materials=material_files("020302"), actor=clerk, **kw))
        with pytest.raises(ApplicationError) as exc:
            deferral_apply(
                materials=material_files("020302"),
                actor=clerk,
                **{**kw, "start_month": months_ago(-1), "end_month": months_ago(-3)},
            )
        assert isinstance(exc.value, ConflictError)

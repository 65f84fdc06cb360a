"""The three collection items through the item test kit (`shebao.testing.ItemTestCase`): 020401 制定征收计划,
020402 窗口缴费登记, 020501 建立欠费台账 — happy path through approval with audit rows, 404 out of scope, 400 on bad
input with nothing saved, maker-checker, one open case per subject — in the service, the API and the UI."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from shebao.contributions.models import (
    ArrearsLedger,
    ArrearsLedgerLine,
    CollectionPlan,
    CollectionPlanLine,
    Payment,
    PaymentAllocation,
)
from shebao.contributions.services.collection_ledger import arrears_ledger_make
from shebao.contributions.services.collection_payments import payment_counter
from shebao.contributions.services.collection_plan import collection_plan_make
from shebao.contributions.tests.collection.factories import receivable
from shebao.registration.tests.factories import EmployerFactory, PersonFactory
from shebao.testing import ItemTestCase, Submission

pytestmark = [pytest.mark.django_db, pytest.mark.catalog("020401", "020402", "020501")]


def _owing_unit(kit):
    """A unit of agency a owing for last month (past due) and this month."""
    unit = EmployerFactory(agency=kit.agencies["a"])
    person = PersonFactory(employer=unit)
    this = timezone.localdate().replace(day=1)
    last = (this - timezone.timedelta(days=1)).replace(day=1)
    receivable(employer=unit, person=person, period=last, employer_amount="160.00", individual_amount="80.00")
    receivable(employer=unit, person=person, period=this, employer_amount="160.00", individual_amount="80.00")
    return unit


class TestPaymentCounterKit(ItemTestCase):
    """020402 窗口缴费登记: posted and applied on approval."""

    item_code = "020402"
    bad_field = "amount"
    saved_models = (Payment, PaymentAllocation)

    def subject(self, kit):
        return _owing_unit(kit)

    def _submission(self, unit, amount):
        today = timezone.localdate().isoformat()
        data = {"amount": amount, "paid_on": today, "reference": "SJ20261127001", "method": "cash"}
        return Submission(
            service=payment_counter,
            kwargs={"employer": unit, **data},
            api_url=f"/api/v1/collection/employers/{unit.pk}/payments/",
            api_body=data,
            ui_url=reverse("contributions:collection-pay", args=[unit.pk]),
            ui_form={**data, "note": ""},
        )

    def submission(self, kit, subject):
        return self._submission(subject, "300.00")

    def bad_submission(self, kit, subject):
        return self._submission(subject, "-5")

    def check_applied(self, kit, subject, case):
        payment = Payment.objects.get(case=case)
        assert payment.employer_id == subject.pk and payment.amount == Decimal("300.00")
        applied = sum(a.employer_part + a.individual_part for a in payment.allocations.all())
        assert applied == Decimal("300.00")
        assert case.result["payment_id"] == payment.pk and case.result["credit"] == "0.00"


class _AgencyMonthKit(ItemTestCase):
    service = None
    api_url = ""
    ui_name = ""

    def subject(self, kit):
        _owing_unit(kit)
        return kit.agencies["a"]

    def _submission(self, agency, period):
        return Submission(
            service=type(self).service,
            kwargs={"agency": agency, "period": period},
            api_url=self.api_url,
            api_body={"agency": agency.code, "period": period},
            ui_url=reverse(self.ui_name),
            ui_form={"agency": agency.code, "period": period, "note": ""},
        )

    def submission(self, kit, subject):
        return self._submission(subject, f"{timezone.localdate():%Y-%m}")

    def bad_submission(self, kit, subject):
        return self._submission(subject, "2026-13")


class TestCollectionPlanKit(_AgencyMonthKit):
    """020401 制定征收计划: the plan is computed from the ledger and stored on approval."""

    item_code = "020401"
    bad_field = "period"
    saved_models = (CollectionPlan, CollectionPlanLine)
    service = staticmethod(collection_plan_make)
    api_url = "/api/v1/collection/plans/"
    ui_name = "contributions:collection-plan-new"

    def check_applied(self, kit, subject, case):
        plan = CollectionPlan.objects.get(case=case)
        assert plan.agency == subject and plan.total == Decimal("480.00")
        assert plan.made_by_id == case.handler_id and plan.approved_by_id == case.reviewer_id
        (line,) = plan.lines.all()
        assert (line.channel, line.current_amount, line.arrears_amount) == (
            "self",
            Decimal("240.00"),
            Decimal("240.00"),
        )


class TestArrearsLedgerKit(_AgencyMonthKit):
    """020501 建立欠费台账: the month's ledger is written from the arrears view on approval."""

    item_code = "020501"
    bad_field = "period"
    saved_models = (ArrearsLedger, ArrearsLedgerLine)
    service = staticmethod(arrears_ledger_make)
    api_url = "/api/v1/collection/ledgers/"
    ui_name = "contributions:collection-ledger-new"

    def check_applied(self, kit, subject, case):
        ledger = ArrearsLedger.objects.get(case=case)
        assert ledger.total == Decimal("480.00") and ledger.payers == 1
        (line,) = ledger.lines.all()
        assert (line.employer_arrears, line.individual_arrears) == (Decimal("320.00"), Decimal("160.00"))
        assert line.days_0_30 + line.days_31_90 + line.not_due == Decimal("480.00")

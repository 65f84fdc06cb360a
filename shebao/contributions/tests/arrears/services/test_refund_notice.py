"""020304 退费 (line and credit refunds keep the ledgers consistent; more than paid is refused) and 020502 欠费处理
(notice, escalation after the deadline, settlement, overdue list) and the deregistration blocker."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from shebao.contributions.choices import ArrearsActionKind, ReceivableKind
from shebao.contributions.models import ArrearsAction, PaymentAllocation, Receivable
from shebao.contributions.selectors.arrears import overdue_notices
from shebao.contributions.selectors.collection import credit_of
from shebao.contributions.services.arrears_notice import (
    arrears_action_record,
    arrears_close_settled,
    arrears_notice_issue,
    arrears_settle,
)
from shebao.contributions.services.arrears_refund import refund_request
from shebao.contributions.services.collection_alloc import allocate_payers
from shebao.contributions.services.collection_check import check_ledgers
from shebao.contributions.tests.arrears.factories import months_ago, owing_unit, pay
from shebao.contributions.tests.collection.factories import receivable
from shebao.core.cases import case_approve
from shebao.core.errors import ApplicationError, ConflictError
from shebao.core.models import Case
from shebao.registration.services.employers import deregistration_blockers, employer_deregister
from shebao.testing.items import material_files

pytestmark = [pytest.mark.django_db]
BANK = {"bank_name": "工商银行", "bank_account": "6222021202000000001", "reason": "多缴"}


@pytest.mark.catalog("020304")
class TestRefund:
    def test_line_refund_reverses_due_and_paid_alike(self, clerk, reviewer, agencies):
        unit = owing_unit(agencies["a"], months=1)
        pay(unit, "240.00")
        line = Receivable.objects.get(employer=unit)
        case = refund_request(
            materials=material_files("020304"),
            actor=clerk,
            employer=unit,
            lines=[{"receivable": line.pk, "employer_amount": "160.00", "individual_amount": "80.00"}],
            **BANK,
        )
        case_approve(actor=reviewer, case=case)
        report = check_ledgers()
        assert report.ok, report.problems
        assert credit_of(employer_id=unit.pk) == Decimal("0.00")
        # nothing left to refund on that line
        with pytest.raises(ApplicationError) as exc:
            refund_request(
                materials=material_files("020304"),
                actor=clerk,
                employer=unit,
                lines=[{"receivable": line.pk, "employer_amount": "0.01", "individual_amount": "0"}],
                **BANK,
            )
        assert "lines" in exc.value.errors and "可退 0.00" in exc.value.errors["lines"][0]

    def test_credit_refund_uses_up_the_credit(self, clerk, reviewer, agencies):
        unit = owing_unit(agencies["a"], months=1)
        payment = pay(unit, "300.00")
        assert credit_of(employer_id=unit.pk) == Decimal("60.00")
        case = refund_request(
            materials=material_files("020304"),
            actor=clerk,
            employer=unit,
            lines=[{"payment": payment.pk, "amount": "60.00", "insurance_type": "110"}],
            **BANK,
        )
        case_approve(actor=reviewer, case=case)
        assert credit_of(employer_id=unit.pk) == Decimal("0.00")
        # a later due does not get the refunded money
        receivable(employer=unit, person=unit.person, period=months_ago(0), employer_amount="50.00")
        before = PaymentAllocation.objects.count()
        allocate_payers(employer_ids=[unit.pk])
        assert PaymentAllocation.objects.count() == before
        assert check_ledgers().ok

    def test_more_than_the_credit_is_400_naming_lines(self, clerk, agencies):
        unit = owing_unit(agencies["a"], months=1)
        payment = pay(unit, "300.00")
        with pytest.raises(ApplicationError) as exc:
            refund_request(
                materials=material_files("020304"),
                actor=clerk,
                employer=unit,
                lines=[{"payment": payment.pk, "amount": "60.01", "insurance_type": "110"}],
                **BANK,
            )
        assert exc.value.errors["lines"][0].startswith("第1条") and not Case.objects.exists()

    def test_another_units_line_is_refused(self, clerk, agencies):
        unit, other = owing_unit(agencies["a"], months=1), owing_unit(agencies["a"], months=1)
        pay(other, "240.00")
        line = Receivable.objects.get(employer=other)
        with pytest.raises(ApplicationError) as exc:
            refund_request(
                materials=material_files("020304"),
                actor=clerk,
                employer=unit,
                lines=[{"receivable": line.pk, "employer_amount": "1"}],
                **BANK,
            )
        assert "不属于该缴费主体" in exc.value.errors["lines"][0]


def _notice(clerk, reviewer, unit):
    return case_approve(actor=reviewer, case=arrears_notice_issue(actor=clerk, employer=unit))


@pytest.mark.catalog("020502")
class TestArrearsHandling:
    def test_no_overdue_no_notice(self, clerk, agencies):
        unit = owing_unit(agencies["a"], months=0)
        with pytest.raises(ApplicationError) as exc:
            arrears_notice_issue(actor=clerk, employer=unit)
        assert "employer" in exc.value.errors

    def test_escalation_only_after_the_deadline_and_in_order(self, clerk, reviewer, agencies):
        unit = owing_unit(agencies["a"])
        _notice(clerk, reviewer, unit)
        notice = ArrearsAction.objects.get(employer=unit, kind=ArrearsActionKind.NOTICE)
        with pytest.raises(ApplicationError) as exc:
            arrears_action_record(actor=clerk, employer=unit, kind="bank_inquiry", notes="查询工行账户")
        assert "acted_on" in exc.value.errors
        ArrearsAction.objects.filter(pk=notice.pk).update(deadline=timezone.localdate() - dt.timedelta(days=1))
        with pytest.raises(ApplicationError) as exc:
            arrears_action_record(actor=clerk, employer=unit, kind="enforcement", notes="申请法院强制执行")
        assert "kind" in exc.value.errors
        step = arrears_action_record(actor=clerk, employer=unit, kind="bank_inquiry", notes="查询工行账户余额 0")
        assert (step.notice_id, step.actor, step.amount) == (notice.pk, clerk, Decimal("480.00"))
        arrears_action_record(actor=clerk, employer=unit, kind="enforcement", notes="申请法院强制执行")
        (row,) = overdue_notices(actor=clerk)
        assert row.pk == notice.pk and [s.kind for s in row.steps.all()] == ["bank_inquiry", "enforcement"]

    def test_settlement_closes_when_the_arrears_reach_zero(self, clerk, reviewer, agencies):
        unit = owing_unit(agencies["a"])
        _notice(clerk, reviewer, unit)
        with pytest.raises(ConflictError) as exc:
            arrears_settle(actor=clerk, employer=unit)
        assert "480.00" in exc.value.message
        pay(unit, "480.00")
        assert arrears_close_settled(actor=clerk, agency_ids=[agencies["a"].pk]) == 1
        notice = ArrearsAction.objects.get(employer=unit, kind=ArrearsActionKind.NOTICE)
        assert notice.closed_on == timezone.localdate()
        assert ArrearsAction.objects.filter(employer=unit, kind=ArrearsActionKind.SETTLED).count() == 1
        assert overdue_notices(actor=clerk) == []

    def test_out_of_scope_steps_are_404(self, clerk, reviewer, clerk_b, agencies):
        from shebao.core.errors import NotFoundError

        unit = owing_unit(agencies["a"])
        _notice(clerk, reviewer, unit)
        with pytest.raises(NotFoundError):
            arrears_action_record(actor=clerk_b, employer=unit, kind="bank_inquiry", notes="x")


@pytest.mark.catalog("01010103", "020502")
class TestDeregistrationBlocker:
    def test_unit_with_arrears_cannot_deregister(self, clerk, agencies):
        unit = owing_unit(agencies["a"], months=1)
        reasons = deregistration_blockers(unit)
        assert any("尚欠社会保险费及滞纳金 240.00 元" in r for r in reasons)
        with pytest.raises(ApplicationError) as exc:
            employer_deregister(actor=clerk, employer=unit, reason="歇业", cancel_date=timezone.localdate())
        assert any("尚欠" in m for m in exc.value.errors["employer"])

    def test_paid_up_unit_has_no_arrears_blocker(self, agencies):
        unit = owing_unit(agencies["a"], months=1)
        pay(unit, "240.00")
        assert not [r for r in deregistration_blockers(unit) if "尚欠" in r]

    def test_back_payment_kind_counts_too(self, agencies):
        unit = owing_unit(agencies["a"], months=0)
        receivable(employer=unit, period=months_ago(3), employer_amount="10.00", kind=ReceivableKind.LATE_FEE)
        assert any("10.00" in r for r in deregistration_blockers(unit))

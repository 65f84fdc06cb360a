"""The four arrears items through the item test kit (`shebao.testing.ItemTestCase`): 020302 缓缴, 020303 补缴,
020304 退费, 020502 责令限期缴纳 — happy path through approval with audit rows, 404 out of scope, 400 on bad input
with nothing saved, maker-checker, one open case per subject — in the service, the API and the UI."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from shebao.contributions.choices import ArrearsActionKind, PaymentChannel, ReceivableKind
from shebao.contributions.models import ArrearsAction, Deferral, Payment, Receivable, RefundInstruction
from shebao.contributions.services.arrears_back import back_payment_assess
from shebao.contributions.services.arrears_deferral import deferral_apply
from shebao.contributions.services.arrears_notice import arrears_notice_issue
from shebao.contributions.services.arrears_refund import refund_request
from shebao.contributions.services.collection_check import check_ledgers
from shebao.contributions.tests.arrears.factories import months_ago, owing_unit, pay
from shebao.registration.tests.factories import EmployerFactory
from shebao.testing import ItemTestCase, Submission

pytestmark = [pytest.mark.django_db, pytest.mark.catalog("020302", "020303", "020304", "020502")]


class TestDeferralKit(ItemTestCase):
    """020302 缓缴申请: a `Deferral` on approval."""

    item_code = "020302"
    bad_field = "end_month"
    saved_models = (Deferral,)

    def subject(self, kit):
        return EmployerFactory(agency=kit.agencies["a"])

    def _submission(self, unit, end):
        start = f"{months_ago(0):%Y-%m}"
        data = {"insurance_types": ["110", "210"], "start_month": start, "end_month": end, "reason": "疫情影响停产"}
        return Submission(
            service=deferral_apply,
            kwargs={"employer": unit, **data},
            api_url=f"/api/v1/arrears/employers/{unit.pk}/deferrals/",
            api_body=data,
            ui_url=reverse("contributions:arrears-deferral", args=[unit.pk]),
            ui_form=data,
        )

    def submission(self, kit, subject):
        return self._submission(subject, f"{months_ago(-2):%Y-%m}")

    def bad_submission(self, kit, subject):
        return self._submission(subject, f"{months_ago(-13):%Y-%m}")  # 14 months > 12

    def check_applied(self, kit, subject, case):
        d = Deferral.objects.get(case=case)
        assert d.employer == subject and d.types == ["110", "210"]
        assert (d.start_month, d.end_month) == (months_ago(0), months_ago(-2))
        assert d.expires_on.month == months_ago(-2).month and d.approved_by == kit.reviewer


class TestBackPaymentKit(ItemTestCase):
    """020303 补缴核定: BACK_PAYMENT and LATE_FEE lines on approval."""

    item_code = "020303"
    bad_field = "base"
    saved_models = (Receivable,)

    def subject(self, kit):
        return EmployerFactory(agency=kit.agencies["a"])

    def _submission(self, unit, base):
        data = {
            "from_month": f"{months_ago(3):%Y-%m}",
            "to_month": f"{months_ago(2):%Y-%m}",
            "base": base,
            "insurance_types": ["110", "210"],
            "reason": "unenrolled",
        }
        return Submission(
            service=back_payment_assess,
            kwargs={"employer": unit, **data},
            api_url=f"/api/v1/arrears/employers/{unit.pk}/back-payments/",
            api_body=data,
            ui_url=reverse("contributions:arrears-back-payment", args=[unit.pk]),
            ui_form={**data, "note": ""},
        )

    def submission(self, kit, subject):
        return self._submission(subject, "6000.00")

    def bad_submission(self, kit, subject):
        return self._submission(subject, "-1")

    def check_applied(self, kit, subject, case):
        lines = Receivable.objects.filter(case=case)
        principal = lines.filter(kind=ReceivableKind.BACK_PAYMENT)
        assert principal.count() == 4  # 2 months × 2 types
        assert all(r.employer_id == subject.pk and r.base == Decimal("6000.00") for r in principal)
        assert lines.filter(kind=ReceivableKind.LATE_FEE).exists()
        assert Decimal(case.result["principal"]) == sum(r.employer_amount + r.individual_amount for r in principal)


class TestRefundKit(ItemTestCase):
    """020304 退费: reversing entries, a refund payment and a bank instruction on approval; the ledgers agree."""

    item_code = "020304"
    bad_field = "lines"
    saved_models = (Receivable, Payment, RefundInstruction)

    def subject(self, kit):
        unit = owing_unit(kit.agencies["a"], months=1)
        pay(unit, "240.00")
        unit.line = Receivable.objects.get(employer=unit)
        return unit

    def _submission(self, unit, employer_amount):
        data = {
            "lines": [{"receivable": unit.line.pk, "employer_amount": employer_amount, "individual_amount": "0"}],
            "bank_name": "中国工商银行杭州分行",
            "bank_account": "6222021202000000001",
            "account_name": unit.name,
            "reason": "重复申报多缴",
        }
        ui = {**data, "lines": f"R{unit.line.pk},{employer_amount},0"}
        return Submission(
            service=refund_request,
            kwargs={"employer": unit, **data},
            api_url=f"/api/v1/arrears/employers/{unit.pk}/refunds/",
            api_body=data,
            ui_url=reverse("contributions:arrears-refund", args=[unit.pk]),
            ui_form=ui,
        )

    def submission(self, kit, subject):
        return self._submission(subject, "100.00")

    def bad_submission(self, kit, subject):
        return self._submission(subject, "160.01")  # more than paid on the line

    def check_applied(self, kit, subject, case):
        (back,) = Receivable.objects.filter(case=case)
        assert (back.kind, back.reverses_id, back.employer_amount) == (
            ReceivableKind.REFUND,
            subject.line.pk,
            Decimal("-100.00"),
        )
        refund = Payment.objects.get(case=case)
        assert (refund.channel, refund.amount) == (PaymentChannel.REFUND, Decimal("-100.00"))
        ins = RefundInstruction.objects.get(case=case)
        assert ins.amount == Decimal("100.00") and ins.content.startswith("H,SBTF01,")
        assert check_ledgers().ok


class TestArrearsNoticeKit(ItemTestCase):
    """020502 责令限期缴纳: a notice with its deadline on approval."""

    item_code = "020502"
    bad_field = "note"
    saved_models = (ArrearsAction,)

    def subject(self, kit):
        return owing_unit(kit.agencies["a"])

    def _submission(self, unit, note):
        data = {"note": note}
        return Submission(
            service=arrears_notice_issue,
            kwargs={"employer": unit, **data},
            api_url=f"/api/v1/arrears/employers/{unit.pk}/notices/",
            api_body=data,
            ui_url=reverse("contributions:arrears-notice", args=[unit.pk]),
            ui_form=data,
        )

    def submission(self, kit, subject):
        return self._submission(subject, "多次催缴未果")

    def bad_submission(self, kit, subject):
        return self._submission(subject, "说明\u202e")  # a bidi control character

    def check_applied(self, kit, subject, case):
        notice = ArrearsAction.objects.get(case=case)
        assert notice.kind == ArrearsActionKind.NOTICE and notice.amount == Decimal("480.00")
        assert (notice.deadline - notice.acted_on).days == 10

"""020402 缴费凭证: a payment's receipt certifies the payment and its allocation, with a signed verification code;
a reprint carries the same code; the amount is written in 人民币大写."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from shebao.contributions.choices import PaymentChannel
from shebao.contributions.documents.collection import payment_certified, payment_receipt, rmb_upper
from shebao.contributions.services.collection import post_payment
from shebao.contributions.tests.collection.factories import receivable
from shebao.core.models import IssuedDocument
from shebao.core.verification import document_code, document_verify

pytestmark = [pytest.mark.django_db, pytest.mark.catalog("020402")]


@pytest.mark.parametrize(
    ("amount", "words"),
    [
        ("0", "零元整"),
        ("0.05", "伍分"),
        ("1234.50", "壹仟贰佰叁拾肆元伍角整"),
        ("10010.01", "壹万零壹拾元零壹分"),
        ("100000.00", "壹拾万元整"),
        ("1000000001.10", "壹拾亿零壹元壹角整"),
    ],
)
def test_amount_in_capital_numerals(amount, words):
    assert rmb_upper(Decimal(amount)) == words


def test_receipt_certifies_the_payment_and_verifies(clerk, unit):
    receivable(
        employer=unit, person=unit.staff[0], period="2026-01", employer_amount="160.00", individual_amount="80.00"
    )
    payment, _ = post_payment(
        actor=clerk,
        employer=unit,
        agency=unit.agency,
        channel=PaymentChannel.COUNTER,
        reference="R-1",
        amount=Decimal("300.00"),
        paid_on=dt.date(2026, 2, 3),
    )
    fields = dict(payment_certified(payment).fields)
    assert fields["缴费金额（大写）"] == "叁佰元整" and fields["转为预缴余额"] == "¥60.00"
    assert fields["社会保险登记编号"] == unit.reg_no
    name, pdf = payment_receipt(payment)
    assert pdf[:4] == b"%PDF" and name == f"payment-{payment.pk}.pdf"
    doc = IssuedDocument.objects.get(kind="receipt.020402", object_id=str(payment.pk))
    result = document_verify(document_code(doc))
    assert result.valid and result.document.pk == doc.pk
    payment_receipt(payment)  # a reprint
    assert IssuedDocument.objects.filter(kind="receipt.020402").count() == 1

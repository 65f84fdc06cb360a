"""Collection pages issue the same number of SQL queries with 2 rows as with 20 (no per-row queries)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from shebao.contributions.choices import PaymentChannel
from shebao.contributions.services.collection import post_payment
from shebao.contributions.tests.collection.factories import receivable
from shebao.registration.tests.factories import EmployerFactory, EmployerUserFactory, PersonFactory
from shebao.testing import login
from shebao.tests.test_query_counts import Rows, assert_constant_queries

pytestmark = [pytest.mark.django_db, pytest.mark.catalog("020402", "020501")]


def _month(i: int) -> dt.date:
    return dt.date(2024 + i // 12, i % 12 + 1, 1)


def test_agency_arrears_list(client, clerk, agencies):
    def make(i):
        e = EmployerFactory(agency=agencies["a"])
        receivable(employer=e, person=PersonFactory(employer=e), employer_amount="100.00")

    login(client, clerk)
    assert_constant_queries(lambda: client.get(reverse("contributions:collection-arrears")), Rows(make))


def test_unit_page_with_lines_and_payments(client, clerk, unit):
    def make(i):
        receivable(employer=unit, person=PersonFactory(employer=unit), period=_month(i), employer_amount="100.00")
        post_payment(
            actor=clerk,
            employer=unit,
            agency=unit.agency,
            channel=PaymentChannel.COUNTER,
            reference=f"Q{i}",
            amount=Decimal("10.00"),
            paid_on=dt.date.today(),
        )

    login(client, clerk)
    url = reverse("contributions:collection-employer", args=[unit.pk])
    assert_constant_queries(lambda: client.get(url), Rows(make))


def test_portal_bill_by_month(client, unit):
    def make(i):
        receivable(employer=unit, person=unit.staff[0], period=_month(i), employer_amount="100.00")

    login(client, EmployerUserFactory(employer=unit))
    assert_constant_queries(lambda: client.get(reverse("contributions:collection-portal-bill")), Rows(make))

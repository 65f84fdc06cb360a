"""The collection demo adds nothing before the assessment exists, and runs through the services once it does."""

from __future__ import annotations

import pytest
from django.utils import timezone

from shebao.contributions.demo import collection as demo
from shebao.contributions.models import ArrearsLedger, BankFile, CollectionPlan, Payment
from shebao.contributions.tests.collection.factories import receivable
from shebao.core.bench.demo import DemoContext
from shebao.registration.tests.factories import EmployerFactory, EmployerUserFactory, PersonFactory

pytestmark = pytest.mark.django_db


def _ctx(agencies, clerk, reviewer):
    return DemoContext(
        seed=2026,
        password="x",
        today=timezone.localdate(),
        agencies={"sc": agencies["a"]},
        staff={"sc:clerk": clerk, "sc:reviewer": reviewer},
    )


def test_without_receivables_the_demo_adds_nothing(agencies, clerk, reviewer):
    demo.load(_ctx(agencies, clerk, reviewer))
    assert not BankFile.objects.exists() and not Payment.objects.exists()


def test_with_receivables_the_demo_collects(agencies, clerk, reviewer):
    period = timezone.localdate().replace(day=1)
    units = [EmployerFactory(agency=agencies["a"], bank_account=f"62220212020000{n:05d}") for n in range(10)]
    for unit in units:
        receivable(
            employer=unit,
            person=PersonFactory(employer=unit),
            period=period,
            employer_amount="900.00",
            individual_amount="300.00",
        )
    EmployerUserFactory(username="employer", employer=units[0])
    demo.load(_ctx(agencies, clerk, reviewer))
    assert BankFile.objects.filter(kind="return", status="posted", success_count=7, failed_count=1).exists()
    assert Payment.objects.filter(channel="counter").count() == 1 and Payment.objects.filter(channel="online").exists()
    assert CollectionPlan.objects.exists() and ArrearsLedger.objects.exists()

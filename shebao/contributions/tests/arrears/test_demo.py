"""The arrears demo: a deferral and a back-payment always; a notice only when overdue receivables exist."""

from __future__ import annotations

import pytest
from django.utils import timezone

from shebao.contributions.demo import arrears as demo
from shebao.contributions.models import ArrearsAction, Deferral, Receivable
from shebao.contributions.tests.arrears.factories import owing_unit
from shebao.core.bench.demo import DemoContext
from shebao.registration.tests.factories import EmployerFactory

pytestmark = pytest.mark.django_db


def _ctx(agencies, clerk, reviewer):
    return DemoContext(
        seed=2026,
        password="x",
        today=timezone.localdate(),
        agencies={"sc": agencies["a"]},
        staff={"sc:clerk": clerk, "sc:reviewer": reviewer},
    )


def test_without_receivables_no_notice(agencies, clerk, reviewer):
    EmployerFactory(agency=agencies["a"])
    EmployerFactory(agency=agencies["a"])
    demo.load(_ctx(agencies, clerk, reviewer))
    assert Deferral.objects.count() == 1 and not ArrearsAction.objects.exists()
    # the back-payment's own lines are overdue, but the notice is chosen only among units owing before it ran
    assert Receivable.objects.filter(kind="back_payment").exists()


def test_with_overdue_receivables_a_notice_is_issued(agencies, clerk, reviewer):
    owing_unit(agencies["a"])
    EmployerFactory(agency=agencies["a"])
    EmployerFactory(agency=agencies["a"])
    demo.load(_ctx(agencies, clerk, reviewer))
    assert ArrearsAction.objects.filter(kind="notice").count() == 1

"""seed_demo's assessment part: the demo city assessed for the last two complete months, as real batch runs."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from shebao.contributions.choices import ReceivableKind
from shebao.contributions.demo.assessment import demo_months
from shebao.contributions.models import Receivable
from shebao.core.audit import audit_verify
from shebao.core.batch_models import BatchRun, BatchStatus
from shebao.core.models import User

pytestmark = [pytest.mark.django_db]


def test_seed_demo_assesses_two_months(db):
    out = StringIO()
    call_command("seed_demo", employers=12, persons=300, seed=7, stdout=out, stderr=StringIO())
    months = demo_months(timezone.localdate(), "330100")
    runs = BatchRun.objects.filter(kind="contributions.assessment").order_by("period")
    assert [r.period for r in runs] == months and {r.status for r in runs} == {BatchStatus.DONE}
    assert all(r.rows == Receivable.objects.filter(batch_run=r).count() > 0 for r in runs)
    portal_unit = User.objects.get(username="employer").employer
    bill = Receivable.objects.filter(employer=portal_unit, period=months[-1], kind=ReceivableKind.ASSESSMENT)
    assert bill.exists()  # the demo employer user sees a bill
    assert Receivable.objects.filter(person__employer__isnull=True, employer__isnull=True).exists()  # flexible
    assert "应缴核定" in out.getvalue()
    assert audit_verify().ok


@pytest.mark.parametrize(
    ("today", "expected"),
    [("2026-11-27", ["2026-09", "2026-10"]), ("2027-01-05", ["2027-01"]), ("2027-02-10", ["2027-01", "2027-02"])],
)
def test_the_demo_months_stay_in_the_contribution_year(db, today, expected):
    import datetime as dt

    got = demo_months(dt.date.fromisoformat(today), "330100")
    assert [f"{m:%Y-%m}" for m in got] == expected

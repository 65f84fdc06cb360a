"""The 1107 demo: access-log rows, one approved export ready to download and one request waiting for review."""

from __future__ import annotations

import pytest
from django.utils import timezone

from shebao.core.bench.demo import DemoContext
from shebao.core.choices import CaseStatus
from shebao.core.models import Case, PersonalDataAccess
from shebao.operations.demo import security as demo
from shebao.operations.models import PersonalDataExport

from .helpers import unit_with_employees

pytestmark = pytest.mark.django_db


def test_demo_loads_an_approved_and_a_pending_export(agencies, clerk, reviewer):
    unit_with_employees(agencies["a"], 2)
    unit_with_employees(agencies["a"], 1)
    ctx = DemoContext(
        seed=2026,
        password="x",
        today=timezone.localdate(),
        agencies={"sc": agencies["a"]},
        staff={"sc:clerk": clerk, "sc:reviewer": reviewer},
    )
    demo.load(ctx)
    assert PersonalDataExport.objects.get().requester == clerk
    assert Case.objects.filter(item_id="1107", status=CaseStatus.ACCEPTED).count() == 1
    assert PersonalDataAccess.objects.filter(actor=clerk, object_type="person").count() >= 3

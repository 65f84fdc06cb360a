"""The cluster 11 demo parts of 1105 and 111103: a sub-agency, a grant, query volumes, three rectification tasks."""

from __future__ import annotations

import pytest
from django.utils import timezone

from shebao.core.bench.demo import DemoContext
from shebao.core.models import ActivityCount, Agency, UserGrant
from shebao.operations.demo import rectification, sysadmin
from shebao.operations.models import RectificationStatus, RectificationTask
from shebao.operations.services.rectification import overdue_rectifications, rectifications_for

pytestmark = pytest.mark.django_db


def test_demo_parts_load(agencies, admin_a, clerk, reviewer, finance_a):
    ctx = DemoContext(
        seed=2026,
        password="x",
        today=timezone.localdate(),
        agencies={"sc": agencies["a"], "city": agencies["city"]},
        staff={"sc:agency_admin": admin_a, "sc:clerk": clerk, "sc:reviewer": reviewer, "sc:finance": finance_a},
    )
    sysadmin.load(ctx)
    rectification.load(ctx)
    assert Agency.objects.filter(parent=agencies["a"]).count() == 1
    assert UserGrant.objects.filter(user=finance_a).count() == 1
    assert ActivityCount.objects.filter(user=clerk).count() == 6
    statuses = sorted(RectificationTask.objects.values_list("status", flat=True))
    assert statuses == sorted([RectificationStatus.CLOSED, RectificationStatus.SUBMITTED, RectificationStatus.OPEN])
    assert overdue_rectifications(rectifications_for(admin_a)).count() == 1


def test_demo_parts_skip_without_staff(agencies):
    ctx = DemoContext(seed=1, password="x", today=timezone.localdate(), agencies={"sc": agencies["a"]})
    sysadmin.load(ctx)
    rectification.load(ctx)
    assert not RectificationTask.objects.exists() and not UserGrant.objects.exists()

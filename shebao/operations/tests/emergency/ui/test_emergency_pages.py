"""1111 应急管理 pages: plan list (empty state, search, pagination), plan page, drill schedule and record."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from shebao.core.models import AuditEvent
from shebao.operations.models import EmergencyDrill, EmergencyPlan
from shebao.testing import assert_refused, count_rows, login

from ..conftest import make_plan

pytestmark = [pytest.mark.django_db, pytest.mark.catalog("111101", "111102")]


def test_plan_list_empty_state_then_search_and_pagination(client, clerk, agencies):
    login(client, clerk)
    html = client.get(reverse("operations:emergency-plans")).content.decode()
    assert "暂无应急预案" in html and "制定应急预案" in html
    for i, scenario in enumerate(["db_loss", "dc_outage", "data_leak", "batch_failure"]):
        make_plan(agencies["a"], scenario=scenario, title=f"预案{i}")
    html = client.get(reverse("operations:emergency-plans"), {"scenario": "data_leak"}).content.decode()
    assert "预案2" in html and "预案0" not in html
    from shebao.core.tests.factories import AgencyFactory

    for code in ("330106", "330108", "330109", "330110", "330111"):
        sub = AgencyFactory(code=code, name=f"分中心{code}", parent=agencies["a"])
        for scenario in ("db_loss", "dc_outage", "data_leak", "batch_failure"):
            make_plan(sub, scenario=scenario, title=f"分中心预案{code}{scenario}")
    page1 = client.get(reverse("operations:emergency-plans")).content.decode()
    page2 = client.get(reverse("operations:emergency-plans"), {"page": 2}).content.decode()
    assert "共 24 条" in page2 and "分中心预案330111batch_failure" in page2
    assert "分中心预案330111batch_failure" not in page1


def test_plan_page_shows_rto_and_schedules_a_drill(client, clerk, agencies):
    plan = make_plan(agencies["a"])
    login(client, clerk)
    html = client.get(reverse("operations:emergency-plan", args=[plan.pk])).content.decode()
    assert "240 分钟" in html and "13800571001" in html and "安排演练" in html
    url = reverse("operations:emergency-drill-schedule", args=[plan.pk])
    before = count_rows(EmergencyDrill, AuditEvent)
    res = client.post(url, {"scheduled_on": "2020-01-01", "responsible": "", "kind": "restore"})
    assert_refused(res, status=400, field=["scheduled_on", "responsible"], nothing_saved=before)
    day = (timezone.localdate() + dt.timedelta(days=2)).isoformat()
    res = client.post(url, {"scheduled_on": day, "responsible": "王工", "kind": "tabletop"})
    drill = EmergencyDrill.objects.get()
    assert res.status_code == 302 and res["Location"] == reverse("operations:emergency-drill", args=[drill.pk])


def test_drill_page_records_result_against_rto(client, clerk, agencies):
    plan = make_plan(agencies["a"], rto_minutes=60)
    drill = EmergencyDrill.objects.create(
        plan=plan,
        agency=plan.agency,
        kind="tabletop",
        scheduled_on=timezone.localdate(),
        responsible="王工",
        created_by=clerk,
    )
    login(client, clerk)
    page = client.get(reverse("operations:emergency-drill", args=[drill.pk])).content.decode()
    assert "记录演练结果" in page and "运行恢复演练" not in page
    url = reverse("operations:emergency-drill-record", args=[drill.pk])
    before = count_rows(EmergencyDrill, AuditEvent)
    assert_refused(
        client.post(url, {"total_minutes": "abc"}), status=400, field=["ok", "total_minutes"], nothing_saved=before
    )
    res = client.post(url, {"ok": "yes", "total_minutes": "75", "findings": "值班电话无人接听"})
    assert res.status_code == 302
    html = client.get(reverse("operations:emergency-drill", args=[drill.pk])).content.decode()
    assert "未达到 RTO" in html and "值班电话无人接听" in html
    listing = client.get(reverse("operations:emergency-drills")).content.decode()
    assert "未达到" in listing


def test_other_agency_gets_404_and_plan_change_form_prefilled(client, clerk, clerk_b, agencies):
    plan = make_plan(agencies["a"])
    login(client, clerk_b)
    assert client.get(reverse("operations:emergency-plan", args=[plan.pk])).status_code == 404
    login(client, clerk)
    html = client.get(reverse("operations:emergency-plan-change", args=[plan.pk])).content.decode()
    assert "核心业务数据库损毁应急预案" in html and "信息科 王工 13800571001" in html
    assert EmergencyPlan.objects.count() == 1

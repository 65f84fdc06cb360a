"""1111 应急管理 API: plans (create/change as cases, list, detail), drills (schedule, record, restore), refusals."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from shebao.operations.models import EmergencyDrill, EmergencyPlan
from shebao.testing import assert_refused

from ..conftest import make_plan, plan_data

pytestmark = [pytest.mark.django_db, pytest.mark.catalog("111101", "111102")]


def test_plan_is_created_through_a_case_and_listed(api, clerk, approve, clerk_b):
    res = api(clerk).post("/api/v1/emergency-plans/", {**plan_data(), "scenario": "data_leak"}, format="json")
    assert res.status_code == 201, res.json()
    approve(res.json()["id"])
    listed = api(clerk).get("/api/v1/emergency-plans/").json()
    assert listed["count"] == 1 and listed["results"][0]["scenario"] == "data_leak"
    plan_id = listed["results"][0]["id"]
    assert api(clerk).get(f"/api/v1/emergency-plans/{plan_id}/").json()["version"] == 1
    assert api(clerk_b).get(f"/api/v1/emergency-plans/{plan_id}/").status_code == 404
    assert api(clerk_b).get("/api/v1/emergency-plans/").json()["count"] == 0


def test_bad_plan_input_is_400_naming_the_field(api, clerk):
    body = {**plan_data(rto_minutes="60"), "scenario": "db_loss"}
    assert_refused(
        lambda: api(clerk).post("/api/v1/emergency-plans/", body, format="json"), status=400, field="rto_minutes"
    )
    body = {**plan_data(rto_minutes=0), "scenario": "db_loss"}
    assert_refused(
        lambda: api(clerk).post("/api/v1/emergency-plans/", body, format="json"),
        status=400,
        field="rto_minutes",
        nothing_saved=[EmergencyPlan],
    )


def test_drill_is_scheduled_and_recorded(api, clerk, agencies):
    plan = make_plan(agencies["a"])
    day = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    res = api(clerk).post(
        "/api/v1/emergency-drills/",
        {"plan": plan.pk, "scheduled_on": day, "responsible": "王工", "kind": "tabletop"},
        format="json",
    )
    assert res.status_code == 201, res.json()
    drill_id = res.json()["id"]
    res = api(clerk).post(
        f"/api/v1/emergency-drills/{drill_id}/record/",
        {"ok": True, "total_minutes": 30, "findings": "备用电源切换需人工确认"},
        format="json",
    )
    assert res.status_code == 200 and res.json()["rto_met"] is True and res.json()["total_seconds"] == 1800
    assert api(clerk).get("/api/v1/emergency-drills/", {"status": "done"}).json()["count"] == 1


def test_clerk_cannot_run_the_restore_drill_and_other_agency_gets_404(api, clerk, clerk_b, agencies):
    plan = make_plan(agencies["a"])
    drill = EmergencyDrill.objects.create(
        plan=plan,
        agency=plan.agency,
        kind="restore",
        scheduled_on=timezone.localdate(),
        responsible="王工",
        created_by=clerk,
    )
    assert api(clerk).post(f"/api/v1/emergency-drills/{drill.pk}/restore/", {}, format="json").status_code == 403
    assert api(clerk_b).post(f"/api/v1/emergency-drills/{drill.pk}/restore/", {}, format="json").status_code == 404
    assert api(clerk_b).get(f"/api/v1/emergency-drills/{drill.pk}/").status_code == 404


def test_non_integer_ids_are_json_404(api, clerk):
    for url in ("/api/v1/emergency-plans/abc/", "/api/v1/emergency-drills/x/record/", "/api/v1/backups/1/"):
        res = api(clerk).get(url)
        assert res.status_code == 404 and res["Content-Type"].startswith("application/json")

"""111101 应急机制: a plan is made and changed through a reviewed case; version, stale changes, input, demo."""

from __future__ import annotations

import pytest

from shebao.core.cases import case_approve
from shebao.core.errors import ConflictError
from shebao.core.models import AuditEvent, Case
from shebao.operations.models import EmergencyPlan
from shebao.operations.services.emergency import emergency_plan_change
from shebao.testing import assert_refused

from ..conftest import plan_data

pytestmark = [pytest.mark.django_db, pytest.mark.catalog("111101")]


def test_a_new_plan_takes_effect_only_after_a_second_user_approves(clerk, reviewer):
    case = emergency_plan_change(actor=clerk, data=plan_data(), scenario="db_loss")
    assert not EmergencyPlan.objects.exists(), "nothing changes before review"
    case = case_approve(actor=reviewer, case=case)
    plan = EmergencyPlan.objects.get(pk=case.result["plan_id"])
    assert (plan.scenario, plan.version, plan.agency, plan.rto_minutes) == ("db_loss", 1, clerk.agency, 240)
    assert plan.contacts == ["信息科 王工 13800571001"]
    assert AuditEvent.objects.get(action="emergency_plan.create").after["version"] == 1


def test_a_second_plan_for_the_same_scenario_is_refused(clerk, reviewer):
    case_approve(actor=reviewer, case=emergency_plan_change(actor=clerk, data=plan_data(), scenario="db_loss"))
    assert_refused(
        lambda: emergency_plan_change(actor=clerk, data=plan_data(), scenario="db_loss"),
        field="scenario",
        nothing_saved=[Case, EmergencyPlan],
    )


def test_a_change_approved_after_another_change_is_refused_as_stale(clerk, reviewer, plan, agencies):
    from shebao.conftest import make_user
    from shebao.core.choices import Role

    first = emergency_plan_change(actor=clerk, plan=plan, data=plan_data(rto_minutes=60))
    case_approve(actor=reviewer, case=first)
    plan.refresh_from_db()
    assert plan.version == 2
    other = make_user(Role.CLERK, agencies["a"])
    stale = emergency_plan_change(actor=other, plan=plan, data=plan_data(rto_minutes=30))
    EmergencyPlan.objects.filter(pk=plan.pk).update(version=3)  # someone changed it meanwhile
    error = assert_refused(lambda: case_approve(actor=reviewer, case=stale), status=409)
    assert isinstance(error, ConflictError) and "第3版" in error.message


def test_every_bad_field_is_reported_at_once(clerk):
    bad = plan_data(title="", roles=[], steps="", contacts=["王工"], rto_minutes="abc", rpo_minutes=0)
    error = assert_refused(
        lambda: emergency_plan_change(actor=clerk, data=bad, scenario="flood"),
        nothing_saved=[Case, EmergencyPlan, AuditEvent],
    )
    assert set(error.errors) == {"scenario", "title", "roles", "steps", "contacts", "rto_minutes", "rpo_minutes"}
    assert "联系电话" in error.errors["contacts"][0]


def test_demo_makes_the_four_scenarios_and_two_drills(clerk, reviewer):
    from types import SimpleNamespace

    from django.utils import timezone

    from shebao.operations.demo import emergency as demo
    from shebao.operations.models import EmergencyDrill

    demo.load(SimpleNamespace(staff={"sc:clerk": clerk, "sc:reviewer": reviewer}, today=timezone.localdate()))
    assert sorted(EmergencyPlan.objects.values_list("scenario", flat=True)) == sorted(
        ["db_loss", "dc_outage", "data_leak", "batch_failure"]
    )
    assert all(p.rto_minutes and p.rpo_minutes and p.contacts for p in EmergencyPlan.objects.all())
    held = EmergencyDrill.objects.get(status="done")
    assert held.rto_met is True and "短信模板" in held.findings
    assert EmergencyDrill.objects.get(status="planned").kind == "restore"

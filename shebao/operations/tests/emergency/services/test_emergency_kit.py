"""111101 应急机制 through the item kit (a plan change is a reviewed case), and 111102 定期演练 in the kit's form
for a direct act (a drill is scheduled, not approved)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from shebao.core.models import AuditEvent
from shebao.operations.models import EmergencyDrill, EmergencyPlan
from shebao.operations.services.emergency import emergency_drill_schedule, emergency_plan_change
from shebao.testing import ItemTestCase, Submission, api_client_for, assert_refused, count_rows, login

from ..conftest import make_plan, plan_data

pytestmark = [pytest.mark.django_db, pytest.mark.catalog("111101", "111102")]


class TestEmergencyPlanItem(ItemTestCase):
    item_code = "111101"
    bad_field = "contacts"
    saved_models = (EmergencyPlan,)

    def subject(self, kit):
        return make_plan(kit.agencies["a"])

    def _data(self, **overrides) -> dict:
        return plan_data(title="数据库损毁应急预案2027年修订版", rto_minutes=120, **overrides)

    def submission(self, kit, subject) -> Submission:
        data = self._data()
        return Submission(
            service=emergency_plan_change,
            kwargs={"plan": subject, "data": data, "note": "缩短RTO"},
            api_url=f"/api/v1/emergency-plans/{subject.pk}/change/",
            api_body={**data, "note": "缩短RTO"},
            ui_url=reverse("operations:emergency-plan-change", args=[subject.pk]),
            ui_form={**data, **{k: "\n".join(data[k]) for k in ("roles", "steps", "contacts")}, "note": "缩短RTO"},
            materials="none",
        )

    def bad_submission(self, kit, subject) -> Submission:
        s = self.submission(kit, subject)
        s.kwargs["data"] = self._data(contacts=["信息科 王工"])
        s.api_body["contacts"] = ["信息科 王工"]
        s.ui_form["contacts"] = "信息科 王工"
        return s

    def check_applied(self, kit, subject, case) -> None:
        subject.refresh_from_db()
        assert (subject.version, subject.rto_minutes, subject.case_id) == (2, 120, case.pk)
        assert subject.title == "数据库损毁应急预案2027年修订版"
        assert AuditEvent.objects.get(action="emergency_plan.change").before["rto_minutes"] == 240


class TestEmergencyDrillItem(ItemTestCase):
    """A drill is scheduled directly (audited), not through a case: the kit's promises in that form."""

    item_code = "111102"
    bad_field = "scheduled_on"
    saved_models = (EmergencyDrill,)

    def subject(self, kit):
        return make_plan(kit.agencies["a"])

    def submission(self, kit, subject) -> Submission:
        day = (timezone.localdate() + dt.timedelta(days=3)).isoformat()
        return Submission(
            service=emergency_drill_schedule,
            kwargs={"plan": subject, "scheduled_on": day, "responsible": "王工"},
            api_url="/api/v1/emergency-drills/",
            api_body={"plan": subject.pk, "scheduled_on": day, "responsible": "王工"},
            ui_url=reverse("operations:emergency-drill-schedule", args=[subject.pk]),
            ui_form={"scheduled_on": day, "responsible": "王工", "kind": "restore"},
            materials="none",
        )

    def bad_submission(self, kit, subject) -> Submission:
        s = self.submission(kit, subject)
        s.kwargs["scheduled_on"] = s.api_body["scheduled_on"] = s.ui_form["scheduled_on"] = "2020-01-01"
        return s

    def _guarded(self) -> list:
        return [EmergencyDrill, AuditEvent]

    def test_kit_service_opens_an_accepted_window_case(self, kit):
        plan = self.subject(kit)
        drill = self.submission(kit, plan).call(kit.clerk)
        assert (drill.plan, drill.status, drill.created_by) == (plan, "planned", kit.clerk)
        assert AuditEvent.objects.get(action="emergency_drill.schedule").actor == kit.clerk

    def test_kit_approval_by_another_reviewer_applies_the_change_and_audits(self, kit):
        pytest.skip("演练安排不经复核（无业务经办单）")

    def test_kit_api_submission_opens_a_case(self, kit):
        res = self.submission(kit, self.subject(kit)).post_api(api_client_for(kit.clerk))
        assert res.status_code == 201 and EmergencyDrill.objects.get().pk == res.json()["id"]

    def test_kit_ui_submission_redirects_to_the_case(self, kit, client):
        res = self.submission(kit, self.subject(kit)).post_ui(login(client, kit.clerk))
        drill = EmergencyDrill.objects.get()
        assert res.status_code == 302 and res["Location"] == reverse("operations:emergency-drill", args=[drill.pk])

    def test_kit_out_of_scope_clerk_ui_404(self, kit, client):
        login(client, kit.clerk_b)
        before = count_rows(*self._guarded())
        assert_refused(self.submission(kit, self.subject(kit)).post_ui(client), status=404, nothing_saved=before)

    def test_kit_handler_cannot_approve_own_case(self, kit):
        pytest.skip("演练安排不经复核（无业务经办单）")

    def test_kit_duplicate_open_case_refused_naming_the_pending_case(self, kit):
        s = self.submission(kit, self.subject(kit))
        first = s.call(kit.clerk)
        assert_refused(
            lambda: s.call(kit.clerk),
            status=409,
            message_contains=str(first.scheduled_on),
            nothing_saved=self._guarded(),
        )

    def test_kit_duplicate_open_case_refused_over_the_api(self, kit):
        s = self.submission(kit, self.subject(kit))
        client = api_client_for(kit.clerk)
        assert s.post_api(client).status_code == 201
        assert_refused(lambda: s.post_api(client), status=409, nothing_saved=self._guarded())

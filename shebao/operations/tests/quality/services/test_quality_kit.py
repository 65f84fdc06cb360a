"""1106 质量管理 through the item kit: a run is the act (no case), started by an agency administrator or auditor.

`ItemTestCase`'s promises in the form that fits a data-quality run: the administrator starts it (audited), executing
it writes the findings, the API answers 201 with the finished run and the page redirects to the report, another
agency's administrator gets 404 with nothing written, bad input is 400 naming the field, a clerk or a reviewer gets
403 (maker-checker does not apply: nothing is approved), and a second run of the same agency while one is 检查中 is
a 409 naming it (the counterpart of one open case per subject).
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from shebao.conftest import make_user
from shebao.core.choices import Role
from shebao.core.models import AuditEvent
from shebao.operations.models import QualityFinding, QualityRun, QualityRunStatus
from shebao.operations.services.quality import quality_run, quality_run_start
from shebao.testing import ItemTestCase, Kit, Submission, api_client_for, assert_refused, login

from ..planted import plant

pytestmark = [pytest.mark.django_db, pytest.mark.catalog("1106")]


class TestQualityKit(ItemTestCase):
    item_code = "1106"
    bad_field = "rules"
    saved_models = (QualityRun, QualityFinding)
    ui_out_of_scope = False  # the form offers only the user's own agency subtree (another agency is not a choice)

    @pytest.fixture
    def kit(self, agencies, clerk, reviewer):
        """Here the one who starts the act is agency a's administrator; `clerk_b` is agency b's administrator."""
        admin_a = make_user(Role.AGENCY_ADMIN, agencies["a"])
        admin_b = make_user(Role.AGENCY_ADMIN, agencies["b"])
        kit = Kit(agencies=agencies, clerk=admin_a, reviewer=reviewer, clerk_b=admin_b, admin=admin_a)
        kit.real_clerk = clerk
        return kit

    def subject(self, kit):
        return plant(kit.agencies["a"])

    def _submission(self, kit, rules) -> Submission:
        code = kit.agencies["a"].code
        return Submission(
            service=quality_run_start,
            kwargs={"agency": code, "rules": rules},
            api_url=reverse("api-operations:quality-runs"),
            api_body={"agency": code, "rules": rules},
            ui_url=reverse("operations:quality-home"),
            ui_form={"agency": code, "rules": rules},
            item_code="1106",
        )

    def submission(self, kit, subject):
        return self._submission(kit, ["YX01", "WY01", "YZ03"])

    def bad_submission(self, kit, subject):
        return self._submission(kit, ["ZZ99"])

    def _guarded(self):
        return [QualityRun, QualityFinding, AuditEvent]

    # --- the act and its effect ---------------------------------------------------------------------------------

    def test_kit_service_opens_an_accepted_window_case(self, kit):
        run = self.submission(kit, self.subject(kit)).call(kit.clerk)
        assert (run.status, run.started_by_id, run.agency_id) == (
            QualityRunStatus.RUNNING,
            kit.clerk.pk,
            kit.agencies["a"].pk,
        )
        assert AuditEvent.objects.filter(
            action="quality.run.start", object_id=str(run.pk), actor_id=kit.clerk.pk
        ).exists()

    def test_kit_approval_by_another_reviewer_applies_the_change_and_audits(self, kit):
        expected = self.subject(kit)
        run = quality_run(actor=kit.clerk, run=self.submission(kit, expected).call(kit.clerk))
        assert run.status == QualityRunStatus.DONE
        assert run.counts == {code: len(expected[code]) for code in ("YX01", "WY01", "YZ03")}
        assert AuditEvent.objects.filter(action="quality.run.finish", object_id=str(run.pk)).exists()

    def test_kit_api_submission_opens_a_case(self, kit):
        expected = self.subject(kit)
        res = self.submission(kit, expected).post_api(api_client_for(kit.clerk))
        assert res.status_code == 201, res.content[:2000]
        body = res.json()
        assert body["status"] == "done" and body["total"] == len(expected["YX01"]) + len(expected["WY01"]) + 1
        assert {r["code"]: r["count"] for r in body["rules"]}["WY01"] == 2

    def test_kit_ui_submission_redirects_to_the_case(self, kit, client):
        s = self.submission(kit, self.subject(kit))
        res = s.post_ui(login(client, kit.clerk))
        assert res.status_code == 302, res.content.decode()[:3000]
        run = QualityRun.objects.get()
        assert res["Location"] == reverse("operations:quality-run", args=[run.pk]) and run.status == "done"

    # --- who may start it (no maker-checker: nothing is approved) ------------------------------------------------

    def test_kit_handler_cannot_approve_own_case(self, kit):
        """A clerk (经办员) may not start a quality run: 403 in every channel, nothing written."""
        s = self.submission(kit, self.subject(kit))
        assert_refused(lambda: s.call(kit.real_clerk), status=403, nothing_saved=self._guarded())
        assert_refused(lambda: s.post_api(api_client_for(kit.real_clerk)), status=403, nothing_saved=self._guarded())

    def test_kit_reviewer_who_is_the_subject_cannot_approve(self, kit, client):
        """A reviewer (复核员) may not start one either; the page is 403 for them."""
        s = self.submission(kit, self.subject(kit))
        assert_refused(lambda: s.call(kit.reviewer), status=403, nothing_saved=self._guarded())
        login(client, kit.reviewer)
        assert client.get(reverse("operations:quality-home")).status_code == 403

    # --- one running run per agency -----------------------------------------------------------------------------

    def test_kit_duplicate_open_case_refused_naming_the_pending_case(self, kit):
        s = self.submission(kit, self.subject(kit))
        first = s.call(kit.clerk)
        assert_refused(
            lambda: s.call(kit.clerk),
            status=409,
            field="agency",
            message_contains=f"#{first.pk}",
            nothing_saved=self._guarded(),
        )

    def test_kit_duplicate_open_case_refused_over_the_api(self, kit):
        s = self.submission(kit, self.subject(kit))
        first = s.call(kit.clerk)
        assert_refused(
            lambda: s.post_api(api_client_for(kit.clerk)),
            status=409,
            message_contains=f"#{first.pk}",
            nothing_saved=self._guarded(),
        )

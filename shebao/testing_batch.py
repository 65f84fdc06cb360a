"""The item test mixin for business items carried out as batch runs (e.g. 020301 月度应缴核定).

Such an item has no case: its act is a `BatchRun` — started by a clerk with the item's handle grant, audited
(`batch.start`, `batch.finish`), unique per (kind, region, period), executed chunk by chunk. `BatchItemTestCase`
keeps `ItemTestCase`'s promises in the form that fits a run, in the service, the API and the UI:
- the service starts a run of the item's kind for the clerk's region, and executing it writes what it should;
- the API answers 201 with the finished run; the UI redirects to the run page (`core:batch-detail`);
- a clerk of another agency (another region) gets 404 and nothing is written;
- bad input is 400 naming the field (the form re-rendered with it);
- a user without the handle grant gets 403;
- a second main run for the same region and period is a 409 naming the first run (the batch counterpart of one open
  case per subject);
- maker-checker does not apply to a run (nothing is approved); instead the run is attributed to the clerk who
  started it and its start and finish are audited in their name.

A subclass (named `Test...`) declares `item_code`, `bad_field`, `saved_models` and:
  - `prepare(kit)`: the data the run works on, in agency a (returns anything `check_done` needs);
  - `start(kit, prepared)` / `bad_start(kit, prepared)`: a `Submission` whose service returns the started run;
  - `check_done(kit, prepared, run)`: assert what the finished run wrote.
"""

from __future__ import annotations

import pytest

from .testing import ItemTestCase, Kit, Submission, api_client_for, assert_refused, count_rows, form_data, login


class BatchItemTestCase(ItemTestCase):
    """`ItemTestCase` for an item whose act is a batch run (see the module docstring)."""

    def prepare(self, kit: Kit):
        """The data the run works on (in agency a)."""
        return None

    def start(self, kit: Kit, prepared) -> Submission:
        """A valid start of the run."""
        raise NotImplementedError

    def bad_start(self, kit: Kit, prepared) -> Submission:
        """An invalid start, refused naming `bad_field`."""
        raise NotImplementedError

    def check_done(self, kit: Kit, prepared, run) -> None:
        """Assert what the finished run wrote."""
        raise NotImplementedError

    # ItemTestCase's hooks, mapped onto the run's.
    def subject(self, kit: Kit):
        return self.prepare(kit)

    def submission(self, kit: Kit, subject) -> Submission:
        return self.start(kit, subject)

    def bad_submission(self, kit: Kit, subject) -> Submission:
        return self.bad_start(kit, subject)

    def _guarded(self) -> list:
        from shebao.core.batch_models import BatchChunk, BatchRun
        from shebao.core.models import AuditEvent

        return [BatchRun, BatchChunk, AuditEvent, *self.saved_models]

    def _run_of(self, response):
        from shebao.core.batch_models import BatchRun

        assert response.status_code == 201, response.content[:2000]
        return BatchRun.objects.get(pk=response.json()["id"])

    # --- happy path ---------------------------------------------------------------------------------------------

    def test_kit_service_opens_an_accepted_window_case(self, kit):
        """The service starts a main run of the kind for the region, audited in the clerk's name."""
        from shebao.core.batch_models import BatchStatus
        from shebao.core.models import AuditEvent

        s = self.submission(kit, self.subject(kit))
        run = s.call(kit.clerk)
        assert (run.seq, run.status, run.started_by_id) == (0, BatchStatus.PENDING, kit.clerk.pk)
        assert run.chunks_total >= 1
        event = AuditEvent.objects.get(action="batch.start", object_id=str(run.pk))
        assert (event.actor_id, event.item_code) == (kit.clerk.pk, self.item_code)

    def test_kit_approval_by_another_reviewer_applies_the_change_and_audits(self, kit):
        """A run needs no approval: executing it applies the change, and its finish is audited once."""
        from shebao.core.batch import batch_run
        from shebao.core.batch_models import BatchStatus
        from shebao.core.models import AuditEvent

        prepared = self.subject(kit)
        run = batch_run(self.submission(kit, prepared).call(kit.clerk))
        assert run.status == BatchStatus.DONE, run.error
        self.check_done(kit, prepared, run)
        finished = AuditEvent.objects.filter(action="batch.finish", object_id=str(run.pk))
        assert finished.count() == 1 and finished.get().actor_id == kit.clerk.pk

    def test_kit_api_submission_opens_a_case(self, kit):
        prepared = self.subject(kit)
        s = self.submission(kit, prepared)
        res = api_client_for(kit.clerk).post(s.api_url, s.api_body, format=s.api_format)
        run = self._run_of(res)
        assert res.json()["status"] == "done"
        self.check_done(kit, prepared, run)

    def test_kit_ui_submission_redirects_to_the_case(self, kit, client):
        from django.urls import reverse

        from shebao.core.batch_models import BatchRun

        s = self.submission(kit, self.subject(kit))
        res = login(client, kit.clerk).post(s.ui_url, form_data(s.ui_form))
        assert res.status_code == 302, res.content.decode()[:3000]
        run = BatchRun.objects.get()
        assert res["Location"] == reverse("core:batch-detail", args=[run.pk])

    # --- maker-checker has no counterpart: the run is attributed instead ------------------------------------------

    def test_kit_handler_cannot_approve_own_case(self, kit):
        """Nothing is approved in a run; it cannot be started without the handle grant (403, nothing written)."""
        from shebao.core.choices import Role
        from shebao.core.tests.factories import UserFactory

        auditor = UserFactory(role=Role.AUDITOR, agency=kit.agencies["a"])
        s = self.submission(kit, self.subject(kit))
        assert_refused(lambda: s.call(auditor), status=403, nothing_saved=self._guarded())
        client = api_client_for(auditor)
        assert_refused(
            lambda: client.post(s.api_url, s.api_body, format=s.api_format),
            status=403,
            nothing_saved=self._guarded(),
        )

    def test_kit_reviewer_who_is_the_subject_cannot_approve(self, kit):
        pytest.skip("a batch run concerns a region, not a natural person; nothing is approved")

    # --- one main run per region and period -------------------------------------------------------------------------

    def test_kit_duplicate_open_case_refused_naming_the_pending_case(self, kit):
        s = self.submission(kit, self.subject(kit))
        first = s.call(kit.clerk)
        assert_refused(
            lambda: s.call(kit.clerk),
            status=409,
            message_contains=f"#{first.pk}",
            nothing_saved=self._guarded(),
        )

    def test_kit_duplicate_open_case_refused_over_the_api(self, kit):
        s = self.submission(kit, self.subject(kit))
        client = api_client_for(kit.clerk)
        first = self._run_of(client.post(s.api_url, s.api_body, format=s.api_format))
        assert_refused(
            lambda: client.post(s.api_url, s.api_body, format=s.api_format),
            status=409,
            message_contains=f"#{first.pk}",
            nothing_saved=self._guarded(),
        )

    def test_kit_duplicate_run_refused_in_the_ui(self, kit, client):
        s = self.submission(kit, self.subject(kit))
        first = s.call(kit.clerk)
        login(client, kit.clerk)
        before = count_rows(*self._guarded())
        res = client.post(s.ui_url, form_data(s.ui_form))
        assert_refused(res, status=409, message_contains=f"#{first.pk}", nothing_saved=before)

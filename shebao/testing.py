"""Shared test helpers: refusals with nothing saved, row counts, logged-in clients, and the item test mixin.

Import from tests only::

    from shebao.testing import assert_refused, count_rows, api_client_for, login, ItemTestCase

`ItemTestCase` gives every business item the same checks in the service, the API and the UI; see docs/testing.md
and `shebao/registration/tests/services/test_items_kit.py`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import pytest
from django.db import models
from django.http import HttpResponse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from shebao.core.errors import ApplicationError


@dataclass(frozen=True)
class RowCounts:
    """Row counts of some models taken at one moment (the baseline of a "nothing saved" check)."""

    counts: dict[str, int]

    def changed(self) -> dict[str, tuple[int, int]]:
        """Models whose row count differs now: label → (before, now)."""
        now = _count(self.counts)
        return {label: (n, now[label]) for label, n in self.counts.items() if now[label] != n}


def _models(labels: Iterable[str]) -> dict[str, type[models.Model]]:
    from django.apps import apps

    return {label: apps.get_model(label) for label in labels}


def _count(labels: Iterable[str]) -> dict[str, int]:
    return {label: model._default_manager.count() for label, model in _models(labels).items()}


def count_rows(*model_classes: type[models.Model]) -> RowCounts:
    """Count the rows of the given models now (pass the result to `assert_nothing_saved` or `assert_refused`)."""
    return RowCounts(_count(m._meta.label for m in model_classes))


def assert_nothing_saved(before: RowCounts) -> None:
    """Fail when any model counted in `before` has gained or lost rows since."""
    changed = before.changed()
    assert not changed, f"refused, yet rows were written: {changed}"


def _baseline(nothing_saved) -> RowCounts | None:
    if nothing_saved is None:
        return None
    if isinstance(nothing_saved, RowCounts):
        return nothing_saved
    return count_rows(*nothing_saved)


def _messages(errors: dict) -> list[str]:
    return [str(m) for msgs in errors.values() for m in (msgs if isinstance(msgs, list) else [msgs])]


def _fields(field) -> tuple[str, ...]:
    if field is None:
        return ()
    return (field,) if isinstance(field, str) else tuple(field)


def _check_response(response: HttpResponse, *, field, status, message_contains) -> dict:
    """Checks of a refused HTTP response; returns the JSON error body (or {} for an HTML page)."""
    code = response.status_code
    if status is not None:
        assert code == status, f"expected {status}, got {code}: {response.content[:500]!r}"
    else:
        assert 400 <= code < 500, f"expected a 4xx refusal, got {code}: {response.content[:500]!r}"
    content_type = response.get("Content-Type", "")
    if "json" in content_type:
        body = response.json()
        errors = body.get("errors", {}) if isinstance(body, dict) else {}
        for name in _fields(field):
            assert name in errors, f"no error for field {name!r}: {body}"
        if message_contains is not None:
            text = " ".join([str(body.get("detail", "")), *_messages(errors)])
            assert message_contains in text, f"{message_contains!r} not in {text!r}"
        return body
    html = response.content.decode()
    for name in _fields(field):
        # A form re-rendered with the field's own error block (includes/field.html) or, for errors that are not
        # about one field, the form's error summary.
        marker = 'data-testid="form-errors"' if name == "non_field_errors" else f'id="id_{name}_errors"'
        assert marker in html, f"no error shown for field {name!r}"

    if message_contains is not None:
        assert message_contains in html, f"{message_contains!r} not in the page"
    return {}


def assert_refused(
    callable_or_response,
    *,
    field: str | Iterable[str] | None = None,
    status: int | None = None,
    message_contains: str | None = None,
    nothing_saved: Iterable[type[models.Model]] | RowCounts | None = None,
):
    """Assert a refusal and return it: the ApplicationError a service raised, or the JSON body / {} of a response.

    `callable_or_response` is a zero-argument callable (a service call or an HTTP request) or a response already
    received. `field` (or each of several fields) must be named in the errors (a JSON `errors` key, or the form
    field's error block of a re-rendered page); `status` is the exception's or response's status code (default:
    any 4xx); `nothing_saved` is a list of models whose row counts must not change (for a response already
    received, a `count_rows(...)` taken before the request).
    """
    before = _baseline(nothing_saved)
    if callable(callable_or_response):
        try:
            result = callable_or_response()
        except ApplicationError as exc:
            if status is not None:
                assert exc.status_code == status, f"expected {status}, got {exc.status_code}: {exc.errors}"
            for name in _fields(field):
                assert name in exc.errors, f"no error for field {name!r}: {exc.errors}"
            if message_contains is not None:
                text = " ".join([exc.message, *_messages(exc.errors)])
                assert message_contains in text, f"{message_contains!r} not in {text!r}"
            if before is not None:
                assert_nothing_saved(before)
            return exc
        if not isinstance(result, HttpResponse):
            pytest.fail(f"expected a refusal, but the call succeeded and returned {result!r}")
        response = result
    else:
        response = callable_or_response
        if nothing_saved is not None and not isinstance(nothing_saved, RowCounts):
            raise TypeError("for a response already received, pass nothing_saved=count_rows(...) taken before it")
    body = _check_response(response, field=field, status=status, message_contains=message_contains)
    if before is not None:
        assert_nothing_saved(before)
    return body


def api_client_for(user=None) -> APIClient:
    """A DRF test client that sends `user`'s API token (anonymous when user is None)."""
    client = APIClient()
    if user is not None:
        token, _ = Token.objects.get_or_create(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def login(client, user):
    """Log `user` into a Django test client (session, no password round trip); returns the client."""
    client.force_login(user)
    return client


def json_of(response) -> dict:
    """The JSON body of a response (DRF or plain Django), for assertion messages."""
    try:
        return response.json()
    except (ValueError, AttributeError):
        return {"content": response.content[:500].decode(errors="replace")}


def form_data(data: dict) -> dict:
    """A dict as a browser posts it: lists stay lists, None becomes "", everything else text."""
    return {k: (v if isinstance(v, list) else "" if v is None else str(v)) for k, v in data.items()}


# ----------------------------------------------------------------------------------------------------------------
# The item test mixin
# ----------------------------------------------------------------------------------------------------------------


@dataclass
class Submission:
    """One request of a business item, in the three channels: service call, API body and UI form.

    Build it once per test so that the same request can be sent twice (the duplicate-case check).
    """

    service: Callable  # the item's service, called as service(actor=..., **kwargs)
    kwargs: dict
    api_url: str
    api_body: dict
    ui_url: str
    ui_form: dict
    id_number: str | None = None  # the ID number of the person the case concerns (maker-checker by person)
    api_format: str = "json"

    def call(self, actor):
        """Call the service as `actor`."""
        return self.service(actor=actor, **self.kwargs)


@dataclass
class Kit:
    """What an item test works with: the agencies and one user of each role needed, built by the factories."""

    agencies: dict
    clerk: object  # 经办员 of agency a (handles at the window)
    reviewer: object  # 复核员 of agency a
    clerk_b: object  # 经办员 of agency b: everything of agency a is out of their scope
    admin: object  # 机构管理员 of agency a: may handle and review (never the same case)


class ItemTestCase:
    """The checks every business item must pass (NetBox `ViewTestCases` style); subclass it once per item.

    A subclass (named `Test...`) declares:
      - `item_code`: the catalogue code (registered in `shebao.core.items.ITEMS`);
      - `bad_field`: the field named when `bad_submission` is refused (`bad_ui_field` if the form names it otherwise);
      - `saved_models`: the item's own tables that must stay untouched when a request is refused;
      - `subject(kit)`: the object the item acts on, built with the factories in agency a (None for a creation);
      - `submission(kit, subject)` / `bad_submission(kit, subject)`: a valid and an invalid `Submission`;
      - `check_applied(kit, subject, case)`: assert the approved case changed the records.
    Set `ui_out_of_scope = False` where the form cannot name another agency's object (and say why).
    """

    item_code: str = ""
    bad_field: str = ""
    bad_ui_field: str | None = None
    saved_models: tuple = ()
    ui_out_of_scope: bool = True

    # --- what the subclass declares ---------------------------------------------------------------------------

    def subject(self, kit: Kit):
        """The object the item acts on (built with the factories, in agency a)."""
        return None

    def submission(self, kit: Kit, subject) -> Submission:
        """A valid request of the item on `subject`."""
        raise NotImplementedError

    def bad_submission(self, kit: Kit, subject) -> Submission:
        """An invalid request, refused naming `bad_field`."""
        raise NotImplementedError

    def check_applied(self, kit: Kit, subject, case) -> None:
        """Assert that the approved `case` changed the records as requested."""
        raise NotImplementedError

    # --- fixtures ---------------------------------------------------------------------------------------------

    @pytest.fixture
    def kit(self, agencies, clerk, reviewer, clerk_b) -> Kit:
        """Agencies a and b of the demo city with a clerk, a reviewer and an admin in a, a clerk in b."""
        from shebao.core.choices import Role
        from shebao.core.tests.factories import UserFactory

        admin = UserFactory(role=Role.AGENCY_ADMIN, agency=agencies["a"])
        return Kit(agencies=agencies, clerk=clerk, reviewer=reviewer, clerk_b=clerk_b, admin=admin)

    def _guarded(self) -> list:
        from shebao.core.models import Attachment, AuditEvent, Case, CaseKey

        return [Case, CaseKey, AuditEvent, Attachment, *self.saved_models]

    def _case(self, response):
        from shebao.core.models import Case

        assert response.status_code == 201, json_of(response)
        return Case.objects.get(pk=response.json()["id"])

    # --- happy path and approval ------------------------------------------------------------------------------

    def test_kit_service_opens_an_accepted_window_case(self, kit):
        from shebao.core.choices import CaseStatus, Channel

        s = self.submission(kit, self.subject(kit))
        case = s.call(kit.clerk)
        assert case.item_id == self.item_code
        assert (case.status, case.channel, case.handler_id) == (CaseStatus.ACCEPTED, Channel.WINDOW, kit.clerk.pk)
        assert case.number and case.summary

    def test_kit_approval_by_another_reviewer_applies_the_change_and_audits(self, kit):
        from shebao.core.cases import case_approve
        from shebao.core.choices import CaseStatus
        from shebao.core.items import ITEMS
        from shebao.core.models import AuditEvent, CaseKey

        subject = self.subject(kit)
        case = self.submission(kit, subject).call(kit.clerk)
        assert CaseKey.objects.filter(case=case).exists(), "an open case claims its subject"
        case = case_approve(actor=kit.reviewer, case=case)
        assert case.status == CaseStatus.COMPLETED and case.reviewer_id == kit.reviewer.pk
        self.check_applied(kit, subject, case)
        actions = set(AuditEvent.objects.filter(case=case).values_list("action", flat=True))
        assert {"case.submit", "case.accept", "case.approve", "case.complete"} <= actions, actions
        assert actions & set(ITEMS[self.item_code].audit_labels), f"no audit row of the item's own actions: {actions}"
        assert not CaseKey.objects.filter(case=case).exists(), "a completed case releases its subject"

    def test_kit_api_submission_opens_a_case(self, kit):
        s = self.submission(kit, self.subject(kit))
        res = api_client_for(kit.clerk).post(s.api_url, s.api_body, format=s.api_format)
        case = self._case(res)
        assert case.item_id == self.item_code and res.json()["status"] == "accepted"

    def test_kit_ui_submission_redirects_to_the_case(self, kit, client):
        from django.urls import reverse

        from shebao.core.models import Case

        s = self.submission(kit, self.subject(kit))
        res = login(client, kit.clerk).post(s.ui_url, form_data(s.ui_form))
        assert res.status_code == 302, res.content.decode()[:3000]
        case = Case.objects.get(item_id=self.item_code)
        assert res["Location"] == reverse("core:case-detail", args=[case.pk])

    # --- scope: another agency's clerk gets 404 and nothing is written -----------------------------------------

    def test_kit_out_of_scope_clerk_service_not_found(self, kit):
        from shebao.core.errors import NotFoundError

        s = self.submission(kit, self.subject(kit))
        error = assert_refused(lambda: s.call(kit.clerk_b), nothing_saved=self._guarded())
        assert isinstance(error, NotFoundError), error

    def test_kit_out_of_scope_clerk_api_404(self, kit):
        s = self.submission(kit, self.subject(kit))
        client = api_client_for(kit.clerk_b)
        assert_refused(
            lambda: client.post(s.api_url, s.api_body, format=s.api_format), status=404, nothing_saved=self._guarded()
        )

    def test_kit_out_of_scope_clerk_ui_404(self, kit, client):
        if not self.ui_out_of_scope:
            pytest.skip("the form offers no other agency's object")
        s = self.submission(kit, self.subject(kit))
        login(client, kit.clerk_b)
        assert_refused(lambda: client.post(s.ui_url, form_data(s.ui_form)), status=404, nothing_saved=self._guarded())

    # --- bad input: 4xx naming the field, nothing saved ---------------------------------------------------------

    def test_kit_bad_input_service_names_the_field(self, kit):
        s = self.bad_submission(kit, self.subject(kit))
        assert_refused(lambda: s.call(kit.clerk), field=self.bad_field, status=400, nothing_saved=self._guarded())

    def test_kit_bad_input_api_400_names_the_field(self, kit):
        s = self.bad_submission(kit, self.subject(kit))
        client = api_client_for(kit.clerk)
        assert_refused(
            lambda: client.post(s.api_url, s.api_body, format=s.api_format),
            status=400,
            field=self.bad_field,
            nothing_saved=self._guarded(),
        )

    def test_kit_bad_input_ui_400_rerenders_the_form(self, kit, client):
        s = self.bad_submission(kit, self.subject(kit))
        login(client, kit.clerk)
        before = count_rows(*self._guarded())
        res = client.post(s.ui_url, form_data(s.ui_form))
        assert_refused(res, status=400, field=self.bad_ui_field or self.bad_field, nothing_saved=before)
        html = res.content.decode()
        assert "<form" in html and 'data-testid="form-errors"' in html

    # --- maker-checker ------------------------------------------------------------------------------------------

    def test_kit_handler_cannot_approve_own_case(self, kit):
        from shebao.core.cases import case_approve
        from shebao.core.choices import CaseStatus

        case = self.submission(kit, self.subject(kit)).call(kit.admin)
        assert case.handler_id == kit.admin.pk
        assert_refused(
            lambda: case_approve(actor=kit.admin, case=case), field="reviewer", nothing_saved=self._guarded()
        )
        case.refresh_from_db()
        assert case.status == CaseStatus.ACCEPTED

    def test_kit_reviewer_who_is_the_subject_cannot_approve(self, kit):
        from shebao.core.cases import case_approve
        from shebao.core.choices import CaseStatus

        s = self.submission(kit, self.subject(kit))
        if not s.id_number:
            pytest.skip("the case concerns no natural person")
        case = s.call(kit.clerk)
        kit.reviewer.id_number = s.id_number
        kit.reviewer.save(update_fields=["id_number"])
        assert_refused(
            lambda: case_approve(actor=kit.reviewer, case=case),
            field="reviewer",
            message_contains="本人",
            nothing_saved=self._guarded(),
        )
        case.refresh_from_db()
        assert case.status == CaseStatus.ACCEPTED

    # --- one open case per subject ------------------------------------------------------------------------------

    def test_kit_duplicate_open_case_refused_naming_the_pending_case(self, kit):
        s = self.submission(kit, self.subject(kit))
        first = s.call(kit.clerk)
        assert_refused(
            lambda: s.call(kit.clerk),
            status=409,  # ConflictError, for every item
            message_contains=first.number,
            nothing_saved=self._guarded(),
        )

    def test_kit_duplicate_open_case_refused_over_the_api(self, kit):
        s = self.submission(kit, self.subject(kit))
        client = api_client_for(kit.clerk)
        first = self._case(client.post(s.api_url, s.api_body, format=s.api_format))
        assert_refused(
            lambda: client.post(s.api_url, s.api_body, format=s.api_format),
            status=409,  # ConflictError, for every item
            message_contains=first.number,
            nothing_saved=self._guarded(),
        )

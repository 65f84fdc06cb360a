"""Refusals and "nothing saved": `assert_refused`, row counts, logged-in clients, browser-like form data."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
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
    """A dict as a browser posts it: lists stay lists, None becomes "", files stay files, everything else text."""
    return {
        k: (v if isinstance(v, list | SimpleUploadedFile) else "" if v is None else str(v)) for k, v in data.items()
    }

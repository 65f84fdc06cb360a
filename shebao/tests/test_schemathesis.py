"""Fuzz the API v1 against its own OpenAPI schema (schemathesis, in-process WSGI): no 5xx, documented answers.

Authenticated as a district clerk by token; a few employers, persons and cases exist so that some generated
ids hit real objects. Bounded to finish well under two minutes; `SHEBAO_FUZZ_EXAMPLES=300` digs deeper.
"""

from __future__ import annotations

import os

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token

pytestmark = [
    pytest.mark.schemathesis,
    pytest.mark.catalog(
        "01010101",
        "01010102",
        "01010103",
        "01010201",
        "01010202",
        "01010203",
    ),
]

schema = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application()).include(path_regex=r"^/api/v1/")


@pytest.fixture(autouse=True)
def _keep_test_connection():
    """The WSGI handler closes "old" connections per request, which would close the test transaction's one."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def token(clerk, reviewer, make_employer, make_person) -> str:
    """A clerk's token, with some records in its scope (ids 1, 2 … exist for employers, persons and cases)."""
    for _ in range(2):
        make_person(make_employer())
    return Token.objects.get_or_create(user=clerk)[0].key


@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=int(os.environ.get("SHEBAO_FUZZ_EXAMPLES", "25")),
    deadline=None,
    database=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
        HealthCheck.data_too_large,
    ],
)
def test_api(case, token):
    # Schema-valid is not business-valid (check digits, duplicate codes, month windows, state of the case), so
    # a 400 for generated "valid" data is correct: the positive-data-acceptance check does not apply here.
    case.call_and_validate(
        headers={"Authorization": f"Token {token}"},
        excluded_checks=[schemathesis.checks.positive_data_acceptance],
    )

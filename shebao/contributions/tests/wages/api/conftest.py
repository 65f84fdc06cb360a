"""Fixtures for the wages API tests (shared with the other apps' API tests)."""

from shebao.tests.api_fixtures import api, approve  # noqa: F401

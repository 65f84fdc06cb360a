"""Fixtures for the 1107 API tests."""

from shebao.tests.api_fixtures import api, approve  # noqa: F401

"""Fixtures for the quality API tests."""

from shebao.tests.api_fixtures import api, approve  # noqa: F401

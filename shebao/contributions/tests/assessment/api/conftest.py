"""Fixtures for the assessment API tests."""

from shebao.tests.api_fixtures import api, approve  # noqa: F401

"""Fixtures of the arrears tests: token clients and approval (shared API fixtures)."""

from shebao.tests.api_fixtures import api, approve  # noqa: F401

"""Fixtures of the collection tests: token clients and approval (shared API fixtures), a unit with employees."""

from __future__ import annotations

import pytest

from shebao.registration.tests.factories import EmployerFactory, PersonFactory
from shebao.tests.api_fixtures import api, approve  # noqa: F401


@pytest.fixture
def unit(agencies):
    """An employer of agency a (上城区) with two employees."""
    employer = EmployerFactory(agency=agencies["a"])
    employer.staff = [PersonFactory(employer=employer, agency=employer.agency) for _ in range(2)]
    return employer

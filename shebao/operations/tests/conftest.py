"""Fixtures of the cluster 11 tests: administrators of the demo agencies, token clients."""

from __future__ import annotations

import pytest

from shebao.conftest import make_user
from shebao.core.choices import Role
from shebao.tests.api_fixtures import api  # noqa: F401

PASSWORD = "Shebao@2026!"


@pytest.fixture
def admin_a(agencies):
    """机构管理员 of 上城区 (agency a)."""
    return make_user(Role.AGENCY_ADMIN, agencies["a"], username="admin_a")


@pytest.fixture
def admin_b(agencies):
    """机构管理员 of 拱墅区 (agency b)."""
    return make_user(Role.AGENCY_ADMIN, agencies["b"], username="admin_b")


@pytest.fixture
def admin_city(agencies):
    """机构管理员 of the city agency (manages a and b)."""
    return make_user(Role.AGENCY_ADMIN, agencies["city"], username="admin_city")


@pytest.fixture
def finance_a(agencies):
    """财务人员 of agency a (may view, not handle)."""
    return make_user(Role.FINANCE, agencies["a"], username="finance_a")

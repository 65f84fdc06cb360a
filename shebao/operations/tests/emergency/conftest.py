"""Fixtures of the 1111 应急管理 tests: a plan of agency a built by the model (the flow itself is tested through
the services), the plan data the services take, and a fresh backup directory for restore drills."""

from __future__ import annotations

import pytest

from shebao.conftest import make_user
from shebao.core.choices import Role
from shebao.operations.models import EmergencyPlan
from shebao.tests.api_fixtures import api, approve  # noqa: F401


def plan_data(**overrides) -> dict:
    """A valid plan (roles, steps, contacts as lists)."""
    data = {
        "title": "核心业务数据库损毁应急预案",
        "roles": ["总指挥：分管副主任", "技术组：信息科"],
        "steps": ["停止写入", "校验备份", "恢复并核对"],
        "contacts": ["信息科 王工 13800571001"],
        "rto_minutes": 240,
        "rpo_minutes": 1440,
    }
    data.update(overrides)
    return data


def make_plan(agency, scenario: str = "db_loss", **overrides) -> EmergencyPlan:
    """A plan row (for the tests of what reads or changes plans)."""
    fields = plan_data(**overrides)
    return EmergencyPlan.objects.create(agency=agency, scenario=scenario, **fields)


@pytest.fixture(autouse=True)
def backup_folder(settings, tmp_path):
    settings.SHEBAO_BACKUP_DIR = tmp_path / "backups"
    return settings.SHEBAO_BACKUP_DIR


@pytest.fixture
def plan(agencies):
    return make_plan(agencies["a"])


@pytest.fixture
def top_admin(agencies):
    return make_user(Role.AGENCY_ADMIN, agencies["city"], username="admin_city")

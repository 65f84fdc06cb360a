"""Fixtures of the 1109 数据备份 tests: a fresh backup directory per test, the top-level admin and auditor."""

from __future__ import annotations

import pytest

from shebao.conftest import make_user
from shebao.core.choices import Role

KEY = "test-backup-key-0123456789abcdef"


@pytest.fixture(autouse=True)
def backup_folder(settings, tmp_path, monkeypatch):
    """Backups of this test go to their own directory; no encryption key unless the test sets one."""
    settings.SHEBAO_BACKUP_DIR = tmp_path / "backups"
    monkeypatch.delenv("SHEBAO_BACKUP_KEY", raising=False)
    return settings.SHEBAO_BACKUP_DIR


@pytest.fixture
def top_admin(agencies):
    """机构管理员 of the city (top-level) agency: may back up."""
    return make_user(Role.AGENCY_ADMIN, agencies["city"], username="admin_city")


@pytest.fixture
def top_auditor(agencies):
    """稽核员 of the city agency: may see the backups, not start one."""
    return make_user(Role.AUDITOR, agencies["city"], username="auditor_city")


def drill_databases() -> list[str]:
    """Scratch databases of restore drills that still exist (each drill must drop its own)."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(
            "SELECT datname FROM pg_database WHERE datname LIKE %s", [connection.settings_dict["NAME"] + "_drill_%"]
        )
        return [r[0] for r in cur.fetchall()]

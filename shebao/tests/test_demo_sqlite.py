"""The README's first command (`make demo`) runs on SQLite: every migration applies there and the demo data loads.

The suite itself runs on PostgreSQL, so without this test a migration that only PostgreSQL accepts (e.g. altering a
table that a view reads: SQLite rebuilds the table and refuses) would break the demo unnoticed.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings

MANAGE = Path(settings.BASE_DIR) / "manage.py"


def _manage(*args: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(MANAGE), *args], env=env, capture_output=True, text=True, timeout=600, check=False
    )


def test_migrate_and_seed_demo_on_a_fresh_sqlite_database(tmp_path):
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'demo.sqlite3'}",
        "DJANGO_SETTINGS_MODULE": "shebao.settings.dev",
        "SHEBAO_BACKUP_DIR": str(tmp_path / "backups"),
        "SHEBAO_SIGNING_DIR": str(tmp_path / "signing"),
    }
    migrated = _manage("migrate", "--noinput", env=env)
    assert migrated.returncode == 0, migrated.stderr[-3000:]
    seeded = _manage("seed_demo", "--employers", "6", "--persons", "60", env=env)
    assert seeded.returncode == 0, seeded.stderr[-3000:]
    assert "sc_clerk" in seeded.stdout and "http://127.0.0.1:8000/" in seeded.stdout
    signing = _manage("signing_setup", env=env)
    assert signing.returncode == 0, signing.stderr[-3000:]
    assert (tmp_path / "signing").is_dir()
    unapplied = _manage("migrate", "--check", env=env)
    assert unapplied.returncode == 0, unapplied.stdout[-2000:]

"""1109 数据备份 on SQLite (development): the online backup API copies a live database, the copy restores into a
scratch file and its row counts and audit head are read back."""

from __future__ import annotations

import pytest
from django.db.backends.sqlite3.base import DatabaseWrapper

from shebao.operations.services import backup_db as db

pytestmark = [pytest.mark.catalog("1109")]


def test_sqlite_backup_and_restore_read_back_the_same_facts(tmp_path, django_db_blocker):
    """A database of its own (a file), not the test database: pytest-django lets this connection through."""
    live = DatabaseWrapper({"NAME": str(tmp_path / "live.sqlite3"), **_defaults()}, alias="backup-sqlite-test")
    with django_db_blocker.unblock():
        facts = _fill_and_back_up(live, tmp_path)
    assert facts.vendor == "sqlite"
    assert facts.row_counts == {"core_audithead": 1, "django_migrations": 3, "person rows": 25}
    assert facts.audit_head == {"seq": 7, "hash": "ab" * 32}
    assert facts.migration_heads == {"core": "0002_more", "operations": "0001_backup"}
    restored = db.sqlite_restore_and_read(tmp_path / "copy.sqlite3", tmp_path / "scratch.sqlite3")
    assert restored == facts


def _fill_and_back_up(live, tmp_path) -> db.DbFacts:
    try:
        with live.cursor() as cur:
            cur.execute("CREATE TABLE core_audithead (id integer primary key, seq integer, hash text)")
            cur.execute("INSERT INTO core_audithead VALUES (1, 7, ?)", ["ab" * 32])
            cur.execute("CREATE TABLE django_migrations (id integer primary key, app text, name text)")
            cur.executemany(
                "INSERT INTO django_migrations (app, name) VALUES (?, ?)",
                [("core", "0001_initial"), ("core", "0002_more"), ("operations", "0001_backup")],
            )
            cur.execute('CREATE TABLE "person rows" (id integer primary key, name text)')
            cur.executemany('INSERT INTO "person rows" (name) VALUES (?)', [(f"p{i}",) for i in range(25)])
        facts = db.sqlite_backup(live, tmp_path / "copy.sqlite3")
        with live.cursor() as cur:
            cur.execute('INSERT INTO "person rows" (name) VALUES (?)', ["after the backup"])
    finally:
        live.close()
    return facts


def _defaults() -> dict:
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "USER": "",
        "PASSWORD": "",
        "HOST": "",
        "PORT": "",
        "OPTIONS": {},
        "TIME_ZONE": None,
        "CONN_MAX_AGE": 0,
        "CONN_HEALTH_CHECKS": False,
        "AUTOCOMMIT": True,
        "ATOMIC_REQUESTS": False,
        "TEST": {},
    }

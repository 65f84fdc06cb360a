"""1109 数据备份: the database side — a consistent dump with its facts, and a restore into a scratch database.

PostgreSQL: a REPEATABLE READ transaction exports its snapshot; the row counts, migration heads and audit chain head
are read in that snapshot and `pg_dump -Fc --snapshot=…` dumps exactly the same state. A restore goes into a new
scratch database (`createdb`, `pg_restore --no-owner`), which is dropped afterwards.
SQLite: the online backup API (`sqlite3.Connection.backup`) copies the live database; the facts are read from the
copy. A restore copies the backup into a temporary file the same way.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings

from shebao.core.errors import ApplicationError

PG_BIN_DIRS = ("/usr/lib/postgresql/15/bin",)


@dataclass
class DbFacts:
    """What a database holds at one moment: tables with their row counts, migration heads and the audit head."""

    vendor: str
    row_counts: dict[str, int] = field(default_factory=dict)
    migration_heads: dict[str, str] = field(default_factory=dict)
    audit_head: dict = field(default_factory=dict)

    @property
    def rows(self) -> int:
        return sum(self.row_counts.values())


def _audit_table() -> str:
    from shebao.core.models import AuditHead

    return AuditHead._meta.db_table


def _read_facts(cursor, vendor: str, tables: list[str], quote: Callable[[str], str]) -> DbFacts:
    facts = DbFacts(vendor=vendor)
    for table in sorted(tables):
        cursor.execute(f"SELECT COUNT(*) FROM {quote(table)}")
        facts.row_counts[table] = int(cursor.fetchone()[0])
    if "django_migrations" in tables:
        cursor.execute("SELECT app, name FROM django_migrations ORDER BY id")
        for app, name in cursor.fetchall():
            facts.migration_heads[app] = name
    audit = _audit_table()
    if audit in tables:
        cursor.execute(f"SELECT seq, hash FROM {quote(audit)} WHERE id = 1")
        row = cursor.fetchone()
        facts.audit_head = {"seq": int(row[0]), "hash": row[1]} if row else {"seq": 0, "hash": "0" * 64}
    return facts


# --------------------------------------------------------------------------------------------------------------
# PostgreSQL
# --------------------------------------------------------------------------------------------------------------


def pg_tool(name: str) -> str:
    """Path of a PostgreSQL client program (setting SHEBAO_PG_BIN, then PATH, then the Debian directory)."""
    configured = getattr(settings, "SHEBAO_PG_BIN", "")
    for directory in ([configured] if configured else []) + [None, *PG_BIN_DIRS]:
        found = shutil.which(name, path=directory) if directory else shutil.which(name)
        if found:
            return found
    raise ApplicationError(f"找不到 PostgreSQL 客户端程序 {name}（设置 SHEBAO_PG_BIN 或加入 PATH）", field="database")


def _pg_params(sd: dict, dbname: str | None = None) -> dict:
    return {
        "dbname": dbname or sd["NAME"],
        "user": sd.get("USER") or "",
        "password": sd.get("PASSWORD") or "",
        "host": sd.get("HOST") or "",
        "port": str(sd.get("PORT") or ""),
    }


def _pg_args_env(sd: dict) -> tuple[list[str], dict]:
    params = _pg_params(sd)
    args = []
    for flag, key in (("-h", "host"), ("-p", "port"), ("-U", "user")):
        if params[key]:
            args += [flag, params[key]]
    env = dict(os.environ)
    if params["password"]:
        env["PGPASSWORD"] = params["password"]
    return args, env


def _pg_connect(sd: dict, dbname: str | None = None):
    import psycopg

    params = {k: v for k, v in _pg_params(sd, dbname).items() if v}
    return psycopg.connect(**params)


def _pg_quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _pg_facts(conn) -> DbFacts:
    with conn.cursor() as cur:
        cur.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
        tables = [r[0] for r in cur.fetchall()]
        return _read_facts(cur, "postgresql", tables, _pg_quote)


def _run(cmd: list[str], env: dict, what: str) -> None:
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        message = (done.stderr or done.stdout).strip().splitlines()
        raise ApplicationError(f"{what}失败：{message[-1] if message else done.returncode}", field="database")


def pg_dump_consistent(sd: dict, out: Path) -> DbFacts:
    """Dump the database in custom format (`pg_dump -Fc`) and read its facts, both in one exported snapshot."""
    args, env = _pg_args_env(sd)
    with _pg_connect(sd) as conn:
        conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        snapshot = conn.execute("SELECT pg_export_snapshot()").fetchone()[0]
        facts = _pg_facts(conn)
        cmd = [pg_tool("pg_dump"), *args, "-Fc", "--no-owner", f"--snapshot={snapshot}", "-f", str(out), sd["NAME"]]
        _run(cmd, env, "pg_dump 备份")
        conn.rollback()
    return facts


def pg_restore_and_read(sd: dict, dump: Path, scratch: str) -> DbFacts:
    """Restore a custom-format dump into a new scratch database, read its facts, and drop the scratch database."""
    args, env = _pg_args_env(sd)
    _run([pg_tool("createdb"), *args, "-T", "template0", scratch], env, "创建演练数据库")
    try:
        cmd = [pg_tool("pg_restore"), *args, "--no-owner", "--no-privileges", "--single-transaction", "-d", scratch]
        _run([*cmd, str(dump)], env, "pg_restore 恢复")
        with _pg_connect(sd, scratch) as conn:
            return _pg_facts(conn)
    finally:
        subprocess.run(
            [pg_tool("dropdb"), *args, "--if-exists", "--force", scratch], env=env, capture_output=True, check=False
        )


# --------------------------------------------------------------------------------------------------------------
# SQLite
# --------------------------------------------------------------------------------------------------------------


def _sqlite_quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def sqlite_facts(path: Path) -> DbFacts:
    """The facts of an SQLite database file."""
    conn = sqlite3.connect(path)
    try:
        cur = conn.cursor()
        cur.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
        tables = [r[0] for r in cur.fetchall()]
        return _read_facts(cur, "sqlite", tables, _sqlite_quote)
    finally:
        conn.close()


def sqlite_backup(connection, out: Path) -> DbFacts:
    """Copy the live SQLite database (a Django connection) with the online backup API; the facts of the copy."""
    connection.ensure_connection()
    dest = sqlite3.connect(out)
    try:
        connection.connection.backup(dest)
    finally:
        dest.close()
    return sqlite_facts(out)


def sqlite_restore_and_read(backup: Path, scratch: Path) -> DbFacts:
    """Restore an SQLite backup into a scratch file (online backup API) and read its facts."""
    src = sqlite3.connect(f"file:{backup}?mode=ro", uri=True)
    dest = sqlite3.connect(scratch)
    try:
        src.backup(dest)
    except sqlite3.DatabaseError as exc:
        raise ApplicationError(f"SQLite 恢复失败：{exc}", field="database") from None
    finally:
        src.close()
        dest.close()
    return sqlite_facts(scratch)

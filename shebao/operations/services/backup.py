"""1109 数据备份: take a backup with its SHA-256 manifest, prune old ones, and drill a restore.

- `backup_create`: a consistent dump of the whole database (PostgreSQL `pg_dump -Fc`, SQLite online backup API)
  into `SHEBAO_BACKUP_DIR`, optionally encrypted (AES-256-GCM, key from `SHEBAO_BACKUP_KEY`), with a JSON manifest
  next to it (file, size, SHA-256, time, vendor, migration heads, audit chain head, row counts per table); recorded
  in `BackupRecord` and audited. Old backups beyond `keep` are pruned (audited).
- `restore_drill`: back up (or take an existing file), check the file against its manifest BEFORE anything is
  restored, restore into a scratch database, compare row counts and the audit chain head with the manifest, drop
  the scratch database, and report the times.

Who may: agency administrators (start, prune, drill) and auditors (view) of a top-level agency; the command line and
the scheduler act as the system (actor None).
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import connections, transaction
from django.utils import timezone

from shebao.core.audit import AuditEntry, audit_write, audit_write_many
from shebao.core.choices import Action, Role
from shebao.core.errors import ApplicationError, NotFoundError, PermissionDeniedError

from ..models import BackupRecord, BackupStatus, BackupTrigger
from . import backup_crypto as crypto
from . import backup_db as db

ITEM = "1109"
MANIFEST_SUFFIX = ".manifest.json"
MANIFEST_FORMAT = "shebao-backup-manifest/1"
VIEW_ROLES = (Role.AGENCY_ADMIN, Role.AUDITOR)


# --------------------------------------------------------------------------------------------------------------
# Who may
# --------------------------------------------------------------------------------------------------------------


def _is_top_level_staff(actor, roles) -> bool:
    return bool(
        actor is not None
        and getattr(actor, "is_authenticated", False)
        and actor.is_active
        and actor.role in roles
        and actor.agency_id is not None
        and actor.agency.parent_id is None
    )


def can_view_backups(actor) -> bool:
    """May the actor see the backup list (agency administrators and auditors of a top-level agency, with the grant)?"""
    from shebao.core.access import has_grant

    return _is_top_level_staff(actor, VIEW_ROLES) and has_grant(actor, ITEM, Action.VIEW)


def can_start_backup(actor) -> bool:
    """May the actor start a backup, prune or drill (agency administrators of a top-level agency, with the grant)?"""
    from shebao.core.access import has_grant

    return _is_top_level_staff(actor, (Role.AGENCY_ADMIN,)) and has_grant(actor, ITEM, Action.HANDLE)


def require_backup_view(actor) -> None:
    """Refuse (403) anyone who may not see the backups."""
    if not can_view_backups(actor):
        raise PermissionDeniedError("数据备份仅限顶级经办机构的机构管理员和稽核员查看")


def require_backup_start(actor) -> None:
    """Refuse (403) anyone who may not start a backup; the system itself (actor None) may."""
    if actor is not None and not can_start_backup(actor):
        raise PermissionDeniedError("只有顶级经办机构的机构管理员可以发起数据备份")


def backups_for(actor):
    """Backup records the actor may see (all of them, for those entitled; 403 otherwise)."""
    require_backup_view(actor)
    return BackupRecord.objects.select_related("started_by")


def backup_get_for(*, actor, backup_id) -> BackupRecord:
    """One backup record, or 404."""
    qs = backups_for(actor)
    try:
        return qs.get(pk=int(backup_id))
    except (BackupRecord.DoesNotExist, ValueError, TypeError):
        raise NotFoundError("备份记录不存在") from None


# --------------------------------------------------------------------------------------------------------------
# Files and manifests
# --------------------------------------------------------------------------------------------------------------


def backup_dir() -> Path:
    """The backup directory (setting SHEBAO_BACKUP_DIR), created when missing."""
    path = Path(getattr(settings, "SHEBAO_BACKUP_DIR", Path(settings.BASE_DIR) / "var" / "backups"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def manifest_path(path: Path) -> Path:
    """The manifest next to a backup file."""
    return path.with_name(path.name + MANIFEST_SUFFIX)


def _write_json_atomic(path: Path, data: dict) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True), encoding="utf-8")
    os.replace(tmp, path)


def manifest_verify(path: Path) -> dict:
    """Check a backup file against its manifest (size, SHA-256); the manifest, or a Chinese refusal."""
    path = Path(path)
    if not path.is_file():
        raise ApplicationError(f"备份文件不存在：{path}", field="file")
    mpath = manifest_path(path)
    try:
        manifest = json.loads(mpath.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ApplicationError(f"缺少备份清单文件 {mpath.name}，无法校验，拒绝恢复", field="file") from None
    except (ValueError, UnicodeDecodeError):
        raise ApplicationError(f"备份清单 {mpath.name} 格式错误，拒绝恢复", field="file") from None
    if manifest.get("format") != MANIFEST_FORMAT or manifest.get("file") != path.name:
        raise ApplicationError(f"备份清单 {mpath.name} 与备份文件不对应，拒绝恢复", field="file")
    size = path.stat().st_size
    if size != manifest.get("size"):
        raise ApplicationError(
            f"备份文件校验失败：文件大小 {size} 字节与清单记载的 {manifest.get('size')} 字节不符"
            "（文件可能被截断或篡改），拒绝恢复",
            field="file",
        )
    digest = crypto.file_sha256(path)
    if digest != manifest.get("sha256"):
        raise ApplicationError("备份文件校验失败：SHA-256 与清单不符（文件已被篡改或损坏），拒绝恢复", field="file")
    return manifest


def backup_key(key: str | None = None) -> str:
    """The encryption key: the one given, else SHEBAO_BACKUP_KEY from the environment."""
    return key if key is not None else os.environ.get("SHEBAO_BACKUP_KEY", getattr(settings, "SHEBAO_BACKUP_KEY", ""))


# --------------------------------------------------------------------------------------------------------------
# Backup
# --------------------------------------------------------------------------------------------------------------


def _audit(actor, action: str, record: BackupRecord, after: dict) -> None:
    with transaction.atomic():
        audit_write(actor=actor, action=action, item_code=ITEM, object_type="backup", object_id=record.pk, after=after)


def backup_create(
    *,
    actor,
    trigger: str = BackupTrigger.COMMAND,
    encrypt: bool = False,
    keep: int | None = None,
    key: str | None = None,
    using: str = "default",
) -> BackupRecord:
    """1109 数据备份: back up the whole database with its manifest, record and audit it, prune beyond `keep`."""
    require_backup_start(actor)
    if trigger not in BackupTrigger.values:
        raise ApplicationError("备份发起方式无效", field="trigger")
    if keep is not None and (not isinstance(keep, int) or isinstance(keep, bool) or keep < 1):
        raise ApplicationError("保留份数应为不小于1的整数", field="keep")
    secret = backup_key(key) if encrypt else ""
    if encrypt:
        crypto.check_secret(secret)  # refuse a missing or short key before any work
    sd = connections[using].settings_dict
    vendor = connections[using].vendor
    if vendor not in ("postgresql", "sqlite"):
        raise ApplicationError(f"不支持的数据库类型：{vendor}", field="database")
    folder = backup_dir()
    started = timezone.now()
    with transaction.atomic(using=using):
        record = BackupRecord.objects.create(
            started_at=started,
            started_by=actor if getattr(actor, "pk", None) else None,
            trigger=trigger,
            encrypted=encrypt,
            vendor=vendor,
        )
    clock = time.monotonic()
    stamp = timezone.localtime(started).strftime("%Y%m%d-%H%M%S")
    name = f"shebao-{stamp}-{record.pk}.{'dump' if vendor == 'postgresql' else 'sqlite3'}" + (".enc" if encrypt else "")
    final = folder / name
    partial = folder / f".{name}.partial"
    plain = folder / f".{name}.plain"
    try:
        if vendor == "postgresql":
            facts = db.pg_dump_consistent(sd, plain)
        else:
            facts = db.sqlite_backup(connections[using], plain)
        if encrypt:
            crypto.encrypt_file(plain, partial, secret=secret)
            plain.unlink()
        else:
            os.replace(plain, partial)
        digest, size = crypto.file_sha256(partial), partial.stat().st_size
        finished = timezone.now()
        manifest = {
            "format": MANIFEST_FORMAT,
            "file": name,
            "size": size,
            "sha256": digest,
            "created_at": finished.isoformat(),
            "database": {"vendor": vendor, "name": Path(str(sd["NAME"])).name},
            "encrypted": bool(encrypt),
            "encryption": "AES-256-GCM/HKDF-SHA256, 4 MiB chunks" if encrypt else "",
            "migration_heads": facts.migration_heads,
            "audit_head": facts.audit_head,
            "row_counts": facts.row_counts,
            "tables": len(facts.row_counts),
            "rows": facts.rows,
        }
        _write_json_atomic(manifest_path(final), manifest)
        os.replace(partial, final)
    except Exception as exc:
        for leftover in (plain, partial):
            leftover.unlink(missing_ok=True)
        message = exc.message if isinstance(exc, ApplicationError) else f"{type(exc).__name__}: {exc}"
        BackupRecord.objects.filter(pk=record.pk).update(
            status=BackupStatus.FAILED, finished_at=timezone.now(), seconds=time.monotonic() - clock, error=message
        )
        record.refresh_from_db()
        _audit(actor, "backup.fail", record, {"trigger": trigger, "error": message})
        raise
    seconds = round(time.monotonic() - clock, 3)
    with transaction.atomic(using=using):
        BackupRecord.objects.filter(pk=record.pk).update(
            file_name=name,
            size=size,
            sha256=digest,
            tables=len(facts.row_counts),
            rows=facts.rows,
            finished_at=finished,
            seconds=seconds,
            status=BackupStatus.OK,
        )
        record.refresh_from_db()
        audit_write(
            actor=actor,
            action="backup.create",
            item_code=ITEM,
            object_type="backup",
            object_id=record.pk,
            after={
                "file": name,
                "size": size,
                "sha256": digest,
                "encrypted": bool(encrypt),
                "trigger": trigger,
                "seconds": seconds,
                "tables": record.tables,
                "rows": record.rows,
            },
        )
    if keep is not None:
        backup_prune(actor=actor, keep=keep)
    return record


def backup_prune(*, actor, keep: int) -> list[BackupRecord]:
    """1109 数据备份（保留策略）: delete successful backups beyond the newest `keep` (files, manifests), audited."""
    require_backup_start(actor)
    if not isinstance(keep, int) or isinstance(keep, bool) or keep < 1:
        raise ApplicationError("保留份数应为不小于1的整数", field="keep")
    folder = backup_dir()
    with transaction.atomic():
        old = list(
            BackupRecord.objects.select_for_update()
            .filter(status=BackupStatus.OK)
            .order_by("-started_at", "-id")[keep:]
        )
        if not old:
            return []
        now = timezone.now()
        for record in old:
            record.status, record.deleted_at = BackupStatus.DELETED, now
        BackupRecord.objects.bulk_update(old, ["status", "deleted_at"])
        audit_write_many(
            actor=actor,
            item_code=ITEM,
            entries=[
                AuditEntry(
                    action="backup.prune",
                    object_type="backup",
                    object_id=r.pk,
                    before={"status": BackupStatus.OK, "file": r.file_name},
                    after={"status": BackupStatus.DELETED, "keep": keep, "sha256": r.sha256},
                )
                for r in old
            ],
        )
        names = [r.file_name for r in old if r.file_name]

        def _delete_files() -> None:
            for fname in names:
                (folder / fname).unlink(missing_ok=True)
                manifest_path(folder / fname).unlink(missing_ok=True)

        transaction.on_commit(_delete_files)
    return old


# --------------------------------------------------------------------------------------------------------------
# Restore drill
# --------------------------------------------------------------------------------------------------------------


@dataclass
class DrillOutcome:
    """What a restore drill measured: equal or not, tables and rows compared, times, and the differences found."""

    ok: bool
    tables: int
    rows: int
    backup_seconds: float | None
    restore_seconds: float
    verify_seconds: float
    total_seconds: float
    mismatches: list[str] = field(default_factory=list)
    file: str = ""
    sha256: str = ""
    backup_id: int | None = None
    vendor: str = ""

    def as_dict(self) -> dict:
        return asdict(self)


def _compare(manifest: dict, facts: db.DbFacts) -> list[str]:
    problems: list[str] = []
    expected: dict[str, int] = manifest.get("row_counts", {})
    for table in sorted(set(expected) | set(facts.row_counts)):
        want, got = expected.get(table), facts.row_counts.get(table)
        if want is None:
            problems.append(f"恢复后多出表 {table}")
        elif got is None:
            problems.append(f"恢复后缺少表 {table}")
        elif want != got:
            problems.append(f"表 {table} 行数不符：备份时 {want}，恢复后 {got}")
    if manifest.get("audit_head") != facts.audit_head:
        problems.append(f"审计链头不符：备份时 {manifest.get('audit_head')}，恢复后 {facts.audit_head}")
    if manifest.get("migration_heads") != facts.migration_heads:
        problems.append("数据库迁移版本不符")
    return problems


def restore_drill(
    *, actor, file: str | Path | None = None, key: str | None = None, using: str = "default"
) -> DrillOutcome:
    """1109 数据备份（恢复演练）: back up (or take `file`), verify its checksum, restore into a scratch database,
    compare row counts and the audit chain head with the manifest, drop the scratch database, audit the result."""
    require_backup_start(actor)
    connection = connections[using]
    record = None
    backup_seconds = None
    if file is None:
        record = backup_create(actor=actor, trigger=BackupTrigger.DRILL, encrypt=False, key=key, using=using)
        path = backup_dir() / record.file_name
        backup_seconds = record.seconds
    else:
        path = Path(file)
    manifest = manifest_verify(path)  # before anything is restored
    vendor = manifest.get("database", {}).get("vendor", "")
    if vendor != connection.vendor:
        raise ApplicationError(f"备份来自 {vendor} 数据库，当前数据库为 {connection.vendor}，无法演练", field="file")
    clock = time.monotonic()
    with tempfile.TemporaryDirectory(prefix=".drill-", dir=backup_dir()) as tmp:  # plaintext stays on the backup volume
        source = path
        if manifest.get("encrypted"):
            source = Path(tmp) / "backup.plain"
            crypto.decrypt_file(path, source, secret=backup_key(key))
        if vendor == "postgresql":
            stamp = timezone.now().strftime("%Y%m%d%H%M%S%f")
            scratch = f"{connection.settings_dict['NAME']}_drill_{stamp}"[:63]
            facts = db.pg_restore_and_read(connection.settings_dict, source, scratch)
        else:
            facts = db.sqlite_restore_and_read(source, Path(tmp) / "scratch.sqlite3")
    restore_seconds = round(time.monotonic() - clock, 3)
    verify_clock = time.monotonic()
    mismatches = _compare(manifest, facts)
    verify_seconds = round(time.monotonic() - verify_clock, 3)
    outcome = DrillOutcome(
        ok=not mismatches,
        tables=len(facts.row_counts),
        rows=facts.rows,
        backup_seconds=backup_seconds,
        restore_seconds=restore_seconds,
        verify_seconds=verify_seconds,
        total_seconds=round((backup_seconds or 0) + restore_seconds + verify_seconds, 3),
        mismatches=mismatches,
        file=path.name,
        sha256=manifest["sha256"],
        backup_id=record.pk if record else None,
        vendor=vendor,
    )
    with transaction.atomic(using=using):
        audit_write(
            actor=actor,
            action="backup.restore_drill",
            item_code=ITEM,
            object_type="backup",
            object_id=record.pk if record else path.name,
            after={k: v for k, v in outcome.as_dict().items() if k != "mismatches"} | {"mismatches": mismatches[:20]},
        )
    return outcome


def backup_schedule_keep() -> int:
    """How many backups the scheduled run keeps (setting SHEBAO_BACKUP_KEEP)."""
    return int(getattr(settings, "SHEBAO_BACKUP_KEEP", 14))

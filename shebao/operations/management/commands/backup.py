"""`manage.py backup [--encrypt] [--keep N] [--user NAME] [--json]`: 1109 数据备份 from the command line or cron."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand

from shebao.core.errors import ApplicationError
from shebao.operations.models import BackupTrigger
from shebao.operations.services.backup import backup_create, backup_dir

from ._backup_common import actor_for, command_error


class Command(BaseCommand):
    help = "数据备份（1109）：整库备份到 SHEBAO_BACKUP_DIR，附 SHA-256 清单；可加密并按份数清理旧备份。"

    def add_arguments(self, parser):
        parser.add_argument("--encrypt", action="store_true", help="用 SHEBAO_BACKUP_KEY 加密（AES-256-GCM，分块流式）")
        parser.add_argument("--keep", type=int, default=None, help="只保留最新的 N 份成功备份，更早的删除（审计）")
        parser.add_argument("--user", default=None, help="以该用户名义发起（默认：系统）")
        parser.add_argument("--json", action="store_true", help="输出一行 JSON")

    def handle(self, *args, encrypt: bool, keep: int | None, user: str | None, json: bool, **options):
        try:
            record = backup_create(actor=actor_for(user), trigger=BackupTrigger.COMMAND, encrypt=encrypt, keep=keep)
        except ApplicationError as exc:
            raise command_error(exc) from None
        path = backup_dir() / record.file_name
        if json:
            self.stdout.write(_json_line(record, path))
        else:
            self.stdout.write(
                f"备份完成：{path}（{record.size} 字节，SHA-256 {record.sha256}，{record.tables} 张表 "
                f"{record.rows} 行，用时 {record.seconds:.2f} 秒）"
            )


def _json_line(record, path) -> str:
    return json.dumps(
        {
            "id": record.pk,
            "file": str(path),
            "size": record.size,
            "sha256": record.sha256,
            "encrypted": record.encrypted,
            "tables": record.tables,
            "rows": record.rows,
            "seconds": record.seconds,
        },
        ensure_ascii=False,
    )

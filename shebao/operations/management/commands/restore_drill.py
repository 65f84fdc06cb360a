"""`manage.py restore_drill [--file BACKUP] [--json]`: 1109 恢复演练 — back up, verify, restore into a scratch
database, compare row counts and the audit chain head, drop the scratch database, print the result."""

from __future__ import annotations

import json as jsonlib

from django.core.management.base import BaseCommand, CommandError

from shebao.core.errors import ApplicationError
from shebao.operations.services.backup import restore_drill

from ._backup_common import actor_for, command_error


class Command(BaseCommand):
    help = "恢复演练：备份（或取 --file 指定的备份），先校验清单 SHA-256，再恢复到临时库核对各表行数与审计链头。"

    def add_arguments(self, parser):
        parser.add_argument("--file", default=None, help="演练已有的备份文件（其清单须在同一目录）")
        parser.add_argument("--user", default=None, help="以该用户名义发起（默认：系统）")
        parser.add_argument("--json", action="store_true", help="输出一行 JSON")

    def handle(self, *args, file: str | None, user: str | None, json: bool, **options):
        try:
            outcome = restore_drill(actor=actor_for(user), file=file)
        except ApplicationError as exc:
            raise command_error(exc) from None
        if json:
            self.stdout.write(jsonlib.dumps(outcome.as_dict(), ensure_ascii=False))
        else:
            self.stdout.write(
                f"恢复演练{'通过' if outcome.ok else '未通过'}：{outcome.tables} 张表 {outcome.rows} 行；"
                f"备份 {outcome.backup_seconds if outcome.backup_seconds is not None else '—'} 秒，"
                f"恢复 {outcome.restore_seconds} 秒"
            )
            for line in outcome.mismatches:
                self.stdout.write(f"  不符：{line}")
        if not outcome.ok:
            raise CommandError("恢复演练未通过：恢复后的数据与备份清单不符")

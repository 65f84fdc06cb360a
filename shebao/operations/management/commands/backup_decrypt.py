"""`manage.py backup_decrypt FILE OUTPUT`: verify an encrypted backup against its manifest and decrypt it (streamed),
for a real restore with pg_restore (see docs/operations-backup.md)."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from shebao.core.errors import ApplicationError
from shebao.operations.services import backup_crypto as crypto
from shebao.operations.services.backup import backup_key, manifest_verify

from ._backup_common import command_error


class Command(BaseCommand):
    help = "解密备份：先按清单校验 SHA-256，再用 SHEBAO_BACKUP_KEY 流式解密到 OUTPUT。"

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("output")

    def handle(self, *args, file: str, output: str, **options):
        out = Path(output)
        if out.exists():
            raise CommandError(f"输出文件已存在：{out}")
        try:
            manifest = manifest_verify(Path(file))
            if not manifest.get("encrypted"):
                raise CommandError("该备份未加密，可直接用于恢复")
            crypto.decrypt_file(Path(file), out, secret=backup_key())
        except ApplicationError as exc:
            out.unlink(missing_ok=True)
            raise command_error(exc) from None
        self.stdout.write(f"已校验并解密到 {out}")

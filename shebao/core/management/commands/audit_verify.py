"""`manage.py audit_verify`: walk the keyed audit chain, compare it with every checkpoint, report the first break."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from shebao.core.audit import audit_verify


class Command(BaseCommand):
    help = (
        "校验审计日志哈希链：用审计密钥逐条重算哈希，并与锚定文件中的每个检查点比对，"
        "报告被篡改或删除的第一处（发现问题时退出码为1）。"
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--chunk", type=int, default=5000, help="每批读取的记录数（默认5000）")

    def handle(self, *args, chunk: int = 5000, **options) -> None:
        if chunk < 1:
            raise CommandError("--chunk 必须为正整数")
        result = audit_verify(chunk=chunk)
        if result.ok:
            self.stdout.write(
                self.style.SUCCESS(
                    f"审计日志校验通过：共检查 {result.checked} 条记录、{result.checkpoints} 个检查点，OK"
                )
            )
            return
        # CommandError prints the message on stderr and exits with status 1 under manage.py.
        raise CommandError(
            f"审计日志校验失败：seq={result.broken_seq}：{result.reason}（此前 {result.checked} 条记录校验通过）"
            if result.broken_seq is not None
            else f"审计日志校验失败：{result.reason}",
            returncode=1,
        )

"""`manage.py audit_checkpoint`: append a signed checkpoint of the audit chain head to the anchor file."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from shebao.core.audit import audit_checkpoint
from shebao.core.audit_anchor import anchor_path


class Command(BaseCommand):
    help = (
        "把审计链当前链头（序号、哈希、时间）签名后追加到数据库之外的锚定文件（SHEBAO_AUDIT_ANCHOR_FILE）。"
        "请由定时任务周期运行（如每5分钟），锚定文件宜另行备份或同步到其他主机。"
    )

    def handle(self, *args, **options) -> None:
        point = audit_checkpoint()
        if point is None:
            self.stdout.write(f"审计链无新增记录，未写入检查点（锚定文件：{anchor_path()}）")
            return
        self.stdout.write(
            self.style.SUCCESS(
                f"已写入检查点：seq={point.seq}，哈希 {point.hash[:16]}…，时间 {point.at}（{anchor_path()}）"
            )
        )

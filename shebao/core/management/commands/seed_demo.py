"""manage.py seed_demo: deterministic 杭州市 demo data: agencies, one login per role, then each app's `demo` module."""

from __future__ import annotations

import io
import os
import time

from django.core.management.base import BaseCommand, CommandError

from shebao.core.bench.demo import DEMO_PASSWORD, demo_exists, demo_modules, load_demo


class Command(BaseCommand):
    help = (
        "生成杭州市演示数据：经办机构、各角色登录账号、参保单位、参保人及各状态的业务经办单"
        "（可重复执行，已存在则跳过）。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=2026, help="随机种子：相同种子生成相同的数据")
        parser.add_argument("--password", default=DEMO_PASSWORD, help=f"所有演示账号的密码（默认 {DEMO_PASSWORD}）")
        for module in demo_modules():  # each app's own options (e.g. --employers, --persons)
            if hasattr(module, "add_arguments"):
                module.add_arguments(parser)

    def handle(self, *args, seed: int, password: str, **options):
        for module in demo_modules():  # refuse bad options before anything is written
            if hasattr(module, "check_options"):
                try:
                    module.check_options(**options)
                except ValueError as exc:
                    raise CommandError(str(exc)) from None
        if demo_exists():
            self.stdout.write(
                self.style.WARNING(
                    "演示数据已存在（杭州市社会保险管理服务中心 330100），本次未做任何修改。"
                    "如需重建，请使用新的数据库（或 manage.py flush 清空后重新执行）。"
                )
            )
            return
        started = time.perf_counter()

        def progress(label: str, seconds: float) -> None:
            self.stderr.write(f"  {label} {seconds:6.1f}s")

        result = load_demo(seed=seed, password=password, progress=progress, options=options)
        total = time.perf_counter() - started
        counts = "，".join(f"{label} {count}" for label, count in result.counts.items())
        self.stdout.write(self.style.SUCCESS(f"演示数据已生成：{counts}{'，' if counts else ''}用时 {total:.1f} 秒。"))
        self.stdout.write(self._logins_table(result.logins, password))
        url = f"http://127.0.0.1:{os.environ.get('PORT', '8000')}/"
        self.stdout.write(f"在浏览器打开 {url} 用上表账号登录（管理后台 {url}admin/）。")

    @staticmethod
    def _logins_table(logins: list[tuple[str, str, str, str]], password: str) -> str:
        from rich.console import Console
        from rich.table import Table

        table = Table(title=f"演示账号（密码均为 {password}）", show_lines=False)
        for column in ("用户名", "角色", "经办机构 / 单位", "姓名"):
            table.add_column(column)
        for row in logins:
            table.add_row(*row)
        buffer = io.StringIO()
        Console(file=buffer, width=110, force_terminal=False, color_system=None).print(table)
        return buffer.getvalue()

"""manage.py bench <registration|lookup> --n N [--json]: timed runs of the real code paths against a floor."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = (
        "性能基准：registration（批量增员真实路径 vs 数据库批量写入）、lookup（按号码/姓名前缀查询参保人）。"
        "使用独立的基准经办机构（BENCH、BENCHLK），可重复执行；建议在专用数据库中运行。"
    )

    def add_arguments(self, parser):
        parser.add_argument("name", choices=["registration", "lookup"])
        parser.add_argument("--n", type=int, required=True, help="registration: 增员人数；lookup: 人员总量")
        parser.add_argument("--json", action="store_true", help="只在标准输出打印一个 JSON 对象")
        parser.add_argument("--chunk", type=int, default=5000, help="registration: 每个批量增员业务的行数")
        parser.add_argument("--types", default="110,210,310,410,510", help="registration: 每人参保险种")
        parser.add_argument("--queries", type=int, default=1000, help="lookup: 每类查询次数（至少 1000）")
        parser.add_argument("--no-progress", action="store_true", help="不显示进度条")

    def handle(
        self, *args, name: str, n: int, json: bool, chunk: int, types: str, queries: int, no_progress: bool, **options
    ):
        if n < 1:
            raise CommandError("--n 必须为正整数")
        show = not no_progress and options.get("verbosity", 1) > 0
        if name == "registration":
            from shebao.core.bench import registration

            codes = [c.strip() for c in types.split(",") if c.strip()]
            result = registration.run(n=n, chunk=max(chunk, 1), types=codes, show=show)
        else:
            from shebao.core.bench import lookup

            result = lookup.run(n=n, queries=queries, show=show)
        data = result.as_dict()
        if json:
            self.stdout.write(_dumps(data))
            return
        for key, value in data.items():
            self.stdout.write(f"{key:>22}: {value}")


def _dumps(data: dict) -> str:
    return json.dumps(data, ensure_ascii=False)

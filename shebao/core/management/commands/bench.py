"""manage.py bench <name> --n N [--json]: the benchmarks contributed by the installed apps (`<app>/bench.py`)."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from shebao.core.bench.common import declared_options, discover_benchmarks


class Command(BaseCommand):
    help = (
        "性能基准：各应用在 <app>/bench.py 中登记的基准（如 registration、lookup、pages）。"
        "使用独立的基准经办机构，可重复执行；建议在专用数据库中运行。"
    )

    def add_arguments(self, parser):
        benchmarks = discover_benchmarks()
        sub = parser.add_subparsers(dest="name", required=True, metavar="{" + ",".join(sorted(benchmarks)) + "}")
        for name, bench in sorted(benchmarks.items()):
            p = sub.add_parser(name, help=bench.help, description=bench.help)
            p.add_argument("--n", type=int, required=True, help="规模（各基准含义见其说明）")
            p.add_argument("--json", action="store_true", help="只在标准输出打印一个 JSON 对象")
            p.add_argument("--no-progress", action="store_true", help="不显示进度条")
            if bench.arguments:
                bench.arguments(p)

    def handle(self, *args, name: str, n: int, json: bool = False, no_progress: bool = False, **options):
        if n < 1:
            raise CommandError("--n 必须为正整数")
        bench = discover_benchmarks()[name]
        show = not no_progress and options.get("verbosity", 1) > 0
        result = bench.run(n=n, show=show, **declared_options(bench.arguments, options))
        data = result.as_dict()
        if json:
            self.stdout.write(_dumps(data))
            return
        for key, value in data.items():
            self.stdout.write(f"{key:>22}: {value}")


def _dumps(data: dict) -> str:
    return json.dumps(data, ensure_ascii=False)

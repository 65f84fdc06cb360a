"""Cluster 02 benchmarks for `manage.py bench`: assessment (020301 月度应缴核定), bank-return (银行回盘导入)."""

from __future__ import annotations

from shebao.core.bench.common import Benchmark


def _run_bank_return(*, n: int, show: bool, failed_every: int, types: str):
    from .bank_return import run

    codes = [c.strip() for c in types.split(",") if c.strip()]
    return run(n=n, show=show, failed_every=max(failed_every, 0), types=codes)


def _bank_return_arguments(parser) -> None:
    parser.add_argument("--failed-every", type=int, default=50, help="每多少条记录有一条扣款失败（0 表示全部成功）")
    parser.add_argument("--types", default="110,210,310,410", help="每个单位的应收险种（逗号分隔）")


def _run_assessment(*, n: int, show: bool, month: str):
    from .assessment import run

    return run(n=n, show=show, month=month)


def _assessment_arguments(parser) -> None:
    parser.add_argument("--month", default="2026-10", help="核定月份 YYYY-MM")


BENCHMARKS = {
    "assessment": Benchmark(
        _run_assessment,
        "月度应缴核定（--n 参保人数，单位数为 n/20）：一个月全部险种的核定与同样行数 COPY 写入下限之比",
        _assessment_arguments,
    ),
    "bank-return": Benchmark(
        _run_bank_return,
        "导入银行回盘文件（--n 记录数 = 托收单位数）：解析、校验、入账与冲抵的真实路径，与批量写入下限之比",
        _bank_return_arguments,
    ),
}

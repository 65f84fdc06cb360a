"""Cluster 02's benchmarks for `manage.py bench`: bank-return (导入银行回盘文件)."""

from __future__ import annotations

from shebao.core.bench.common import Benchmark


def _run_bank_return(*, n: int, show: bool, failed_every: int, types: str):
    from .bank_return import run

    codes = [c.strip() for c in types.split(",") if c.strip()]
    return run(n=n, show=show, failed_every=max(failed_every, 0), types=codes)


def _bank_return_arguments(parser) -> None:
    parser.add_argument("--failed-every", type=int, default=50, help="每多少条记录有一条扣款失败（0 表示全部成功）")
    parser.add_argument("--types", default="110,210,310,410", help="每个单位的应收险种（逗号分隔）")


BENCHMARKS = {
    "bank-return": Benchmark(
        _run_bank_return,
        "导入银行回盘文件（--n 记录数 = 托收单位数）：解析、校验、入账与冲抵的真实路径，与批量写入下限之比",
        _bank_return_arguments,
    ),
}

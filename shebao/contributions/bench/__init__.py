"""Cluster 02's benchmarks for `manage.py bench`: assessment (020301 月度应缴核定)."""

from __future__ import annotations

from shebao.core.bench.common import Benchmark


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
}

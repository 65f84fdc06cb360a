"""Cluster 11 benchmarks for `manage.py bench`: quality (1106 数据质量检查); signing.py is run by hand."""

from __future__ import annotations

from shebao.core.bench.common import Benchmark


def _run_quality(*, n: int, show: bool):
    from .quality import run

    return run(n=n, show=show)


BENCHMARKS = {
    "quality": Benchmark(
        _run_quality,
        "数据质量检查（--n 人员总量，每人两条参保记录，少量预置问题）：全部规则一次检查的耗时与全表扫描下限之比",
    ),
}

"""Cluster 01's benchmarks for `manage.py bench`: registration (批量增员), lookup (人员查询), pages (page loads) and
load (concurrent clerk sessions against gunicorn over HTTP)."""

from __future__ import annotations

from shebao.core.bench.common import Benchmark


def _run_registration(*, n: int, show: bool, chunk: int, types: str):
    from .registration import run

    codes = [c.strip() for c in types.split(",") if c.strip()]
    return run(n=n, chunk=max(chunk, 1), types=codes, show=show)


def _registration_arguments(parser) -> None:
    parser.add_argument("--chunk", type=int, default=5000, help="每个批量增员业务的行数")
    parser.add_argument("--types", default="110,210,310,410,510", help="每人参保险种（逗号分隔）")


def _run_lookup(*, n: int, show: bool, queries: int):
    from .lookup import run

    return run(n=n, queries=queries, show=show)


def _lookup_arguments(parser) -> None:
    parser.add_argument("--queries", type=int, default=1000, help="每类查询次数（至少 1000）")


def _run_pages(*, n: int, show: bool, requests: int):
    from .pages import run

    return run(n=n, requests=requests, show=show)


def _pages_arguments(parser) -> None:
    parser.add_argument("--requests", type=int, default=200, help="每个页面的请求次数")


def _run_load(*, n: int, show: bool, users: int, workers, threads, no_demo: bool, think_ms: int):
    from .load import run

    return run(
        n=n, users=max(users, 1), workers=workers, threads=threads, demo=not no_demo, think_ms=think_ms, show=show
    )


def _load_arguments(parser) -> None:
    parser.add_argument("--users", type=int, default=50, help="并发经办会话数（每个会话一名经办员和一名复核员）")
    parser.add_argument("--workers", type=int, default=None, help="gunicorn 进程数（默认 CPU 核数+1）")
    parser.add_argument("--threads", type=int, default=None, help="每个 gunicorn 进程的线程数（默认 4）")
    parser.add_argument(
        "--think-ms", type=int, default=1000, help="每个页面之后的阅读停顿（毫秒，±50%%；0 为无停顿的压力测试）"
    )
    parser.add_argument("--no-demo", action="store_true", help="数据库为空时也不加载演示数据（seed_demo）")


BENCHMARKS = {
    "registration": Benchmark(
        _run_registration, "批量增员真实路径（--n 增员人数）与数据库批量写入下限之比", _registration_arguments
    ),
    "lookup": Benchmark(
        _run_lookup, "人员查询（--n 人员总量）：号码、姓名开头、姓名包含、号码后六位、仅姓氏", _lookup_arguments
    ),
    "pages": Benchmark(
        _run_pages, "经办人员页面加载（--n 人员总量）：工作台、业务经办单、单位详情、人员详情", _pages_arguments
    ),
    "load": Benchmark(
        _run_load,
        "生产方式部署（gunicorn + WhiteNoise）下的并发经办负载（--n 秒数）：登录、查询、详情、参保登记与复核",
        _load_arguments,
    ),
}

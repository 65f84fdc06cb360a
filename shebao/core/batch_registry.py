"""The registry of batch kinds (what each app declares in its `batches.py`) and the periods runs are for.

Re-exported by `shebao.core.batch`; import from there.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured

from .batch_models import BatchChunk, BatchRun
from .errors import ApplicationError
from .validation import parse_month

PERIOD_MONTH, PERIOD_YEAR = "month", "year"
_NAME = re.compile(r"^[a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)+$")  # "<app>.<what>", e.g. contributions.assessment


@dataclass(frozen=True)
class BatchKind:
    """A kind of batch run an app contributes: how to split a run into chunks and how to execute one chunk."""

    name: str  # "<app>.<what>", unique
    label_zh: str  # shown in lists and logs, e.g. 月度应缴核定
    item_code: str  # catalogue item whose handle grant starting or resuming a run needs (view grant to see it)
    plan: Callable[[BatchRun], Iterable[tuple[int, int]]]  # inclusive key ranges, in chunk order
    execute: Callable[[BatchRun, BatchChunk], int]  # writes the chunk's rows, returns how many
    on_finish: Callable[[BatchRun], None] | None = None  # in the transaction that marks the run done
    period: str = PERIOD_MONTH  # or PERIOD_YEAR: runs are per month (day 1) or per year (1 January)
    supplementary: bool = True  # may supplementary runs (补充批次) follow the main run?
    # (run) -> (label, URL) of the page that shows what the run produced (e.g. the month's summary), or None
    result_link: Callable[[BatchRun], tuple[str, str]] | None = None


KINDS: dict[str, BatchKind] = {}


def register_batch_kind(kind: BatchKind) -> BatchKind:
    """Declare a batch kind; a name registered twice, or a malformed one, stops the system at start-up."""
    if not _NAME.match(kind.name) or len(kind.name) > 60:
        raise ImproperlyConfigured(f"批处理类型名 {kind.name!r} 无效：应为 <应用>.<名称>（小写字母、数字、下划线）")
    if not (len(kind.item_code) in (4, 6, 8) and kind.item_code.isdigit()):
        raise ImproperlyConfigured(f"批处理类型 {kind.name} 的业务编码 {kind.item_code!r} 无效：应为4、6或8位数字")
    if kind.period not in (PERIOD_MONTH, PERIOD_YEAR):
        raise ImproperlyConfigured(f"批处理类型 {kind.name} 的期间单位 {kind.period!r} 无效：应为 month 或 year")
    hooks = (kind.on_finish, kind.result_link)
    if not (callable(kind.plan) and callable(kind.execute)) or any(h and not callable(h) for h in hooks):
        raise ImproperlyConfigured(f"批处理类型 {kind.name} 的 plan / execute / on_finish / result_link 应为函数")
    if kind.name in KINDS:
        raise ImproperlyConfigured(f"批处理类型 {kind.name} 重复登记")
    KINDS[kind.name] = kind
    return kind


def get_batch_kind(name: str) -> BatchKind | None:
    """The registered kind of that name, or None."""
    return KINDS.get(name)


def batch_kinds() -> list[BatchKind]:
    """Every registered kind, by name."""
    return [KINDS[name] for name in sorted(KINDS)]


def kind_named(name: str) -> BatchKind:
    """The registered kind, or ApplicationError naming the field `kind` (400)."""
    kind = KINDS.get(name) if isinstance(name, str) else None
    if kind is None:
        raise ApplicationError(f"批处理类型 {name!r} 不存在", field="kind")
    return kind


def parse_period(value, unit: str = PERIOD_MONTH) -> dt.date:
    """A month "YYYY-MM" (or a date) → its first day; for a yearly kind "YYYY" (or a date) → 1 January."""
    if unit == PERIOD_MONTH:
        return parse_month(value, field="period", label="期间")
    if isinstance(value, dt.date):
        return dt.date(value.year, 1, 1)
    text = str(value if value is not None else "").strip()
    if not (len(text) == 4 and text.isascii() and text.isdigit() and 1900 <= int(text) <= 2999):
        raise ApplicationError("期间应为年度 YYYY", field="period")
    return dt.date(int(text), 1, 1)


def period_text(day: dt.date, spec: BatchKind | None) -> str:
    """A period as written in commands and APIs: "YYYY-MM", or "YYYY" for a yearly kind."""
    return f"{day:%Y}" if spec is not None and spec.period == PERIOD_YEAR else f"{day:%Y-%m}"

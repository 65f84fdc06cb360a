"""Demo data of 1106 质量管理: one data-quality run over the demo city, started by the city's auditor."""

from __future__ import annotations


def load(ctx) -> None:
    """Run every registered rule over the city's subtree, so 数据质量检查 shows a report and its trend."""
    from ..services.quality import quality_check

    auditor = ctx.staff.get("city:auditor")
    if auditor is None:
        return
    run = quality_check(actor=auditor)
    ctx.lap(f"数据质量检查（{run.total} 条问题记录）")
    ctx.result.counts["数据质量检查"] = f"{run.total} 条问题记录"

"""111101 应急机制: how the case page shows a proposed plan (or plan change)."""

from __future__ import annotations

from shebao.core.payloads import load_payload
from shebao.core.views.presenting import CaseView

from ..models import EmergencyScenario


def present_emergency_plan_change(case, actor) -> CaseView:
    """The plan as proposed: scenario, name, RTO/RPO, roles, steps and contacts."""
    p = load_payload(case)
    scenario = EmergencyScenario(p.scenario).label if p.scenario in EmergencyScenario.values else p.scenario
    fields = [
        ("应急场景", scenario),
        ("预案名称", p.title),
        ("类型", f"修订（基于第{p.base_version}版）" if p.plan else "新制定"),
        ("恢复时间目标 RTO", f"{p.rto_minutes} 分钟"),
        ("恢复点目标 RPO", f"{p.rpo_minutes} 分钟"),
        ("修订说明", p.note or "—"),
    ]
    tables = [
        {"title": title, "headers": ["序号", "内容"], "rows": [[str(i), text] for i, text in enumerate(items, 1)]}
        for title, items in (("应急角色与职责", p.roles), ("处置步骤", p.steps), ("联系人", p.contacts))
    ]
    return CaseView(fields=fields, tables=tables)

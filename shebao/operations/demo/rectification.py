"""Cluster 11 demo data (rectification, 111103): three tasks of 上城区 — one closed, one waiting for the check and
one overdue, which the dashboard shows."""

from __future__ import annotations

import datetime as dt

from ..models import RectificationTask
from ..services import rectification as r


def load(ctx) -> None:
    """Through the services, as 上城区 staff (inside seed_demo's transaction)."""
    admin, clerk, reviewer = (ctx.staff.get(f"sc:{role}") for role in ("agency_admin", "clerk", "reviewer"))
    if not (admin and clerk and reviewer):
        ctx.lap("问题整改：缺少上城区工作人员，跳过")
        return
    soon = ctx.today + dt.timedelta(days=14)
    done = r.rectification_create(
        actor=admin,
        source="drill",
        source_ref="数据恢复演练 2026-1",
        title="备份恢复超过目标时长",
        description="演练中数据库恢复用时超过恢复时间目标。",
        owner_id=clerk.pk,
        deadline=soon,
    )
    r.rectification_submit(actor=clerk, task=done, evidence="改用增量备份，复测恢复用时达标。")
    r.rectification_close(actor=reviewer, task=done, note="复测记录齐全")
    waiting = r.rectification_create(
        actor=admin,
        source="audit",
        source_ref="内部审计通知",
        title="离职人员账号未及时停用",
        description="2名离职人员账号仍为在用状态。",
        owner_id=clerk.pk,
        deadline=soon,
    )
    r.rectification_submit(actor=clerk, task=waiting, evidence="已停用相关账号并建立离职交接清单。")
    late = r.rectification_create(
        actor=admin,
        source="operation",
        title="夜间批处理超出维护窗口",
        description="月度核定批处理超出维护窗口，影响次日开门办理。",
        owner_id=clerk.pk,
        deadline=soon,
    )
    RectificationTask.objects.filter(pk=late.pk).update(deadline=ctx.today - dt.timedelta(days=3))
    ctx.lap("问题整改：整改任务")

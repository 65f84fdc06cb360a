"""Cluster 11 demo data (sysadmin, 1105): a street-level service station under 上城区, one per-user grant, and a
week of query volumes with one unusual day, so the 系统管理 pages have something to show."""

from __future__ import annotations

import datetime as dt

from shebao.core.choices import Action
from shebao.core.models import ActivityCount

from ..services import sysadmin as s


def load(ctx) -> None:
    """Through the services, as the 上城区 administrator (inside seed_demo's transaction)."""
    admin = ctx.staff.get("sc:agency_admin")
    if admin is None:
        ctx.lap("系统管理：没有上城区机构管理员，跳过")
        return
    district = ctx.agencies["sc"]
    s.admin_agency_create(
        actor=admin,
        parent_id=district.pk,
        code=f"{district.code}01",
        name="湖滨街道社保服务站",
        region=district.region_id,
    )
    finance = ctx.staff.get("sc:finance")
    if finance is not None:
        s.admin_grant_add(actor=admin, user=finance, item_prefix="020304", action=Action.HANDLE)
    clerk = ctx.staff.get("sc:clerk")
    if clerk is not None:
        rows = [
            ActivityCount(user=clerk, agency=clerk.agency, day=ctx.today - dt.timedelta(days=d), kind="search", count=n)
            for d, n in ((1, 42), (2, 38), (3, 51), (4, 40), (5, 47))
        ]
        rows.append(ActivityCount(user=clerk, agency=clerk.agency, day=ctx.today, kind="api", count=180))
        ActivityCount.objects.bulk_create(rows)
    ctx.lap("系统管理：下级机构、按人授权、查询量")

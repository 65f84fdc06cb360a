"""1105 数据查询监控: query volumes per user per day in the administrator's subtree, with unusual days flagged.

A day is flagged when the user's total (search pages + API reads) is above `operations.query.daily_alert`, or above
`operations.query.median_factor` × the median of that user's active days in the 30 days before (when there are at
least `MIN_HISTORY_DAYS` of them: a new user's first busy day is judged by the fixed limit only).
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Q
from django.db.models.functions import TruncDate

from shebao.core.models import ActivityCount, ActivitySample, PersonalDataAccess, User
from shebao.core.parameters import param_lookup

from ..services.sysadmin import is_sysadmin, managed_users

HISTORY_DAYS = 30
MIN_HISTORY_DAYS = 3


@dataclass
class ActivityRow:
    """One user's queries on one day, and why the day is flagged (empty when it is not)."""

    user: User
    day: dt.date
    counts: dict[str, int] = field(default_factory=dict)
    total: int = 0
    full_views: int = 0
    median: float | None = None
    flags: list[str] = field(default_factory=list)

    @property
    def flagged(self) -> bool:
        return bool(self.flags)


def thresholds(actor, on: dt.date) -> tuple[int, Decimal]:
    """(daily limit, median factor) in force for the actor's region on a day."""
    region = actor.agency.region_id if getattr(actor, "agency_id", None) else None
    limit = param_lookup("operations.query.daily_alert", region=region, on=on).as_int()
    factor = param_lookup("operations.query.median_factor", region=region, on=on).as_decimal()
    return limit, factor


def activity_rows(
    *, actor, day_from: dt.date, day_to: dt.date, q: str = "", flagged_only: bool = False
) -> list[ActivityRow]:
    """Per user and day within the actor's subtree, newest first: counts by kind, full-ID views, flags."""
    if not is_sysadmin(actor):
        return []
    users = managed_users(actor)
    if q:
        users = users.filter(Q(username__icontains=q) | Q(display_name__icontains=q))
    user_ids = list(users.values_list("pk", flat=True))
    history_from = day_from - dt.timedelta(days=HISTORY_DAYS)
    counts = (
        ActivityCount.objects.filter(user_id__in=user_ids, day__gte=history_from, day__lte=day_to)
        .values_list("user_id", "day", "kind", "count")
        .order_by()
    )
    per_day: dict[tuple[int, dt.date], dict[str, int]] = defaultdict(dict)
    for user_id, day, kind, n in counts:
        per_day[(user_id, day)][kind] = n
    views = (
        PersonalDataAccess.objects.filter(actor_id__in=user_ids, at__date__gte=day_from, at__date__lte=day_to)
        .annotate(day=TruncDate("at"))
        .values_list("actor_id", "day")
        .annotate(n=Count("id"))
        .order_by()
    )
    full = {(a, d): n for a, d, n in views}
    by_user = {u.pk: u for u in users.filter(pk__in={k[0] for k in per_day} | {k[0] for k in full})}
    limit, factor = thresholds(actor, day_to)
    rows: list[ActivityRow] = []
    for key in sorted(set(per_day) | set(full), key=lambda k: (k[1], k[0]), reverse=True):
        user_id, day = key
        if not (day_from <= day <= day_to) or user_id not in by_user:
            continue
        kinds = per_day.get(key, {})
        row = ActivityRow(user=by_user[user_id], day=day, counts=kinds, total=sum(kinds.values()))
        row.full_views = full.get(key, 0)
        history = [
            sum(per_day[(user_id, day - dt.timedelta(days=i))].values())
            for i in range(1, HISTORY_DAYS + 1)
            if (user_id, day - dt.timedelta(days=i)) in per_day
        ]
        if len(history) >= MIN_HISTORY_DAYS:
            row.median = statistics.median(history)
        if row.total > limit:
            row.flags.append(f"超过每日{limit}次的预警阈值")
        if row.median is not None and row.total > float(factor) * row.median:
            row.flags.append(f"超过近30日中位数（{row.median:g}次）的{factor.normalize():f}倍")
        if flagged_only and not row.flagged:
            continue
        rows.append(row)
    return rows


def activity_samples(*, actor, user: User, limit: int = 20):
    """The user's last queries (masked), newest first, for an administrator of the user's agency subtree."""
    if not managed_users(actor).filter(pk=user.pk).exists():
        return ActivitySample.objects.none()
    return ActivitySample.objects.filter(user=user).order_by("-at", "-id")[:limit]


def activity_totals(*, actor, day: dt.date) -> dict:
    """Totals of one day in the subtree (for the 系统管理 home): users active, queries, flagged users."""
    rows = activity_rows(actor=actor, day_from=day, day_to=day)
    return {
        "users": len(rows),
        "queries": sum(r.total for r in rows),
        "flagged": sum(1 for r in rows if r.flagged),
        "full_views": sum(r.full_views for r in rows),
    }

"""Query activity log (数据查询监控): how much each user queries per day, and a masked sample of what.

Every search page (`SearchListView`) and every successful API read (GET under /api/) adds to one counter row per
(user, day, kind) — an upsert, so a busy day is one row, not one per query — and keeps the user's last
`SAMPLES_PER_USER` queries with ID numbers masked (a full ID number is never stored here). Administrators read the
volumes (and flag unusual ones) on the 系统管理 pages; personal-data views are logged separately by `pdaccess`.
"""

from __future__ import annotations

import re
import unicodedata

from django.db import connection
from django.utils import timezone

from .masking import mask_text
from .models import ActivitySample

SAMPLES_PER_USER = 50
KIND_SEARCH = "search"  # a search page of the workbench
KIND_API = "api"  # a read through the API
KINDS = {KIND_SEARCH: "页面查询", KIND_API: "接口查询"}
_LONG_DIGITS = re.compile(r"(?<![0-9*])[0-9]{8,}(?![0-9*])", re.ASCII)


def _masked(what: str) -> str:
    """The query as recorded: NFKC, ID numbers masked, any other run of 8+ digits (phone, account) cut to its
    last 4."""
    text = mask_text(unicodedata.normalize("NFKC", what or ""))
    text = _LONG_DIGITS.sub(lambda m: "…" + m.group(0)[-4:], text)
    return text[:200]


def activity_record(user, kind: str, *, what: str = "", count: int = 1) -> None:
    """Count `count` queries of `kind` by `user` today and keep a masked sample of `what` (staff users only)."""
    if user is None or not getattr(user, "is_authenticated", False) or count <= 0:
        return
    today = timezone.localdate()
    with connection.cursor() as cur:
        cur.execute(
            "INSERT INTO core_activitycount (user_id, agency_id, day, kind, count) VALUES (%s, %s, %s, %s, %s) "
            "ON CONFLICT (user_id, day, kind) DO UPDATE SET count = core_activitycount.count + EXCLUDED.count",
            [user.pk, getattr(user, "agency_id", None), today, kind[:20], count],
        )
    if what:
        ActivitySample.objects.create(user_id=user.pk, kind=kind[:20], what=_masked(what))
        # Keep the newest samples only (one indexed delete, rarely matching anything).
        newest_first = ActivitySample.objects.filter(user_id=user.pk).order_by("-at", "-id")
        stale = newest_first.values_list("id", flat=True)[SAMPLES_PER_USER:]
        ActivitySample.objects.filter(id__in=list(stale[:100])).delete()

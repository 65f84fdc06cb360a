"""Query activity (1105 数据查询监控): counters per user and day, and only the newest samples kept, masked."""

from __future__ import annotations

import pytest

from shebao.core.activity import KIND_SEARCH, SAMPLES_PER_USER, activity_record
from shebao.core.models import ActivityCount, ActivitySample

pytestmark = pytest.mark.django_db


def test_counts_add_up_and_only_the_newest_samples_are_kept(clerk):
    for i in range(SAMPLES_PER_USER + 7):
        activity_record(clerk, KIND_SEARCH, what=f"查询 {i} 330102199001011234")
    assert ActivityCount.objects.get(user=clerk, kind=KIND_SEARCH).count == SAMPLES_PER_USER + 7
    kept = list(ActivitySample.objects.filter(user=clerk).order_by("id").values_list("what", flat=True))
    assert len(kept) == SAMPLES_PER_USER
    assert kept[-1].startswith(f"查询 {SAMPLES_PER_USER + 6} ") and "330102199001011234" not in "".join(kept)

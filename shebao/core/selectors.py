"""Reads of the spine: the one case query (`CaseFilterSet`) shared by the dashboard, the case list and the API.

"我的在办" (mine), "待我复核" (review), "网上申报待受理" (online) and "超时" (overdue) mean the same everywhere
because they are defined only here.
"""

from __future__ import annotations

import django_filters
from django.db.models import Q, QuerySet
from django.utils import timezone

from .access import cases_for, has_any_grant
from .choices import Action, CaseStatus
from .models import Case

OPEN_STATUSES = (CaseStatus.SUBMITTED, CaseStatus.ACCEPTED, CaseStatus.APPROVED)

QUEUES = {
    "mine": "我的在办业务",
    "review": "待我复核",
    "online": "网上申报待受理",
    "overdue": "超过办结时限",
}


def case_queue(qs: QuerySet[Case], queue: str, user) -> QuerySet[Case]:
    """Restrict cases to one of the work queues (see QUEUES) as seen by `user`."""
    if queue == "mine":
        return qs.filter(handler=user, status__in=(CaseStatus.ACCEPTED, CaseStatus.APPROVED))
    if queue == "review":
        if not has_any_grant(user, Action.REVIEW):
            return qs.none()
        return qs.filter(status=CaseStatus.ACCEPTED).exclude(handler=user).exclude(submitted_by=user)
    if queue == "online":
        if not has_any_grant(user, Action.HANDLE):
            return qs.none()
        return qs.filter(status=CaseStatus.SUBMITTED)
    if queue == "overdue":
        return qs.filter(status__in=OPEN_STATUSES, due_date__lt=timezone.localdate())
    return qs


class CaseFilterSet(django_filters.FilterSet):
    """Filters of the case list (UI and API): status, item code prefix, number/applicant search, work queue."""

    status = django_filters.ChoiceFilter(choices=CaseStatus.choices, label="状态")
    item = django_filters.CharFilter(method="filter_item", label="业务编码")
    q = django_filters.CharFilter(method="filter_q", label="流水号或申请人")
    queue = django_filters.ChoiceFilter(choices=list(QUEUES.items()), method="filter_queue", label="工作队列")

    class Meta:
        model = Case
        fields = ["status", "item", "q", "queue"]

    def filter_item(self, qs, name, value):
        value = (value or "").strip()
        return qs.filter(item__code__startswith=value) if value.isdigit() else qs

    def filter_q(self, qs, name, value):
        value = (value or "").strip()
        return qs.filter(Q(number__startswith=value) | Q(applicant_name__contains=value)) if value else qs

    def filter_queue(self, qs, name, value):
        return case_queue(qs, value, self.request.user) if self.request is not None else qs


def case_list(*, user, filters: dict | None = None) -> CaseFilterSet:
    """The cases `user` may see, filtered (read `.qs`; `.errors` holds invalid filter values)."""

    class _Request:  # django-filter reads `request.user` in filter_queue
        def __init__(self, u):
            self.user = u

    qs = cases_for(user).select_related("item__parent")
    return CaseFilterSet(filters or {}, queryset=qs, request=_Request(user))

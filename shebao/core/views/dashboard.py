"""工作台首页: the dashboard of each kind of user."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from ..access import cases_for, has_any_grant, is_staff
from ..calendar_services import calendar_warning
from ..choices import Action, CaseStatus
from ..context_processors import visible_links
from ..items import dashboard_panels
from ..selectors import case_queue
from .helpers import home_url

# --------------------------------------------------------------------------------------------------------------
# Dashboard
# --------------------------------------------------------------------------------------------------------------


def _role_can(user, action: str) -> bool:
    return has_any_grant(user, action)


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """工作台首页: my open cases, cases waiting for my review, online applications waiting for acceptance."""
    user = request.user
    if not is_staff(user):
        return redirect(home_url(user))
    cases = cases_for(user).select_related("item__parent")
    can_handle, can_review = _role_can(user, Action.HANDLE), _role_can(user, Action.REVIEW)
    mine = case_queue(cases, "mine", user)
    review = case_queue(cases, "review", user) if can_review else cases.none()
    online = case_queue(cases, "online", user) if can_handle else cases.none()
    today = timezone.localdate()
    overdue = case_queue(cases, "overdue", user)
    context = {
        "today": today,
        "calendar_warning": calendar_warning(user, today),
        "can_handle": can_handle,
        "quick_links": visible_links(user, "quick_links"),
        "can_review": can_review,
        "queues": [
            {
                "key": "mine",
                "title": "我的在办业务",
                "hint": "由我受理、等待复核的业务",
                "show": can_handle,
                "count": mine.count(),
                "cases": list(mine[:8]),
                "empty": "目前没有由您经办的在办业务。",
            },
            {
                "key": "review",
                "title": "待我复核",
                "hint": "他人经办、等待复核的业务",
                "show": can_review,
                "count": review.count(),
                "cases": list(review[:8]),
                "empty": "目前没有等待您复核的业务。",
            },
            {
                "key": "online",
                "title": "网上申报待受理",
                "hint": "单位和个人网上申报的业务",
                "show": can_handle,
                "count": online.count(),
                "cases": list(online[:8]),
                "empty": "目前没有待受理的网上申报。",
            },
        ],
        "overdue_count": overdue.count(),
        "completed_today": cases.filter(status=CaseStatus.COMPLETED, completed_at__date=today).count(),
        "panels": dashboard_panels(request),
    }
    return render(request, "core/dashboard.html", context)

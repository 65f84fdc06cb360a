"""Reads of the arrears area (scoped): a unit's handling overview, overdue notices, refund instructions."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils import timezone

from shebao.core.access import is_staff, scope_filter
from shebao.core.errors import NotFoundError

from ..choices import ArrearsActionKind
from ..models import ArrearsAction, Deferral, RefundInstruction
from ..services.arrears_notice import open_notice, outstanding_of, overdue_of
from .collection import subtree_ids


def arrears_overview(*, actor, employer) -> dict:
    """A unit's (already scoped) arrears handling: overdue and outstanding amounts, open notice, steps, deferrals."""
    return {
        "overdue": overdue_of(employer.pk),
        "outstanding": outstanding_of(employer.pk),
        "notice": open_notice(employer.pk),
        "actions": list(
            ArrearsAction.objects.filter(employer=employer).select_related("actor").order_by("-acted_on", "-id")
        ),
        "deferrals": list(Deferral.objects.filter(employer=employer).order_by("-start_month")),
    }


def overdue_notices(*, actor) -> list[ArrearsAction]:
    """Open notices in the actor's agency subtree whose deadline has passed and whose unit still owes."""
    if not is_staff(actor):
        return []
    today = timezone.localdate()
    rows = []
    qs = (
        ArrearsAction.objects.filter(
            agency_id__in=subtree_ids(actor.agency),
            kind=ArrearsActionKind.NOTICE,
            closed_on__isnull=True,
            deadline__lt=today,
        )
        .select_related("employer")
        .prefetch_related("steps")
        .order_by("deadline", "id")
    )
    for notice in qs:
        notice.overdue_now = overdue_of(notice.employer_id, today)
        if notice.overdue_now > 0:
            rows.append(notice)
    return rows


def instructions_for(actor) -> QuerySet[RefundInstruction]:
    return scope_filter(actor, RefundInstruction.objects.all(), employer="employer_id", person="person_id")


def instruction_get_for(*, actor, instruction_id) -> RefundInstruction:
    """A refund instruction within scope, else NotFoundError (404)."""
    try:
        return instructions_for(actor).get(pk=int(instruction_id))
    except (RefundInstruction.DoesNotExist, ValueError, TypeError):
        raise NotFoundError("退费指令不存在") from None

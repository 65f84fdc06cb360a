"""Permissions per catalogue item and action, and the data scope of each kind of user."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from .choices import Action, Role
from .errors import NotFoundError, PermissionDeniedError
from .models import Case, RoleGrant, UserGrant

STAFF_ROLES = (Role.CLERK, Role.REVIEWER, Role.AGENCY_ADMIN, Role.AUDITOR, Role.FINANCE)

# Shipped defaults for staff (every item); what employers and insured people may submit online is declared by
# each item (`BusinessItem.grants` in `<app>/items.py`). Agencies edit RoleGrant rows afterwards.
DEFAULT_GRANTS: list[tuple[str, str, str]] = [
    (Role.CLERK, "", Action.HANDLE),
    (Role.CLERK, "", Action.VIEW),
    (Role.REVIEWER, "", Action.REVIEW),
    (Role.REVIEWER, "", Action.VIEW),
    (Role.AGENCY_ADMIN, "", Action.HANDLE),
    (Role.AGENCY_ADMIN, "", Action.REVIEW),
    (Role.AGENCY_ADMIN, "", Action.VIEW),
    (Role.AUDITOR, "", Action.VIEW),
    (Role.FINANCE, "", Action.VIEW),
    (Role.EMPLOYER, "", Action.VIEW),
    (Role.INSURED, "", Action.VIEW),
]


def grant_set(actor) -> frozenset[tuple[str, str]]:
    """(item prefix, action) pairs the actor's role holds, plus the actor's own grants (按人授权, `UserGrant`),
    read once per user object (one query per request)."""
    if actor is None or not actor.is_authenticated or not actor.is_active:
        return frozenset()
    cached = getattr(actor, "_shebao_grants", None)
    if cached is None or cached[0] != actor.role:
        by_role = RoleGrant.objects.filter(role=actor.role).order_by().values_list("item_prefix", "action")
        by_user = UserGrant.objects.filter(user_id=actor.pk).order_by().values_list("item_prefix", "action")
        pairs = frozenset(by_role.union(by_user))
        cached = (actor.role, pairs)
        actor._shebao_grants = cached
    return cached[1]


def has_grant(actor, item_code: str, action: str) -> bool:
    """Does the actor's role hold `action` on catalogue item `item_code` (or on a prefix of it)?"""
    grants = grant_set(actor)
    return any((item_code[:n], action) in grants for n in range(0, len(item_code) + 1, 2))


def has_any_grant(actor, action: str) -> bool:
    """Does the actor's role hold `action` on any item at all (e.g. may review something)?"""
    return any(a == action for _, a in grant_set(actor))


def require_grant(actor, item_code: str, action: str) -> None:
    """Raise PermissionDeniedError when the actor may not do `action` on the item."""
    if not has_grant(actor, item_code, action):
        label = dict(Action.choices).get(action, action)
        raise PermissionDeniedError(f"您没有办理该业务（{item_code}）的{label}权限")


def is_staff(actor) -> bool:
    return getattr(actor, "role", None) in STAFF_ROLES and actor.agency_id is not None


def scope_filter(
    actor, qs: QuerySet, *, agency: str = "agency", employer: str | None = None, person: str | None = None
) -> QuerySet:
    """Restrict a queryset to what the actor may see: agency subtree, own unit, or self."""
    if actor is None or not actor.is_authenticated:
        return qs.none()
    if is_staff(actor):
        return qs.filter(**{f"{agency}__path__startswith": actor.agency.path})
    if actor.role == Role.EMPLOYER and actor.employer_id and employer is not None:
        return qs.filter(**{employer: actor.employer_id})
    if actor.role == Role.INSURED and actor.person_id and person is not None:
        return qs.filter(**{person: actor.person_id})
    return qs.none()


def cases_for(actor) -> QuerySet:
    """Cases the actor may see."""
    qs = Case.objects.select_related("item__parent", "agency", "handler", "reviewer", "submitted_by")
    if is_staff(actor):
        return qs.filter(agency__path__startswith=actor.agency.path)
    if actor.role == Role.EMPLOYER and actor.employer_id:
        return qs.filter(employer_id=actor.employer_id)
    if actor.role == Role.INSURED and actor.person_id:
        return qs.filter(Q(person_id=actor.person_id) | Q(submitted_by=actor))
    return qs.none()


def case_get_for(*, actor, case_id) -> Case:
    """A case within the actor's scope, or NotFoundError (404) — never reveal that it exists elsewhere."""
    try:
        return cases_for(actor).get(pk=int(case_id))
    except (Case.DoesNotExist, ValueError, TypeError):
        raise NotFoundError("业务经办单不存在") from None


def can_view_full_id(actor, *, person_id: int | None = None, employer_id: int | None = None) -> bool:
    """Full ID numbers only on detail pages, for those entitled: staff whose role's masking rule shows them in full
    (by default all but finance), the person, the unit."""
    from .masking import shows_full

    role = getattr(actor, "role", None)
    if role == Role.INSURED:
        entitled = person_id is not None and actor.person_id == person_id
    elif role == Role.EMPLOYER:
        entitled = employer_id is not None and actor.employer_id == employer_id
    else:
        entitled = role in Role.values
    # the role's masking rule (1107, kept as data) decides whether the number is shown in full
    return shows_full(actor, "id_number", entitled=entitled)

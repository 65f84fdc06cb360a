"""Scoped reads of 020101–020103: wage declarations and contribution bases the actor may see.

Staff see their agency's subtree, an employer user its own unit, an insured person their own bases; anything
else is `NotFoundError` (404), never 403.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet

from shebao.core.access import is_staff, scope_filter
from shebao.core.choices import Role
from shebao.core.errors import NotFoundError

from ..models import ContributionBase, WageDeclaration, WageDeclarationLine


def wage_declarations_for(actor) -> QuerySet[WageDeclaration]:
    """020101 declarations in scope (agency subtree, or the employer user's own unit), newest year first."""
    qs = WageDeclaration.objects.select_related("employer", "agency", "case")
    return scope_filter(actor, qs, employer="employer_id").order_by("-year", "employer__reg_no", "-pk")


def wage_declaration_get_for(*, actor, declaration_id) -> WageDeclaration:
    """One declaration within scope, else NotFoundError (404)."""
    try:
        return wage_declarations_for(actor).get(pk=int(declaration_id))
    except (WageDeclaration.DoesNotExist, ValueError, TypeError):
        raise NotFoundError("工资申报记录不存在") from None


def wage_declaration_search(
    *, actor, year: int | None = None, employer_id: int | None = None, q: str = ""
) -> QuerySet[WageDeclaration]:
    """Declarations in scope filtered by contribution year, unit, or unit name / registration number."""
    qs = wage_declarations_for(actor)
    if year:
        qs = qs.filter(year=year)
    if employer_id:
        qs = qs.filter(employer_id=employer_id)
    q = (q or "").strip()
    if q:
        qs = qs.filter(Q(employer__name__contains=q) | Q(employer__reg_no=q) | Q(employer__uscc=q.upper()))
    return qs


def declaration_lines(declaration: WageDeclaration) -> QuerySet[WageDeclarationLine]:
    """The lines of a declaration (already scoped through the declaration), by ID number."""
    return declaration.lines.select_related("person").order_by("person__id_number")


def contribution_bases_for(actor) -> QuerySet[ContributionBase]:
    """020102/020103 base rows in scope: the person's agency subtree, the unit's own rows, or one's own."""
    qs = ContributionBase.objects.select_related("person", "employer", "case")
    if is_staff(actor):
        return qs.filter(person__agency__path__startswith=actor.agency.path)
    if getattr(actor, "role", None) == Role.EMPLOYER:
        return qs.filter(employer_id=actor.employer_id) if actor.employer_id else qs.none()
    if getattr(actor, "role", None) == Role.INSURED:
        return qs.filter(person_id=actor.person_id) if actor.person_id else qs.none()
    return qs.none()


def contribution_base_search(
    *,
    actor,
    year: int | None = None,
    person_id: int | None = None,
    employer_id: int | None = None,
    source: str = "",
    in_force: bool = True,
) -> QuerySet[ContributionBase]:
    """Base rows in scope by year, person, unit and source; `in_force` leaves out superseded rows."""
    qs = contribution_bases_for(actor)
    if year:
        qs = qs.filter(year=year)
    if person_id:
        qs = qs.filter(person_id=person_id)
    if employer_id:
        qs = qs.filter(employer_id=employer_id)
    if source:
        qs = qs.filter(source=source)
    if in_force:
        qs = qs.filter(superseded_by__isnull=True)
    return qs.order_by("-year", "person__id_number", "valid_from", "pk")


def bases_of_person(person_id: int) -> QuerySet[ContributionBase]:
    """Every base row of one person (superseded ones too), newest year and month first (the caller scopes)."""
    return (
        ContributionBase.objects.filter(person_id=person_id)
        .select_related("employer", "case", "superseded_by")
        .order_by("-year", "-valid_from", "-pk")
    )


def base_in_force(person_id: int, month: dt.date, year: int) -> ContributionBase | None:
    """The base of `month`: the latest row of contribution year `year` in force with valid_from ≤ month."""
    return (
        ContributionBase.objects.filter(
            person_id=person_id, year=year, superseded_by__isnull=True, valid_from__lte=month
        )
        .order_by("-valid_from", "-pk")
        .first()
    )

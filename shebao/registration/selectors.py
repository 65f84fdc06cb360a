"""Scoped reads for cluster 01: employers and persons the actor may see, and search."""

from __future__ import annotations

import unicodedata

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from shebao.core.access import scope_filter
from shebao.core.errors import NotFoundError
from shebao.core.identifiers import USCC_ALPHABET

from .choices import EnrolmentStatus
from .models import Employer, Enrolment, Person


def employers_for(actor) -> QuerySet[Employer]:
    """Employers in the actor's scope (agency subtree, or the employer user's own unit)."""
    qs = Employer.objects.select_related("agency", "region")
    if getattr(actor, "role", None) == "employer":
        return qs.filter(pk=actor.employer_id) if actor.employer_id else qs.none()
    return scope_filter(actor, qs)


def persons_for(actor) -> QuerySet[Person]:
    """Persons in the actor's scope (agency subtree, the unit's employees, or oneself)."""
    qs = Person.objects.select_related("agency", "employer")
    return scope_filter(actor, qs, employer="employer_id", person="pk")


def employer_get_for(*, actor, employer_id) -> Employer:
    """An employer within scope, else NotFoundError (404)."""
    try:
        return employers_for(actor).get(pk=int(employer_id))
    except (Employer.DoesNotExist, ValueError, TypeError):
        raise NotFoundError("参保单位不存在") from None


def person_get_for(*, actor, person_id) -> Person:
    """A person within scope, else NotFoundError (404)."""
    try:
        return persons_for(actor).get(pk=int(person_id))
    except (Person.DoesNotExist, ValueError, TypeError):
        raise NotFoundError("参保人不存在") from None


def employer_search(*, actor, q: str = "", status: str = "") -> QuerySet[Employer]:
    """Search employers by name (contains), USCC or registration number (exact)."""
    qs = employers_for(actor)
    q = unicodedata.normalize("NFKC", q or "").strip()  # a full-width USCC finds the unit
    if q:
        if _looks_like_code(q):
            qs = qs.filter(Q(uscc=q.upper()) | Q(reg_no=q.upper()))
        else:
            qs = qs.filter(name__contains=q)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("name", "pk")


def person_search(*, actor, q: str = "", employer_id=None, status: str = "") -> QuerySet[Person]:
    """Search persons by ID number (exact; 15 digits converted) or name prefix."""
    qs = persons_for(actor)
    q = unicodedata.normalize("NFKC", q or "").strip()  # a full-width ID finds the person
    if q:
        if q[:17].isascii() and q[:17].isdigit() and len(q) in (15, 18):
            from shebao.core.identifiers import id_from_15

            number = id_from_15(q) if len(q) == 15 else q.upper()
            qs = qs.filter(id_number=number)
        else:
            qs = qs.filter(name__startswith=q)
    if employer_id:
        qs = qs.filter(employer_id=employer_id)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("name", "pk")


def _looks_like_code(q: str) -> bool:
    q = (q or "").strip().upper()
    return len(q) in (14, 18) and all(c in USCC_ALPHABET for c in q)


def enrolments_of(person: Person) -> QuerySet[Enrolment]:
    return person.enrolments.select_related("insurance_type", "employer").order_by("insurance_type_id", "-start_month")


def active_employee_count(employer: Employer) -> int:
    """Employees with an active (contributing) enrolment under this employer."""
    return Enrolment.objects.filter(employer=employer, status="active").values("person_id").distinct().count()


# Employee list filter of the employer portal (职工名单): 在职参保 / 暂停（减员） / 全部.
EMPLOYEE_FILTERS = {"active": "在职参保", "suspended": "暂停（减员）", "all": "全部"}


def _unit_status(employer: Employer) -> tuple[Exists, Exists]:
    rows = Enrolment.objects.filter(person_id=OuterRef("pk"), employer_id=employer.pk)
    return Exists(rows.filter(status=EnrolmentStatus.ACTIVE)), Exists(rows.filter(status=EnrolmentStatus.SUSPENDED))


def employees_of(*, actor, employer: Employer, status: str = "all", q: str = "") -> QuerySet[Person]:
    """The unit's employees: `active` holds a contributing enrolment with the unit, `suspended` only 停保 ones."""
    qs = person_search(actor=actor, q=q, employer_id=employer.pk)
    active, suspended = _unit_status(employer)
    if status == "active":
        return qs.filter(active)
    if status == "suspended":
        return qs.filter(~active & suspended)
    return qs


def employee_counts(*, actor, employer: Employer) -> dict[str, int]:
    """Head counts per filter of the employee list in one query (the portal home page shows the same numbers)."""
    active, suspended = _unit_status(employer)
    return person_search(actor=actor, employer_id=employer.pk).aggregate(
        active=Count("pk", filter=active),
        suspended=Count("pk", filter=~active & suspended),
        all=Count("pk"),
    )

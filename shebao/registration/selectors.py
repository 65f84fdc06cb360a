"""Scoped reads for cluster 01: employers and persons the actor may see, and search."""

from __future__ import annotations

import re
import unicodedata

from django.db import connection
from django.db.models import BooleanField, Count, Exists, F, Func, OuterRef, Q, QuerySet
from django.db.models.functions import Collate, Left, Reverse

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


PINYIN_COLLATION = "zh-x-icu"  # PostgreSQL's ICU collation for Chinese: names in pinyin order
NAME_BIGRAMS = "registration_name_bigrams"  # SQL function of migration 0002 (GIN-indexed on PostgreSQL)
_ID_DIGITS = re.compile(r"[0-9]{3,17}[0-9X]")
_CODE = re.compile(r"[0-9A-Z]{4,18}")


def normalise_query(q) -> str | None:
    """A search term as clerks type it: NFKC (full-width → ASCII), trimmed; None when it cannot match anything.

    Control and format characters (NUL, bidi overrides…) and non-ASCII digits (Arabic-Indic…) make the query
    match nothing rather than reach the database.
    """
    term = unicodedata.normalize("NFKC", q or "").strip()
    for ch in term:
        if unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn"):
            return None
        if ch.isdigit() and not ("0" <= ch <= "9"):
            return None
    return term


def _pg() -> bool:
    return connection.vendor == "postgresql"


_COLLATIONS: dict[str, bool] = {}


def _has_pinyin() -> bool:
    """Whether the PostgreSQL server has the ICU Chinese collation (checked once per process)."""
    if "pinyin" not in _COLLATIONS:
        with connection.cursor() as cur:
            cur.execute("SELECT 1 FROM pg_collation WHERE collname = %s", [PINYIN_COLLATION])
            _COLLATIONS["pinyin"] = cur.fetchone() is not None
    return _COLLATIONS["pinyin"]


def _pinyin(field: str):
    """The ORDER BY expression for a Chinese name: pinyin (ICU) on PostgreSQL, plain order elsewhere."""
    return Collate(field, PINYIN_COLLATION) if _pg() and _has_pinyin() else F(field)


class _HasBigrams(Func):
    """registration_name_bigrams(name) @> ARRAY[…]: every two-character piece of the term is one of the name's."""

    output_field = BooleanField()

    def __init__(self, field: str, grams: list[str]):
        super().__init__(F(field))
        self.grams = grams

    def as_sql(self, compiler, connection, **extra):
        sql, params = compiler.compile(self.source_expressions[0])
        marks = ", ".join(["%s"] * len(self.grams))
        return f"{NAME_BIGRAMS}({sql}) @> ARRAY[{marks}]::text[]", [*params, *self.grams]


def _name_contains(qs: QuerySet, term: str, field: str = "name") -> QuerySet:
    """Name contains `term`; one character means the surname (prefix), served with the pinyin order by one index."""
    if len(term) == 1:
        return qs.alias(_initial=Left(field, 1)).filter(_initial=term)
    if _pg():
        qs = qs.filter(_HasBigrams(field, sorted({term[i : i + 2] for i in range(len(term) - 1)})))
    return qs.filter(**{f"{field}__contains": term})


def _suffix(qs: QuerySet, field: str, digits: str) -> QuerySet:
    """`field` ends with `digits` (an index on reverse(field) on PostgreSQL)."""
    return qs.alias(**{f"_rev_{field}": Reverse(field)}).filter(**{f"_rev_{field}__startswith": digits[::-1]})


def employer_search(*, actor, q: str = "", status: str = "") -> QuerySet[Employer]:
    """Search employers by name (contains), USCC or registration number (whole, or its last digits)."""
    qs = employers_for(actor)
    term = normalise_query(q)
    if term is None:
        return qs.none()
    if term:
        code = term.upper()
        if len(code) in (14, 18) and all(c in USCC_ALPHABET for c in code):
            qs = qs.filter(Q(uscc=code) | Q(reg_no=code))
        elif _CODE.fullmatch(code) and any(c.isdigit() for c in code):
            qs = _suffix(qs, "uscc", code) | _suffix(qs, "reg_no", code)
        else:
            qs = _name_contains(qs, term)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by(_pinyin("name"), "pk")


def person_search(*, actor, q: str = "", employer_id=None, status: str = "") -> QuerySet[Person]:
    """Search persons by ID number (whole; 15 digits converted; or its last 4+ digits) or name (contains)."""
    qs = persons_for(actor)
    term = normalise_query(q)
    if term is None:
        return qs.none()
    if term:
        number = term.upper()
        if _ID_DIGITS.fullmatch(number):
            if len(number) in (15, 18):
                from shebao.core.identifiers import id_from_15

                qs = qs.filter(id_number=id_from_15(number) if len(number) == 15 else number)
            else:
                qs = _suffix(qs, "id_number", number)
        elif any(c.isdigit() for c in number):
            return qs.none()  # digits mixed with other characters: neither a name nor a number
        else:
            qs = _name_contains(qs, term)
    if employer_id:
        qs = qs.filter(employer_id=employer_id)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by(_pinyin("name"), "pk")


def looks_like_id_search(q) -> bool:
    """True when a search term is (part of) an ID number or code, which must not travel in a URL."""
    term = normalise_query(q) or ""
    return any(c.isdigit() for c in term)


def enrolments_of(person: Person) -> QuerySet[Enrolment]:
    return person.enrolments.select_related("insurance_type", "employer").order_by("insurance_type_id", "-start_month")


def active_employee_count(employer: Employer) -> int:
    """Employees with an active (contributing) enrolment under this employer."""
    return (
        Enrolment.objects.filter(employer=employer, status=EnrolmentStatus.ACTIVE)
        .values("person_id")
        .distinct()
        .count()
    )


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

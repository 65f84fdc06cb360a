"""020102 缴费基数核定, one person at a time: a new hire's base from the starting wage, or a redetermination.

A clerk opens a case per person (one open case per person); on approval a new `ContributionBase` row from the
given month supersedes the person's rows of that year from that month on. The base is the monthly wage bounded to
the year's bounds (`bound_base`); a redetermination without a wage takes the person's line of the unit's approved
declaration, or the lower bound. Months already assessed are not redetermined here: retroactive corrections, with
their differences in the receivable ledger, are 020103 缴费基数调整.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from shebao.core import validation as v
from shebao.core.audit import audit_write
from shebao.core.cases import case_open, subject_key
from shebao.core.errors import ApplicationError, ConflictError
from shebao.core.materials import SubmittedMaterials
from shebao.core.models import Case
from shebao.core.payloads import Payload, load_payload
from shebao.core.records import channel_for
from shebao.registration.choices import EmployerStatus, PersonCategory, PersonStatus
from shebao.registration.models import Person
from shebao.registration.services.common import ensure_person_scope

from ..choices import ASSESSED_KINDS, BaseSource, DeclarationStatus
from ..models import ContributionBase, Receivable, WageDeclarationLine
from . import wages_rules as rules
from .wages import _parse_wage

ITEM = "020102"
NEW_HIRE, REDETERMINE = "new_hire", "redetermine"
KINDS = {NEW_HIRE: "新参保人员按起薪核定", REDETERMINE: "重新核定"}
KIND_CHOICES = list(KINDS.items())  # the API schema names this enum (settings ENUM_NAME_OVERRIDES)


@dataclass
class BaseDeterminePayload(Payload):
    """020102 request for one person: kind, contribution year, first month, monthly wage (None: from the
    declaration or the lower bound) and a note."""

    person: int
    employer: int
    kind: str
    year: int
    valid_from: dt.date
    monthly_wage: Decimal | None = None
    note: str = ""


def person_key(person_id: int):
    """One open 020102 case per person."""
    return subject_key(ITEM, "person", person_id, field="person", label="该人员")


def check_employee(person: Person) -> None:
    """The person is an active employee of an active unit (the only ones whose base a unit declares)."""
    if person.status != PersonStatus.ACTIVE:
        raise ApplicationError("该人员社会保险关系已终止", field="person")
    if person.category != PersonCategory.EMPLOYEE or person.employer_id is None:
        raise ApplicationError("该人员不是单位职工（灵活就业人员的基数请办理费额核定）", field="person")
    if person.employer.status != EmployerStatus.ACTIVE:
        raise ApplicationError("该人员所在单位已注销", field="person")


def assessed_from(person_id: int, month: dt.date) -> dt.date | None:
    """The first month from `month` on already in the receivable ledger for the person (None if none)."""
    row = (
        Receivable.objects.filter(person_id=person_id, period__gte=month, kind__in=ASSESSED_KINDS)
        .order_by("period")
        .values_list("period", flat=True)
        .first()
    )
    return row


@transaction.atomic
def contribution_base_determine(
    *,
    actor,
    person: Person,
    kind: str,
    year,
    valid_from,
    monthly_wage=None,
    note: str = "",
    channel: str | None = None,
    materials: SubmittedMaterials | None = None,
) -> Case:
    """020102 缴费基数核定（单人）: a new hire's base from the starting wage, or a redetermination from a month."""
    ensure_person_scope(actor, person)  # 404 outside scope
    check_employee(person)
    region = person.employer.agency.region_id
    errors = v.Errors()
    if kind not in KINDS:
        errors.add("kind", "核定类别无效（新参保人员按起薪核定、重新核定）")
    first, last = _years(region)
    text = str(year if year is not None else "").strip()
    year_value = int(text) if text.isascii() and text.isdigit() and len(text) == 4 else None
    if year_value is None:
        errors.add("year", "缴费年度应为四位年份，如 2027")
    elif not first <= year_value <= last:
        errors.add("year", f"缴费年度只能是{first}年或{last}年")
        year_value = None
    month = errors.capture(v.parse_month, valid_from, "valid_from", "适用起始月")
    if month and year_value:
        start, end = rules.year_months(year_value, region)
        if not start <= month <= end:
            errors.add("valid_from", f"适用起始月应在{year_value}缴费年度内（{start:%Y-%m}至{end:%Y-%m}）")
        else:
            done = assessed_from(person.pk, month)
            if done is not None:
                errors.add(
                    "valid_from",
                    f"该人员{done:%Y-%m}的应缴额已核定，追溯更正请办理缴费基数调整（020103）",
                )
    wage = None
    wage_text = str(monthly_wage if monthly_wage is not None else "").strip()
    if wage_text:
        wage, problem = _parse_wage(wage_text)
        if problem:
            errors.add("monthly_wage", f"月工资收入{problem}")
    elif kind == NEW_HIRE:
        errors.add("monthly_wage", "新参保人员须填写起薪（月工资收入）")
    note_text = errors.capture(v.optional, note, "note", "说明", max_length=200)
    errors.raise_if_any()
    payload = BaseDeterminePayload(
        person=person.pk,
        employer=person.employer_id,
        kind=kind,
        year=year_value,
        valid_from=month,
        monthly_wage=wage,
        note=note_text or "",
    )
    return case_open(
        actor=actor,
        item_code=ITEM,
        agency=person.agency,
        channel=channel_for(actor, channel),
        summary=f"缴费基数核定：{person.name} {year_value}年度（{KINDS[kind]}，{month:%Y-%m}起）",
        person=person,
        employer=person.employer,
        payload=payload,
        keys=[person_key(person.pk)],
        materials=materials,
    )


def _years(region: str | None) -> tuple[int, int]:
    current = rules.contribution_year_of(timezone.localdate().replace(day=1), region)
    return current, current + 1


def declared_line(person_id: int, employer_id: int, year: int) -> WageDeclarationLine | None:
    """The person's line in the unit's approved declaration for `year`, if any."""
    return (
        WageDeclarationLine.objects.filter(
            person_id=person_id,
            declaration__employer_id=employer_id,
            declaration__year=year,
            declaration__status=DeclarationStatus.APPROVED,
        )
        .select_related("declaration")
        .first()
    )


def supersede(old: list[ContributionBase], new: ContributionBase) -> ContributionBase:
    """Insert `new` and mark the `old` rows superseded by it (marked first so that the in-force index allows the
    new row at the same month; the self-reference exists only inside this transaction)."""
    ids = [row.pk for row in old]
    if ids:
        ContributionBase.objects.filter(pk__in=ids).update(superseded_by_id=F("pk"))
    new.save(force_insert=True)
    if ids:
        ContributionBase.objects.filter(pk__in=ids).update(superseded_by_id=new.pk)
    return new


def preview_base(p: BaseDeterminePayload) -> tuple[Decimal | None, str, rules.BaseResult]:
    """(declared wage, source, bounded result) the case will store — shown on the case page before approval."""
    region = Person.objects.select_related("agency").get(pk=p.person).agency.region_id
    wage, source = p.monthly_wage, BaseSource.NEW_HIRE if p.kind == NEW_HIRE else BaseSource.DECLARED
    if wage is None:
        line = declared_line(p.person, p.employer, p.year)
        wage, source = (line.monthly_wage, BaseSource.DECLARED) if line else (None, BaseSource.DEFAULT)
    return wage, source, rules.bound_base(declared_monthly_wage=wage, region=region, year=p.year)


def apply_base_determine(*, case: Case, actor) -> dict:
    """Applier of 020102 (single case): the new base row from the month; later rows of the year superseded."""
    p: BaseDeterminePayload = load_payload(case)
    person = Person.objects.select_for_update(of=("self",)).select_related("employer", "agency").get(pk=p.person)
    if person.status != PersonStatus.ACTIVE or person.employer_id != p.employer:
        raise ConflictError("申报后该人员的参保状态或所在单位已变化，请退回后重新申报", field="person")
    done = assessed_from(person.pk, p.valid_from)
    if done is not None:
        raise ConflictError(f"该人员{done:%Y-%m}的应缴额已核定，请退回后办理缴费基数调整（020103）", field="valid_from")
    wage, source, result = preview_base(p)
    old = list(
        ContributionBase.objects.select_for_update().filter(
            person=person, year=p.year, valid_from__gte=p.valid_from, superseded_by__isnull=True
        )
    )
    row = supersede(
        old,
        ContributionBase(
            person=person,
            employer_id=p.employer,
            year=p.year,
            valid_from=p.valid_from,
            base=result.base,
            declared_wage=wage,
            source=source,
            case=case,
        ),
    )
    audit_write(
        actor=actor,
        action="contribution_base.determine",
        item_code=ITEM,
        object_type="person",
        object_id=person.pk,
        before={"bases": [{"valid_from": r.valid_from, "base": str(r.base), "source": r.source} for r in old]},
        after={
            "year": p.year,
            "valid_from": p.valid_from,
            "base": str(row.base),
            "source": str(source),
            "declared_wage": str(wage) if wage is not None else None,
        },
        case=case,
    )
    return {
        "person_id": person.pk,
        "base_id": row.pk,
        "year": p.year,
        "valid_from": p.valid_from.isoformat(),
        "base": str(row.base),
        "source": str(source),
        "superseded": len(old),
    }

"""02020102 费额核定 and 02020202 费额调整: a resident's yearly pension tier, a flexible worker's monthly base.

Residents in 城乡居民养老 (170) choose a tier from `contribution.resident_pension.tiers` (each earns the subsidy the
subsidy parameters give); flexible workers in 110/310 choose a monthly base in [lower, upper] × the average wage.
The first choice (核定) applies from the person's first contribution period; a change (调整) from the next period —
the next month for flexible workers, 1 January of the next year for residents (`contribution.flexible.choice_lead_
months`, `contribution.resident_pension.choice_lead_years`). Rows are `PersonContributionChoice`, never edited: a
change adds a row from its period; a second change for the same period supersedes the first (`superseded_by`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from shebao.core import validation as v
from shebao.core.access import require_grant
from shebao.core.audit import audit_write
from shebao.core.cases import CaseKeySpec, case_open, subject_key
from shebao.core.choices import Action
from shebao.core.errors import ApplicationError, ConflictError
from shebao.core.models import Case
from shebao.core.payloads import Payload, load_payload
from shebao.core.records import channel_for
from shebao.registration.choices import EnrolmentStatus, PersonCategory, PersonStatus
from shebao.registration.models import Enrolment, Person
from shebao.registration.services.common import ensure_person_scope

from ..choices import ChoiceKind
from ..models import PersonContributionChoice
from . import rates_rules as rules

UNIT = {ChoiceKind.TIER: "元/年", ChoiceKind.BASE: "元/月"}


@dataclass
class PersonChoiceDeterminePayload(Payload):
    """02020102 费额核定 request: the tier (元/年) or monthly base chosen, for which insurance types, from when."""

    person: int
    kind: str
    insurance_types: list[str]
    valid_from: dt.date
    amount: Decimal
    subsidy: Decimal | None = None  # tier: the yearly government subsidy it earns
    lower: Decimal | None = None  # base: the band it was checked against
    upper: Decimal | None = None
    average_wage: Decimal | None = None
    note: str = ""


@dataclass
class PersonChoiceChangePayload(PersonChoiceDeterminePayload):
    """02020202 费额调整 request: a new tier or base from the next period; `previous` what was in force then."""

    previous: dict = field(default_factory=dict)  # type → {"id", "amount", "valid_from"}


def choice_key(person_id: int) -> CaseKeySpec:
    """One open tier/base case (determination or change) per person."""
    return subject_key("0202", "person-choice", person_id, label="该人员")


def choice_kind(person: Person) -> str | None:
    """tier for residents, base for flexible workers, None for employees (their base is 020102's)."""
    return {PersonCategory.RESIDENT: ChoiceKind.TIER, PersonCategory.FLEXIBLE: ChoiceKind.BASE}.get(person.category)


def period_start(kind: str, month: dt.date) -> dt.date:
    """The first day of the period containing `month`: the month (base) or 1 January (tier)."""
    return dt.date(month.year, 1, 1) if kind == ChoiceKind.TIER else month.replace(day=1)


def period_label(kind: str, day: dt.date) -> str:
    """ "2027年度" for a tier, "2027-03" for a base."""
    return f"{day.year}年度" if kind == ChoiceKind.TIER else f"{day:%Y-%m}"


def choice_types(person: Person) -> dict[str, Enrolment]:
    """The person's active enrolments this area's choices apply to (170, or 110/310), by type."""
    kind = choice_kind(person)
    codes = (rules.RESIDENT_PENSION,) if kind == ChoiceKind.TIER else rules.FLEXIBLE_TYPES if kind else ()
    rows = Enrolment.objects.filter(person=person, insurance_type_id__in=codes, status=EnrolmentStatus.ACTIVE)
    return {e.insurance_type_id: e for e in rows.order_by("insurance_type_id")}


def person_choice_for(person: Person | int, insurance_type: str, month: dt.date) -> PersonContributionChoice | None:
    """02020202: the tier or base in force in `month` for the person and type (latest valid_from ≤ month), or None."""
    person_id = person if isinstance(person, int) else person.pk
    return (
        PersonContributionChoice.objects.filter(
            person_id=person_id,
            insurance_type_id=insurance_type,
            valid_from__lte=month,
            superseded_by__isnull=True,
        )
        .order_by("-valid_from")
        .first()
    )


def choice_options(kind: str, *, region, on: dt.date):
    """What may be chosen from `on`: the tiers with their subsidies, or the base band."""
    if kind == ChoiceKind.TIER:
        return rules.resident_tiers(region=region, on=on, field_name="amount")
    return rules.flexible_band(region=region, on=on, field_name="amount")


@dataclass
class _Checked:
    kind: str
    types: list[str]
    month: dt.date
    amount: Decimal
    extra: dict


def _check(
    actor, code: str, person: Person, *, insurance_types, valid_from, amount, note, first: bool
) -> tuple[_Checked, str, dict[str, Enrolment]]:
    require_grant(actor, code, Action.HANDLE)  # the grant before any work
    ensure_person_scope(actor, person)  # 404 outside scope
    if person.status != PersonStatus.ACTIVE:
        raise ApplicationError("该人员社会保险关系已终止，不能办理", field="non_field_errors")
    kind = choice_kind(person)
    if kind is None:
        raise ApplicationError(
            "单位职工的缴费基数由单位申报、经办机构核定（缴费基数核定），不适用本业务", field="non_field_errors"
        )
    held = choice_types(person)
    if not held:
        what = "城乡居民基本养老保险" if kind == ChoiceKind.TIER else "企业职工基本养老保险或职工基本医疗保险"
        raise ApplicationError(f"该人员未参加{what}（参保缴费状态），不能办理", field="non_field_errors")
    errors = v.Errors()
    types = list(held)
    if insurance_types and kind == ChoiceKind.BASE:
        chosen = errors.capture(v.code_list, insurance_types, "insurance_types", {c: c for c in held})
        types = chosen or types
        if "insurance_types" in errors.errors:
            errors.raise_if_any()  # which types the request is about comes before what state they are in
    region = person.agency.region_id
    today = timezone.localdate()
    month = None
    if valid_from not in (None, ""):
        month = errors.capture(v.parse_month, valid_from, "valid_from", "生效期")
        month = period_start(kind, month) if month else None
    number = errors.capture(
        rules.parse_decimal, amount, "amount", "缴费档次" if kind == ChoiceKind.TIER else "缴费基数", places=2
    )
    note_text = errors.capture(v.optional, note, "note", "说明", max_length=200) or ""
    next_start = errors.capture(rules.next_period, kind, region=region, today=today)
    limit = errors.capture(rules.advance_limit, region=region, today=today)
    in_force = {c: person_choice_for(person, c, dt.date(9999, 12, 1)) for c in types}
    if first:
        done = [c for c, row in in_force.items() if row]
        if done:
            raise ConflictError(
                f"该人员已核定{ChoiceKind(kind).label}（{'、'.join(done)}），请办理费额调整（02020202）",
                field="non_field_errors",
            )
        start = max(period_start(kind, held[c].start_month) for c in types)
        month = month or start
        if month < start:
            errors.add("valid_from", f"生效期不能早于参保缴费起始期 {period_label(kind, start)}")
    else:
        missing = [c for c, row in in_force.items() if not row]
        if missing:
            raise ApplicationError(
                f"该人员尚未核定{ChoiceKind(kind).label}（{'、'.join(missing)}），请先办理费额核定（02020102）",
                field="non_field_errors",
            )
        month = month or next_start
        if next_start and month and month < next_start:
            errors.add("valid_from", f"调整自下期起生效，生效期不能早于 {period_label(kind, next_start)}")
    if month and limit and month > limit:
        errors.add("valid_from", f"生效期不能晚于 {period_label(kind, period_start(kind, limit))}")
    extra: dict = {}
    if month and number is not None and "valid_from" not in errors.errors:
        options = errors.capture(choice_options, kind, region=region, on=month)
        if options is not None and kind == ChoiceKind.TIER:
            tier = options.get(number)
            if tier is None:
                shown = "、".join(f"{t.amount.normalize():f}" for t in options.tiers)
                errors.add("amount", f"缴费档次 {number.normalize():f} 元不是本年度的档次（可选：{shown}元）")
            else:
                extra = {"subsidy": tier.subsidy}
        elif options is not None:
            if not options.lower <= number <= options.upper:
                errors.add(
                    "amount",
                    f"缴费基数应在 {options.lower}–{options.upper} 元之间"
                    f"（社会平均工资 {options.average_wage} 元的缴费基数上下限）",
                )
            extra = {"lower": options.lower, "upper": options.upper, "average_wage": options.average_wage}
    errors.raise_if_any()
    return _Checked(kind, types, month, number, extra), note_text, held


def _amount_text(kind: str, amount: Decimal) -> str:
    return f"{amount.normalize():f}{UNIT[kind]}" if kind == ChoiceKind.TIER else f"{amount}{UNIT[kind]}"


@transaction.atomic
def person_choice_determine(
    *,
    actor,
    person: Person,
    amount,
    valid_from=None,
    insurance_types=None,
    note: str = "",
    channel: str | None = None,
) -> Case:
    """02020102 费额核定: a resident's first yearly tier, or a flexible worker's first monthly base, from the first
    contribution period (the enrolment's start) or a later one."""
    c, note_text, _ = _check(
        actor,
        "02020102",
        person,
        insurance_types=insurance_types,
        valid_from=valid_from,
        amount=amount,
        note=note,
        first=True,
    )
    payload = PersonChoiceDeterminePayload(
        person=person.pk,
        kind=c.kind,
        insurance_types=c.types,
        valid_from=c.month,
        amount=c.amount,
        note=note_text,
        **c.extra,
    )
    return case_open(
        actor=actor,
        item_code="02020102",
        agency=person.agency,
        channel=channel_for(actor, channel),
        summary=f"费额核定：{person.name}（{ChoiceKind(c.kind).label} {_amount_text(c.kind, c.amount)}，"
        f"{period_label(c.kind, c.month)} 起）",
        payload=payload,
        person=person,
        keys=[choice_key(person.pk)],
    )


@transaction.atomic
def person_choice_change(
    *,
    actor,
    person: Person,
    amount,
    valid_from=None,
    insurance_types=None,
    note: str = "",
    channel: str | None = None,
) -> Case:
    """02020202 费额调整: a new tier or base, effective from the next period (next month / next year) or later."""
    c, note_text, _ = _check(
        actor,
        "02020202",
        person,
        insurance_types=insurance_types,
        valid_from=valid_from,
        amount=amount,
        note=note,
        first=False,
    )
    previous = {t: person_choice_for(person, t, c.month) for t in c.types}
    if all(row and _amount(row) == c.amount for row in previous.values()):
        raise ApplicationError(
            f"{ChoiceKind(c.kind).label}未发生变化"
            f"（{period_label(c.kind, c.month)} 起为 {_amount_text(c.kind, c.amount)}）",
            field="amount",
        )
    payload = PersonChoiceChangePayload(
        person=person.pk,
        kind=c.kind,
        insurance_types=c.types,
        valid_from=c.month,
        amount=c.amount,
        note=note_text,
        previous={
            t: {"id": row.pk, "amount": str(_amount(row)), "valid_from": row.valid_from.isoformat()}
            for t, row in previous.items()
            if row
        },
        **c.extra,
    )
    return case_open(
        actor=actor,
        item_code="02020202",
        agency=person.agency,
        channel=channel_for(actor, channel),
        summary=f"费额调整：{person.name}（{ChoiceKind(c.kind).label}调整为 {_amount_text(c.kind, c.amount)}，"
        f"{period_label(c.kind, c.month)} 起）",
        payload=payload,
        person=person,
        keys=[choice_key(person.pk)],
    )


def _amount(row: PersonContributionChoice) -> Decimal:
    return row.tier if row.tier is not None else row.base


def _write_rows(*, actor, case: Case, p: PersonChoiceDeterminePayload, action: str) -> dict:
    """One new row per type from the period; a row of the same period still in force is superseded by it."""
    person = Person.objects.select_for_update().get(pk=p.person)
    if person.status != PersonStatus.ACTIVE:
        raise ConflictError("该人员社会保险关系已终止", field="non_field_errors")
    created, superseded = [], []
    for code in p.insurance_types:
        same = PersonContributionChoice.objects.filter(
            person=person, insurance_type_id=code, valid_from=p.valid_from, superseded_by__isnull=True
        ).first()
        if same is not None:
            # The partial unique index allows one row in force per period: park the old row on itself, then point
            # it at its successor once that exists (two updates of `superseded_by`, the only column ever changed).
            PersonContributionChoice.objects.filter(pk=same.pk).update(superseded_by=same.pk)
        row = PersonContributionChoice.objects.create(
            person=person,
            insurance_type_id=code,
            valid_from=p.valid_from,
            tier=p.amount if p.kind == ChoiceKind.TIER else None,
            base=p.amount if p.kind == ChoiceKind.BASE else None,
            case=case,
        )
        if same is not None:
            PersonContributionChoice.objects.filter(pk=same.pk).update(superseded_by=row.pk)
            superseded.append(same.pk)
        created.append(row)
    audit_write(
        actor=actor,
        action=action,
        item_code=case.item_id,
        object_type="person",
        object_id=person.pk,
        after={
            "kind": p.kind,
            "insurance_types": p.insurance_types,
            "valid_from": p.valid_from,
            "amount": p.amount,
            "choices": [r.pk for r in created],
            "superseded": superseded,
        },
        case=case,
    )
    return {
        "person_id": person.pk,
        "kind": p.kind,
        "choice_ids": [r.pk for r in created],
        "superseded": superseded,
        "valid_from": p.valid_from.isoformat(),
        "amount": str(p.amount),
    }


def apply_person_choice_determine(*, case: Case, actor) -> dict:
    """Applier of 02020102: the first choice rows (refused if a choice appeared meanwhile)."""
    p: PersonChoiceDeterminePayload = load_payload(case)
    if PersonContributionChoice.objects.filter(
        person_id=p.person, insurance_type_id__in=p.insurance_types, superseded_by__isnull=True
    ).exists():
        raise ConflictError("该人员已核定缴费档次或基数，请办理费额调整（02020202）", field="non_field_errors")
    return _write_rows(actor=actor, case=case, p=p, action="contribution_choice.determine")


def apply_person_choice_change(*, case: Case, actor) -> dict:
    """Applier of 02020202: the new choice rows from the period (earlier periods keep their rows)."""
    p: PersonChoiceChangePayload = load_payload(case)
    return _write_rows(actor=actor, case=case, p=p, action="contribution_choice.change")

"""01010202 个人变更登记 and 01010203 社会保险关系终止."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.utils import timezone

from shebao.core import validation as v
from shebao.core.cases import CaseKeySpec, case_open, subject_key
from shebao.core.choices import Role
from shebao.core.errors import ApplicationError, ConflictError
from shebao.core.materials import SubmittedMaterials
from shebao.core.models import Case
from shebao.core.payloads import Payload, load_payload
from shebao.core.records import apply_changes, channel_for

from ..choices import (
    ContributionMethod,
    EmployerStatus,
    EnrolmentStatus,
    PersonStatus,
    TerminationReason,
)
from ..models import Enrolment, Person
from .common import ensure_person_scope, insurance_types
from .enrolment import CATEGORY_TYPES, _allowed_types

# The material of 01010202 a name change needs (declared in the item's 申请材料清单).
NAME_CHANGE_PROOF = "变更姓名的户籍证明"

# Callables (person, case, actor) run when a person's relationship ends (card cancellation, benefit stop…).
TERMINATION_HOOKS: list[Callable[..., None]] = []


@dataclass
class PersonChangePayload(Payload):
    """01010202 个人变更登记 request: changed details, insurance types added / 停保 / 续保 from a month."""

    person: int
    changes: dict
    add: list[str] = field(default_factory=list)
    suspend: list[str] = field(default_factory=list)
    resume: list[str] = field(default_factory=list)
    month: dt.date | None = None
    reason: str = ""
    needs_material: bool = False


@dataclass
class PersonTerminatePayload(Payload):
    """01010203 社会保险关系终止 request: reason (TerminationReason), date and note."""

    person: int
    reason: str
    date: dt.date
    note: str = ""


def person_key(code: str, person_id: int) -> CaseKeySpec:
    """The key of a person's open case of item `code` (减员 twice, 终止 twice…)."""
    return subject_key(code, "person", person_id, field="non_field_errors", label="该人员")


BASIC_FIELDS = {
    "name": ("姓名", 50),
    "phone": ("联系电话", 20),
    "address": ("居住地址", 200),
    "ethnicity": ("民族", 20),
}


@transaction.atomic
def person_change(
    *,
    actor,
    person: Person,
    changes: dict | None = None,
    add_insurances=None,
    suspend_insurances=None,
    resume_insurances=None,
    change_month=None,
    reason: str = "",
    materials: SubmittedMaterials | None = None,
    channel: str | None = None,
) -> Case:
    """01010202 个人变更登记: details, contribution method, benefit account, insurance add/停保/续保.

    A name change needs supporting material. 减员 is 停保 of the types held with the employer.
    """
    ensure_person_scope(actor, person)
    if person.status != PersonStatus.ACTIVE:
        raise ApplicationError("该人员社会保险关系已终止，不能办理变更", field="status")
    errors = v.Errors()
    changes = dict(changes or {})
    diff: dict = {}
    for key, (label, size) in BASIC_FIELDS.items():
        if key in changes:
            val = errors.capture(v.optional, changes[key], key, label, max_length=size)
            if key == "name":
                val = errors.capture(v.required, changes[key], "name", "姓名", max_length=50)
            if key == "phone" and val:
                val = errors.capture(v.phone, val)
            if val is not None and val != getattr(person, key):
                diff[key] = val
    if "contribution_method" in changes and changes["contribution_method"] not in (None, ""):
        method = str(changes["contribution_method"])
        if method not in ContributionMethod.values:
            errors.add("contribution_method", "缴费方式无效")
        elif method != person.contribution_method:
            diff["contribution_method"] = method
    if "benefit_bank_account" in changes or "benefit_bank_name" in changes:
        account = errors.capture(v.bank_account, changes.get("benefit_bank_account"), "benefit_bank_account")
        bank = errors.capture(
            v.optional, changes.get("benefit_bank_name"), "benefit_bank_name", "待遇发放银行", max_length=100
        )
        if account and not bank:
            errors.add("benefit_bank_name", "请填写待遇发放银行")
        if account is not None and account != person.benefit_bank_account:
            diff["benefit_bank_account"] = account
        if bank is not None and bank != person.benefit_bank_name:
            diff["benefit_bank_name"] = bank
    if "name" in diff and NAME_CHANGE_PROOF not in (materials.names if materials else []):
        errors.add("materials", f"变更姓名须上传证明材料（{NAME_CHANGE_PROOF}）")

    enrolments = {e.insurance_type_id: e for e in person.enrolments.exclude(status=EnrolmentStatus.ENDED)}
    names = insurance_types()
    allowed_add = (
        _allowed_types(person.employer, person.category)
        if person.employer_id
        else CATEGORY_TYPES.get(person.category, {})
    )
    add = errors.capture(v.code_list, add_insurances, "add_insurances", allowed_add) or []
    suspend = errors.capture(v.code_list, suspend_insurances, "suspend_insurances", names) or []
    resume = errors.capture(v.code_list, resume_insurances, "resume_insurances", names) or []
    for c in add:
        if c in enrolments:
            errors.add("add_insurances", f"已参加{names[c]}")
    for c in suspend:
        if enrolments.get(c) is None or enrolments[c].status != EnrolmentStatus.ACTIVE:
            errors.add("suspend_insurances", f"{names[c]}不在参保缴费状态，不能停保")
    for c in resume:
        if enrolments.get(c) is None or enrolments[c].status != EnrolmentStatus.SUSPENDED:
            errors.add("resume_insurances", f"{names[c]}不在暂停缴费状态，不能续保")
        elif enrolments[c].employer_id and enrolments[c].employer.status != EmployerStatus.ACTIVE:
            errors.add("resume_insurances", f"{names[c]}原参保单位已注销，请通过新单位增员")
    month = None
    if add or suspend or resume:
        month = errors.capture(v.parse_month, change_month, "change_month", "变更月份")
        if month:
            errors.capture(
                v.start_month_window,
                month,
                today=timezone.localdate(),
                region=person.agency.region_id,
                field="change_month",
                label="变更月份",
            )
            for c in suspend + resume:
                if c in enrolments and month < enrolments[c].start_month:
                    errors.add("change_month", f"变更月份不能早于{names[c]}的参保起始月")
        if suspend and not (reason or "").strip():
            errors.add("reason", "停保须填写原因（如：减员、解除劳动关系）")
    if not (diff or add or suspend or resume) and not errors.errors:
        errors.add("non_field_errors", "没有需要变更的内容")
    errors.raise_if_any()
    payload = PersonChangePayload(
        person=person.pk,
        changes=diff,
        add=add,
        suspend=suspend,
        resume=resume,
        month=month,
        reason=(reason or "").strip()[:100],
        needs_material="name" in diff,
    )
    what = "减员" if suspend and actor.role == Role.EMPLOYER else "个人变更登记"
    return case_open(
        actor=actor,
        item_code="01010202",
        agency=person.agency,
        channel=channel_for(actor, channel),
        summary=f"{what}：{person.name}",
        payload=payload,
        person=person,
        employer=person.employer,
        applicant_name=person.employer.name if actor.role == Role.EMPLOYER and person.employer else person.name,
        keys=[person_key("01010202", person.pk)],
        materials=materials,
    )


def apply_person_change(*, case: Case, actor) -> dict:
    """Applier of 01010202: the changed details (audited before → after) and the insurance changes."""
    p: PersonChangePayload = load_payload(case)
    person = Person.objects.select_for_update().get(pk=p.person)
    if person.status != PersonStatus.ACTIVE:
        raise ConflictError("该人员社会保险关系已终止", field="status")
    if p.needs_material and not case.attachments.exists():
        raise ConflictError("变更姓名须有证明材料", field="materials")
    month = p.month
    apply_changes(
        actor=actor,
        case=case,
        obj=person,
        changes=p.changes,
        action="person.change",
        extra={
            "add": p.add,
            "suspend": p.suspend,
            "resume": p.resume,
            "month": month.isoformat() if month else None,
            "reason": p.reason,
        },
    )
    if p.suspend:
        Enrolment.objects.filter(person=person, insurance_type_id__in=p.suspend, status=EnrolmentStatus.ACTIVE).update(
            status=EnrolmentStatus.SUSPENDED, end_month=v.month_add(month, -1), end_reason=p.reason
        )
    if p.resume:
        Enrolment.objects.filter(
            person=person, insurance_type_id__in=p.resume, status=EnrolmentStatus.SUSPENDED
        ).update(status=EnrolmentStatus.ACTIVE, end_month=None, end_reason=f"续保 {month:%Y-%m}")
    if p.add:
        try:
            with transaction.atomic():
                Enrolment.objects.bulk_create(
                    [
                        Enrolment(
                            person=person,
                            insurance_type_id=c,
                            employer=person.employer,
                            agency=person.agency,
                            start_month=month,
                        )
                        for c in p.add
                    ]
                )
        except IntegrityError:
            raise ConflictError("该人员已有有效的同险种参保登记", field="add_insurances") from None
    return {
        "person_id": person.pk,
        "changed": sorted(p.changes),
        "add": p.add,
        "suspend": p.suspend,
        "resume": p.resume,
    }


@transaction.atomic
def person_terminate(
    *,
    actor,
    person: Person,
    reason: str,
    end_date,
    note: str = "",
    channel: str | None = None,
    materials: SubmittedMaterials | None = None,
) -> Case:
    """01010203 社会保险关系终止: death, emigration, duplicate enrolment or other — ends every relationship."""
    ensure_person_scope(actor, person)
    if person.status != PersonStatus.ACTIVE:
        raise ApplicationError("该人员社会保险关系已终止", field="status")
    errors = v.Errors()
    if reason not in TerminationReason.values:
        errors.add("reason", "终止原因无效（死亡、出国（境）定居、重复参保、其他）")
    day = errors.capture(v.parse_date, end_date, "end_date", "终止日期")
    if day:
        errors.capture(v.not_future, day, timezone.localdate(), "end_date", "终止日期")
        if day < person.birth_date:
            errors.add("end_date", "终止日期不能早于出生日期")
    note_text = errors.capture(v.optional, note, "note", "说明", max_length=200) or ""
    if reason == TerminationReason.OTHER and not note_text:
        errors.add("note", "终止原因为「其他」时须填写说明")
    errors.raise_if_any()
    return case_open(
        actor=actor,
        item_code="01010203",
        agency=person.agency,
        channel=channel_for(actor, channel),
        summary=f"社会保险关系终止：{person.name}（{TerminationReason(reason).label}）",
        person=person,
        employer=person.employer,
        payload=PersonTerminatePayload(person=person.pk, reason=reason, date=day, note=note_text),
        keys=[person_key("01010203", person.pk)],
        materials=materials,
    )


def apply_person_terminate(*, case: Case, actor) -> dict:
    """Applier of 01010203: end every enrolment and mark the person terminated; run the termination hooks."""
    p: PersonTerminatePayload = load_payload(case)
    person = Person.objects.select_for_update().get(pk=p.person)
    if person.status != PersonStatus.ACTIVE:
        raise ConflictError("该人员社会保险关系已终止", field="status")
    day = p.date
    ended = (
        Enrolment.objects.filter(person=person)
        .exclude(status=EnrolmentStatus.ENDED)
        .update(
            status=EnrolmentStatus.ENDED,
            end_month=day.replace(day=1),
            end_reason=f"关系终止：{TerminationReason(p.reason).label}",
        )
    )
    apply_changes(
        actor=actor,
        case=case,
        obj=person,
        changes={"status": PersonStatus.TERMINATED, "terminated_on": day, "termination_reason": p.reason},
        action="person.terminate",
        extra={"note": p.note},
    )
    for hook in TERMINATION_HOOKS:
        hook(person=person, case=case, actor=actor)
    return {"person_id": person.pk, "enrolments_ended": ended}

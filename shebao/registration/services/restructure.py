"""01010102 单位变更登记 by 分立合并 (split/merge, employees move to successors) and 成建制转移 (to another agency)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction

from shebao.core import validation as v
from shebao.core.audit import AuditEntry, audit_write, audit_write_many
from shebao.core.cases import case_open
from shebao.core.errors import ApplicationError, ConflictError
from shebao.core.materials import SubmittedMaterials
from shebao.core.models import Agency, Case
from shebao.core.payloads import Payload
from shebao.core.records import channel_for

from ..choices import EmployerStatus, EnrolmentStatus
from ..models import Employer, Enrolment, Person
from .common import ensure_employer_scope, require_active
from .employers import _cancel_employer, employer_key


@dataclass
class EmployerRestructurePayload(Payload):
    """01010102 单位分立合并 request: sources, successors, who moves where, from which month."""

    kind: str  # "split" 分立 | "merge" 合并
    sources: list[int]
    targets: list[int]
    moves: dict  # person id (text) -> target employer id
    month: dt.date
    cancel: bool


@dataclass
class EmployerTransferPayload(Payload):
    """01010102 成建制转移 request: the unit and its employees move to another agency."""

    employer: int
    from_agency: int
    to_agency: int
    month: dt.date


def _move_people(*, actor, case: Case, moves: list[tuple[int, Employer]], month: dt.date, reason: str) -> int:
    """Move employees to other employers: close the old unit's enrolments, open the same types at the new one."""
    if not moves:
        return 0
    person_ids = [pid for pid, _ in moves]
    target = dict(moves)
    open_rows = list(
        Enrolment.objects.select_for_update().filter(
            person_id__in=person_ids, status=EnrolmentStatus.ACTIVE, employer__isnull=False
        )
    )
    end_month = v.month_add(month, -1)
    new_rows, entries = [], []
    for row in open_rows:
        to = target[row.person_id]
        # An enrolment that began in the effective month stays one month at the old unit: no overlap.
        old_end = max(end_month, row.start_month)
        row.status, row.end_month, row.end_reason = EnrolmentStatus.ENDED, old_end, reason
        new_rows.append(
            Enrolment(
                person_id=row.person_id,
                insurance_type_id=row.insurance_type_id,
                employer=to,
                agency=to.agency,
                start_month=v.month_add(old_end, 1),
            )
        )
    Enrolment.objects.bulk_update(open_rows, ["status", "end_month", "end_reason"])
    Enrolment.objects.bulk_create(new_rows)
    persons = list(Person.objects.select_for_update().filter(pk__in=person_ids))
    for person in persons:
        old = person.employer_id
        person.employer, person.agency = target[person.pk], target[person.pk].agency
        person.version += 1
        entries.append(
            AuditEntry(
                "person.move",
                "person",
                str(person.pk),
                {"employer": old},
                {"employer": person.employer_id, "reason": reason},
            )
        )
    Person.objects.bulk_update(persons, ["employer", "agency", "version"])
    audit_write_many(actor=actor, entries=entries, item_code="01010102", case=case)
    return len(persons)


@transaction.atomic
def employer_restructure(
    *,
    actor,
    kind: str,
    sources: list[Employer],
    targets: list[Employer],
    assignments: dict[int, int] | None = None,
    effective_month=None,
    cancel_sources: bool | None = None,
    channel: str | None = None,
    materials: SubmittedMaterials | None = None,
) -> Case:
    """01010102 单位分立合并: employees of the source unit(s) move to the successor unit(s) in one case.

    split: one source, its employees assigned to targets (`assignments` person→target; default the first
    target); merge: several sources, all employees to one target, sources cancelled.
    """
    if kind not in ("split", "merge"):
        raise ApplicationError("类型应为 split（分立）或 merge（合并）", field="kind")
    errors = v.Errors()
    if not sources:
        errors.add("sources", "请选择原单位")
    if not targets:
        errors.add("targets", "请选择承继单位")
    errors.raise_if_any()
    for e in [*sources, *targets]:
        ensure_employer_scope(actor, e)
        require_active(e, f"单位「{e.name}」")
    if {e.pk for e in sources} & {e.pk for e in targets}:
        raise ApplicationError("原单位与承继单位不能相同", field="targets")
    if kind == "split" and len(sources) != 1:
        raise ApplicationError("分立只能有一个原单位", field="sources")
    if kind == "merge" and len(targets) != 1:
        raise ApplicationError("合并只能有一个承继单位", field="targets")
    month = v.parse_month(effective_month, "effective_month", "生效月")
    employees = dict(
        Enrolment.objects.filter(employer__in=sources, status=EnrolmentStatus.ACTIVE).values_list(
            "person_id", "employer_id"
        )
    )
    target_ids = {e.pk for e in targets}
    assignments = {int(k): int(val) for k, val in (assignments or {}).items()}
    for pid, tid in assignments.items():
        if pid not in employees:
            errors.add("assignments", f"人员 {pid} 不是原单位的在职参保人员")
        if tid not in target_ids:
            errors.add("assignments", f"承继单位 {tid} 不在所选承继单位中")
    errors.raise_if_any()
    default_target = targets[0].pk
    moves = {pid: assignments.get(pid, default_target) for pid in employees}
    cancel = cancel_sources if cancel_sources is not None else (kind == "merge")
    payload = EmployerRestructurePayload(
        kind=kind,
        sources=[e.pk for e in sources],
        targets=sorted(target_ids),
        moves={str(k): val for k, val in moves.items()},
        month=month,
        cancel=cancel,
    )
    label = "分立" if kind == "split" else "合并"
    return case_open(
        actor=actor,
        item_code="01010102",
        agency=sources[0].agency,
        channel=channel_for(actor, channel),
        summary=f"单位{label}：{'、'.join(e.name for e in sources)} → {'、'.join(e.name for e in targets)}"[:200],
        payload=payload,
        employer=sources[0],
        keys=[employer_key("01010102", e.pk) for e in [*sources, *targets]],
        materials=materials,
    )


def _apply_restructure(case: Case, actor, p: EmployerRestructurePayload) -> dict:
    targets = {e.pk: e for e in Employer.objects.select_related("agency").filter(pk__in=p.targets)}
    if any(t.status != EmployerStatus.ACTIVE for t in targets.values()):
        raise ConflictError("承继单位已注销", field="targets")
    moves = [(int(pid), targets[tid]) for pid, tid in p.moves.items()]
    reason = "单位分立" if p.kind == "split" else "单位合并"
    moved = _move_people(actor=actor, case=case, moves=moves, month=p.month, reason=reason)
    if p.cancel:
        for source in Employer.objects.filter(pk__in=p.sources):
            _cancel_employer(
                actor,
                case,
                source,
                day=p.month,
                reason="合并" if p.kind == "merge" else "分立",
                successor=next(iter(targets.values())),
            )
    return {"moved": moved, "targets": p.targets, "sources_cancelled": p.cancel}


@transaction.atomic
def employer_transfer_agency(
    *,
    actor,
    employer: Employer,
    to_agency: Agency,
    effective_month=None,
    channel: str | None = None,
    materials: SubmittedMaterials | None = None,
) -> Case:
    """01010102 成建制转入转出: the unit and all its employees move to another agency of this system."""
    ensure_employer_scope(actor, employer)
    require_active(employer, "参保单位")
    if to_agency.pk == employer.agency_id:
        raise ApplicationError("转入机构不能与当前机构相同", field="to_agency")
    month = v.parse_month(effective_month, "effective_month", "生效月")
    payload = EmployerTransferPayload(
        employer=employer.pk, from_agency=employer.agency_id, to_agency=to_agency.pk, month=month
    )
    return case_open(
        actor=actor,
        item_code="01010102",
        agency=employer.agency,
        channel=channel_for(actor, channel),
        summary=f"成建制转移：{employer.name} → {to_agency.name}",
        payload=payload,
        employer=employer,
        keys=[employer_key("01010102", employer.pk)],
        materials=materials,
    )


def _apply_agency_transfer(case: Case, actor, employer: Employer, p: EmployerTransferPayload) -> dict:
    to_agency = Agency.objects.get(pk=p.to_agency)
    before = {"agency": employer.agency_id}
    employer.agency = to_agency
    employer.version += 1
    employer.save(update_fields=["agency", "version"])
    person_ids = list(
        Enrolment.objects.filter(employer=employer, status=EnrolmentStatus.ACTIVE)
        .values_list("person_id", flat=True)
        .distinct()
    )
    # Only the employees still in service move; people already 减员 (suspended) stay with their agency.
    Enrolment.objects.filter(employer=employer, status=EnrolmentStatus.ACTIVE).update(agency=to_agency)
    moved = Person.objects.filter(pk__in=person_ids).update(agency=to_agency)
    audit_write(
        actor=actor,
        action="employer.transfer_agency",
        item_code="01010102",
        object_type="employer",
        object_id=employer.pk,
        before=before,
        after={"agency": to_agency.pk, "persons": moved},
        case=case,
    )
    return {"employer_id": employer.pk, "to_agency": to_agency.pk, "moved": moved}

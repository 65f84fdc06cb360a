"""Case services (业务经办): open, accept, approve (maker-checker), reject, withdraw, attach materials.

Each business item declares (in its app's `items.py`) an *applier*: the function that changes the records
when its case is approved. Until then the request lives only in the case payload. A case claims its
subjects with *keys* (`CaseKey`, unique): a second open case for the same subject and item is refused at
submission, in the database.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import NamedTuple

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from .access import is_staff, require_grant
from .audit import audit_write
from .choices import Action, CaseStatus, Channel
from .errors import ApplicationError, ConflictError
from .items import get_item
from .materials import CheckedFile, CheckedMaterials, SubmittedMaterials, materials_check
from .models import Agency, Attachment, Case, CaseKey, CatalogItem, Sequence
from .parameters import param_lookup
from .payloads import Payload
from .pgcopy import array_param, is_postgresql, rows_where_in
from .uploads import validate_upload
from .workdays import add_working_days


def next_number(name: str, *, width: int = 6) -> int:
    """Next value of a named counter (row-locked, so concurrent writers never share a number)."""
    Sequence.objects.get_or_create(name=name)
    seq = Sequence.objects.select_for_update().get(name=name)
    seq.value += 1
    seq.save(update_fields=["value"])
    return seq.value


def next_numbers(name: str, count: int) -> range:
    """Reserve `count` consecutive values of a named counter."""
    Sequence.objects.get_or_create(name=name)
    seq = Sequence.objects.select_for_update().get(name=name)
    first = seq.value + 1
    seq.value += count
    seq.save(update_fields=["value"])
    return range(first, first + count)


class CaseKeySpec(NamedTuple):
    """A subject a case claims while open: `key` (e.g. "01010201:id:330102…") and the form field it concerns.

    A named tuple (immutable like a frozen dataclass, several times cheaper to build: a bulk case makes 5,000)."""

    key: str
    field: str = "non_field_errors"
    label: str = ""  # how the subject is named in the refusal, e.g. "该人员"


def subject_key(item_code: str, kind: str, value, *, field: str = "non_field_errors", label: str = "") -> CaseKeySpec:
    """The key of one subject of an item's case: kind is "id" (ID number), "uscc", "person" or "employer"."""
    return CaseKeySpec(f"{item_code}:{kind}:{value}", field, label)


def pending_cases(keys: Iterable[str], *, exclude: Case | None = None) -> dict[str, Case]:
    """Open cases holding any of `keys` (key → case), for refusals that name the pending case."""
    held = dict(rows_where_in(CaseKey, "key", list(keys), ("key", "case_id")))
    if exclude is not None:
        held = {key: case_id for key, case_id in held.items() if case_id != exclude.pk}
    if not held:
        return {}
    # One query for the (few) cases, without their payloads: a bulk case's payload holds thousands of rows.
    cases = Case.objects.select_related("item__parent").defer("payload", "result").in_bulk(set(held.values()))
    return {key: cases[case_id] for key, case_id in held.items()}


def pending_message(case: Case, label: str = "") -> str:
    """ "该人员已有在办的「…」业务（业务流水号 …），请勿重复申报"."""
    who = label or "该对象"
    return f"{who}已有在办的「{case.item.full_name}」业务（业务流水号 {case.number}），请勿重复申报"


_CLAIMED_JUST_NOW = "同一对象的同类业务正在办理中（刚刚已有人提交），请勿重复申报"


def _refuse_pending(keys: list[CaseKeySpec], *, exclude: Case | None = None) -> None:
    if not keys:
        return
    pending = pending_cases((k.key for k in keys), exclude=exclude)
    if pending:
        errors: dict[str, list[str]] = {}
        for spec in keys:
            if spec.key in pending:
                errors.setdefault(spec.field, []).append(pending_message(pending[spec.key], spec.label))
        first = next(iter(errors.values()))[0]
        raise ConflictError(first, errors=errors)


def _claim(case: Case, keys: list[CaseKeySpec]) -> None:
    """Insert the case's keys; the unique index refuses a subject already claimed by another open case.

    One statement whatever the number of keys (on PostgreSQL an `INSERT … SELECT unnest(…)`), in a savepoint:
    a key held by another case — committed, or committed meanwhile by a concurrent submission, for which the
    insert waits — raises a unique violation, and the refusal names the case that holds it. No check before
    the insert: the index is the check, and a bulk case's rows were already checked one by one by its service.
    """
    if not keys:
        return
    keys = list({k.key: k for k in keys}.values())
    try:
        with transaction.atomic():
            if is_postgresql():
                table = connection.ops.quote_name(CaseKey._meta.db_table)
                with connection.cursor() as cur:
                    cur.execute(
                        f"INSERT INTO {table} (key, case_id, field) "
                        "SELECT k, %s, f FROM unnest(%s::varchar[], %s::varchar[]) AS t(k, f)",
                        [case.pk, array_param([k.key for k in keys]), array_param([k.field for k in keys])],
                    )
            else:
                CaseKey.objects.bulk_create([CaseKey(key=k.key, case=case, field=k.field) for k in keys])
    except IntegrityError:
        _refuse_pending(keys, exclude=case)
        raise ConflictError(_CLAIMED_JUST_NOW) from None


def _refuse_own_case(actor, case: Case) -> None:
    """Maker-checker by account and by person: not the handler or submitter, nor the subject of the case."""
    if actor.pk in (case.handler_id, case.submitted_by_id):
        raise ApplicationError("复核人不能是该业务的经办人或申报人（双人复核）", field="reviewer")
    own_id = (getattr(actor, "id_number", "") or "").strip().upper()
    own_person = getattr(actor, "person_id", None)
    if case.person_id and (case.person_id == own_person or (own_id and case.person.id_number == own_id)):
        raise ApplicationError("复核人不能复核本人参保记录的业务（回避）", field="reviewer")
    if own_id and CaseKey.objects.filter(case=case, key__endswith=f":id:{own_id}").exists():
        raise ApplicationError("复核人不能复核本人参保记录的业务（回避）", field="reviewer")


def _due(item_code: str, agency: Agency, start: dt.date) -> tuple[dt.date | None, str]:
    try:
        limit = param_lookup(f"case.time_limit.{item_code}", region=agency.region_id, on=start)
    except ApplicationError:
        limit = param_lookup("case.time_limit.default", region=agency.region_id, on=start)
    days = limit.as_int()
    if limit.unit == "日":
        return start + dt.timedelta(days=days), f"{days}日（{limit.legal_reference}）"
    due = add_working_days(start, days)
    if due.provisional:  # a year without a calendar: Monday–Friday, marked 暂估
        return due.date, f"{days}个工作日（{due.note()}；{limit.legal_reference}）"[:200]
    return due.date, f"{days}个工作日（{limit.legal_reference}）"


@transaction.atomic
def case_open(
    *,
    actor,
    item_code: str,
    agency: Agency,
    channel: str,
    summary: str,
    payload: Payload | dict,
    employer=None,
    person=None,
    applicant_name: str = "",
    keys: Iterable[CaseKeySpec] = (),
    materials: SubmittedMaterials | None = None,
) -> Case:
    """Open a case (the one way every item starts). Staff at the window accept it at once; items without review
    complete at once. `keys` claim the case's subjects: an open case with the same key refuses this one.

    `materials` are the files handed in (stored as the case's attachments, written after commit) and the 容缺受理
    reason: a window case missing a required material of the item's checklist is refused unless the reason is
    given (`core.materials.materials_check`)."""
    require_grant(actor, item_code, Action.HANDLE)
    checked = materials_check(item_code=item_code, channel=channel, materials=materials)
    item = CatalogItem.objects.get(code=item_code)
    if isinstance(payload, Payload):
        payload = payload.to_json()
    keys = list(keys)
    now = timezone.now()
    today = timezone.localdate(now)
    number = f"{today:%Y%m%d}{agency.region_id}{next_number('case:' + today.isoformat()):06d}"
    due_date, due_note = _due(item_code, agency, today)
    case = Case.objects.create(
        number=number,
        item=item,
        agency=agency,
        channel=channel,
        employer=employer,
        person=person,
        applicant_name=applicant_name or (employer.name if employer else person.name if person else str(actor)),
        summary=summary[:200],
        payload=payload,
        submitted_by=actor,
        submitted_at=now,
        due_date=due_date,
        due_note=due_note,
        materials_waiver=checked.waiver,
    )
    _claim(case, keys)
    audit_write(
        actor=actor,
        action="case.submit",
        item_code=item_code,
        object_type="case",
        object_id=case.pk,
        after={"number": number, "channel": channel, "summary": summary},
        case=case,
    )
    _store_materials(actor, case, checked)
    if is_staff(actor) and channel in (Channel.WINDOW, Channel.BATCH):
        _accept(actor, case)
        if not item.needs_review:
            _complete(actor, case)
    return case


def _store_materials(actor, case: Case, checked: CheckedMaterials) -> None:
    """The files handed in with the application become its attachments; 容缺受理 is audited with what is owed."""
    for f in checked.files:
        _attach(actor, case, f)
    if checked.waiver:
        audit_write(
            actor=actor,
            action="case.materials_waiver",
            item_code=case.item_id,
            object_type="case",
            object_id=case.pk,
            after={"reason": checked.waiver, "owed": list(checked.missing)},
            case=case,
        )


def _accept(actor, case: Case) -> None:
    case.status, case.handler, case.accepted_at = CaseStatus.ACCEPTED, actor, timezone.now()
    case.version += 1
    case.save(update_fields=["status", "handler", "accepted_at", "version"])
    audit_write(
        actor=actor, action="case.accept", item_code=case.item_id, object_type="case", object_id=case.pk, case=case
    )


def _complete(actor, case: Case) -> None:
    registered = get_item(case.item_id)
    applier = registered.applier if registered else None
    if applier is None:
        raise ApplicationError(f"业务 {case.item_id} 尚未实现办结处理")
    result = applier(case=case, actor=actor) or {}
    now = timezone.now()
    case.status, case.result = CaseStatus.COMPLETED, result
    case.approved_at = case.approved_at or now
    case.completed_at = now
    case.version += 1
    case.save(update_fields=["status", "result", "reviewer", "approved_at", "completed_at", "version"])
    CaseKey.objects.filter(case=case).delete()
    audit_write(
        actor=actor,
        action="case.complete",
        item_code=case.item_id,
        object_type="case",
        object_id=case.pk,
        after=result,
        case=case,
    )


def _lock(case: Case, expected: tuple[str, ...], version: int | None) -> Case:
    locked = Case.objects.select_for_update(of=("self",)).select_related("item", "agency").get(pk=case.pk)
    if version is not None and locked.version != version:
        raise ConflictError("该业务已被他人处理，请刷新后重试")
    if locked.status not in expected:
        raise ConflictError(f"当前状态为「{locked.get_status_display()}」，不能执行此操作", field="status")
    return locked


@transaction.atomic
def case_accept(*, actor, case: Case, version: int | None = None) -> Case:
    """受理: a clerk takes an online application and becomes its handler."""
    require_grant(actor, case.item_id, Action.HANDLE)
    if not is_staff(actor):
        raise ApplicationError("只有经办机构工作人员可以受理业务")
    case = _lock(case, (CaseStatus.SUBMITTED,), version)
    _accept(actor, case)
    if not case.item.needs_review:
        _complete(actor, case)
    return case


@transaction.atomic
def case_approve(*, actor, case: Case, version: int | None = None) -> Case:
    """复核通过: a reviewer other than the handler approves; the item's applier changes the records."""
    require_grant(actor, case.item_id, Action.REVIEW)
    case = _lock(case, (CaseStatus.ACCEPTED,), version)
    _refuse_own_case(actor, case)
    case.reviewer, case.approved_at = actor, timezone.now()
    audit_write(
        actor=actor, action="case.approve", item_code=case.item_id, object_type="case", object_id=case.pk, case=case
    )
    _complete(actor, case)
    return case


def _close(actor, locked: Case, status: str, reason: str, action: str, extra_fields: list[str] = ()) -> Case:
    """退回 or 撤回: set the final status and reason, release the case's keys, audit."""
    locked.status, locked.reason, locked.closed_at = status, reason[:500], timezone.now()
    locked.version += 1
    locked.save(update_fields=["status", "reason", "closed_at", *extra_fields, "version"])
    CaseKey.objects.filter(case=locked).delete()
    audit_write(
        actor=actor,
        action=action,
        item_code=locked.item_id,
        object_type="case",
        object_id=locked.pk,
        after={"reason": reason},
        case=locked,
    )
    return locked


@transaction.atomic
def case_reject(*, actor, case: Case, reason: str, version: int | None = None) -> Case:
    """退回: the handler (at acceptance) or a reviewer refuses; the case and its reason are kept."""
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError("请填写退回原因", field="reason")
    locked = _lock(case, (CaseStatus.SUBMITTED, CaseStatus.ACCEPTED), version)
    if locked.status == CaseStatus.ACCEPTED:
        require_grant(actor, locked.item_id, Action.REVIEW)
        _refuse_own_case(actor, locked)
        locked.reviewer = actor
    else:
        require_grant(actor, locked.item_id, Action.HANDLE)
        if not is_staff(actor):
            raise ApplicationError("只有经办机构工作人员可以退回业务")
        locked.handler = actor
    return _close(actor, locked, CaseStatus.REJECTED, reason, "case.reject", ["reviewer", "handler"])


@transaction.atomic
def case_withdraw(*, actor, case: Case, reason: str = "", version: int | None = None) -> Case:
    """撤回: the applicant withdraws an application that is not yet decided."""
    locked = _lock(case, (CaseStatus.SUBMITTED, CaseStatus.ACCEPTED), version)
    if locked.submitted_by_id != actor.pk:
        raise ApplicationError("只有申报人可以撤回申请")
    return _close(actor, locked, CaseStatus.WITHDRAWN, reason, "case.withdraw")


@transaction.atomic
def attachment_add(*, actor, case: Case, kind: str, uploaded) -> Attachment:
    """上传申请材料 to an open case (handle grant first; type and size checked, content hashed).

    The row is written in the transaction; the file itself only after commit (`transaction.on_commit`), so a
    rolled-back upload leaves no file behind. Names are content hashes: the same bytes give the same file.
    """
    require_grant(actor, case.item_id, Action.HANDLE)
    data, ext = validate_upload(uploaded)
    # Re-read under a lock: the caller's copy may be stale (approved or withdrawn meanwhile).
    case = Case.objects.select_for_update().get(pk=case.pk)
    if not case.is_open:
        raise ConflictError("业务已办结或已关闭，不能再上传材料")
    kind = (kind or "").strip() or "其他材料"
    return _attach(actor, case, CheckedFile(kind[:50], str(uploaded.name or "")[:255], data, ext))


def _attach(actor, case: Case, checked: CheckedFile) -> Attachment:
    """Store one checked file as an attachment of the case: the row now, the bytes after commit; audited."""
    digest = checked.sha256
    att = Attachment(
        case=case,
        kind=checked.name[:50],
        original_name=checked.original_name,
        ext=checked.ext,
        content_type=settings.SHEBAO_UPLOAD_TYPES[checked.ext],
        size=len(checked.data),
        sha256=digest,
        uploaded_by=actor,
    )
    name = att.file.field.generate_filename(att, f"{digest[:16]}{checked.ext}")
    att.file.name = name
    att.save()
    storage = att.file.storage
    data = checked.data

    def write_file() -> None:
        if not storage.exists(name):
            storage.save(name, ContentFile(data))

    transaction.on_commit(write_file)
    audit_write(
        actor=actor,
        action="attachment.add",
        item_code=case.item_id,
        object_type="case",
        object_id=case.pk,
        after={"kind": att.kind, "name": checked.original_name, "sha256": digest},
        case=case,
    )
    return att

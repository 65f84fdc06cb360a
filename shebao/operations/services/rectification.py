"""111103 问题整改: a finding becomes a task with an owner and a deadline; the owner works on it and submits the
evidence; a second user (holding the 111103 review grant, never the owner) closes it or returns it.

    open (待整改) → in_progress (整改中) → submitted (待验收) → closed (已销号)
                                          ↖──── returned ────┘

Every step is one transaction with its audit row; a step from the wrong state, or on a stale version, is 409.
"""

from __future__ import annotations

import datetime as dt
import hashlib

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from shebao.core import validation as v
from shebao.core.access import has_grant, is_staff, require_grant
from shebao.core.audit import audit_write
from shebao.core.choices import Action
from shebao.core.errors import ConflictError, NotFoundError, PermissionDeniedError
from shebao.core.models import User
from shebao.core.uploads import validate_upload

from ..models import OPEN_RECTIFICATION_STATUSES, RectificationSource, RectificationStatus, RectificationTask

ITEM = "111103"
S = RectificationStatus


def rectifications_for(actor):
    """Tasks the actor may see: staff of the task's agency subtree holding the 111103 view grant."""
    if not is_staff(actor) or not has_grant(actor, ITEM, Action.VIEW):
        return RectificationTask.objects.none()
    return RectificationTask.objects.select_related("agency", "owner", "created_by", "closed_by").filter(
        agency__path__startswith=actor.agency.path
    )


def rectification_get_for(*, actor, task_id) -> RectificationTask:
    """A task within the actor's scope, or 404."""
    try:
        return rectifications_for(actor).get(pk=int(task_id))
    except (RectificationTask.DoesNotExist, ValueError, TypeError):
        raise NotFoundError("整改任务不存在") from None


def rectification_search(*, actor, q: str = "", status: str = "", overdue: bool = False):
    """Tasks in scope matching a number, title or reference (`q`), a status, or only the overdue ones."""
    qs = rectifications_for(actor)
    if q:
        qs = qs.filter(Q(number__icontains=q) | Q(title__icontains=q) | Q(source_ref__icontains=q))
    if status in S.values:
        qs = qs.filter(status=status)
    if overdue:
        qs = overdue_rectifications(qs)
    return qs.order_by("-created_at", "-id")


def overdue_rectifications(qs):
    """Those whose deadline has passed and that are not closed."""
    return qs.filter(status__in=OPEN_RECTIFICATION_STATUSES, deadline__lt=timezone.localdate())


def _snapshot(task: RectificationTask) -> dict:
    return {
        "status": task.status,
        "owner": task.owner_id,
        "deadline": task.deadline,
        "source": task.source,
        "source_ref": task.source_ref,
    }


def _audit(actor, task: RectificationTask, action: str, before=None, after=None) -> None:
    audit_write(
        actor=actor,
        action=action,
        item_code=ITEM,
        object_type="rectification",
        object_id=task.pk,
        before=before,
        after=after,
    )


def _next_number(agency, today: dt.date) -> str:
    prefix = f"ZG{today:%Y%m%d}{agency.region_id}"
    last = (
        RectificationTask.objects.select_for_update()
        .filter(number__startswith=prefix)
        .order_by("-number")
        .values_list("number", flat=True)
        .first()
    )
    n = int(last[len(prefix) :]) + 1 if last else 1
    return f"{prefix}{n:04d}"


def _lock(actor, task: RectificationTask, version) -> RectificationTask:
    """Re-read the task under a lock (in scope) and refuse a stale version (409)."""
    rectification_get_for(actor=actor, task_id=task.pk)
    locked = RectificationTask.objects.select_for_update().get(pk=task.pk)
    if version not in (None, "") and str(version) != str(locked.version):
        raise ConflictError("整改任务已被他人处理，请刷新后重试", field="version")
    return locked


def _need(task: RectificationTask, *states: str) -> None:
    if task.status not in states:
        raise ConflictError(f"整改任务当前为“{task.get_status_display()}”，不能进行此操作", field="status")


@transaction.atomic
def rectification_create(
    *, actor, source: str, source_ref: str = "", title: str, description: str, owner_id, deadline
) -> RectificationTask:
    """111103 登记整改任务: a finding with its source, owner (a user of the agency) and deadline."""
    require_grant(actor, ITEM, Action.HANDLE)
    if not is_staff(actor):
        raise PermissionDeniedError("仅经办机构工作人员可以登记整改任务")
    errors = v.Errors()
    if source not in RectificationSource.values:
        errors.add("source", "问题来源无效（应急演练、日常运行、审计检查、其他）")
    ref = errors.capture(v.optional, source_ref, "source_ref", "来源说明", max_length=200)
    clean_title = errors.capture(v.required, title, "title", "问题摘要", max_length=100)
    text = errors.capture(v.required, description, "description", "问题描述", max_length=2000, multiline=True)
    owner = None
    if owner_id in (None, ""):
        errors.add("owner", "请选择整改责任人")
    else:
        owner = (
            User.objects.filter(agency__path__startswith=actor.agency.path, is_active=True)
            .filter(pk=owner_id if str(owner_id).isdigit() else -1)
            .first()
        )
        if owner is None or not is_staff(owner):
            errors.add("owner", "整改责任人应为本机构在用的工作人员")
    day = errors.capture(v.parse_date, deadline, "deadline", "整改期限")
    today = timezone.localdate()
    if day is not None and day < today:
        errors.add("deadline", "整改期限不能早于今天")
    errors.raise_if_any()
    task = RectificationTask.objects.create(
        number=_next_number(actor.agency, today),
        agency=owner.agency,
        source=source,
        source_ref=ref or "",
        title=clean_title,
        description=text,
        owner=owner,
        deadline=day,
        created_by=actor,
    )
    _audit(actor, task, "rectification.create", after={**_snapshot(task), "title": task.title})
    return task


@transaction.atomic
def rectification_start(*, actor, task: RectificationTask, version=None) -> RectificationTask:
    """111103 开始整改: the owner takes the task in hand."""
    task = _lock(actor, task, version)
    if task.owner_id != actor.pk:
        raise PermissionDeniedError("只有整改责任人可以开始整改")
    _need(task, S.OPEN)
    before = _snapshot(task)
    task.status, task.version = S.IN_PROGRESS, task.version + 1
    task.save(update_fields=["status", "version"])
    _audit(actor, task, "rectification.start", before, _snapshot(task))
    return task


@transaction.atomic
def rectification_submit(
    *, actor, task: RectificationTask, evidence: str, uploaded=None, version=None
) -> RectificationTask:
    """111103 提请销号: the owner describes what was done (and may attach a file); a second user then checks it."""
    task = _lock(actor, task, version)
    if task.owner_id != actor.pk:
        raise PermissionDeniedError("只有整改责任人可以提请销号")
    _need(task, S.OPEN, S.IN_PROGRESS)
    errors = v.Errors()
    text = errors.capture(v.required, evidence, "evidence", "整改情况及佐证说明", max_length=2000, multiline=True)
    checked = None
    if uploaded is not None:
        checked = errors.capture(validate_upload, uploaded, field="evidence_file")
    errors.raise_if_any()
    before = _snapshot(task)
    task.status, task.evidence, task.submitted_at = S.SUBMITTED, text, timezone.now()
    task.return_reason, task.version = "", task.version + 1
    if checked is not None:
        data, ext = checked
        task.evidence_sha256, task.evidence_ext = hashlib.sha256(data).hexdigest(), ext
        task.evidence_name = str(uploaded.name or "")[:255]
        name = task.evidence_file.field.generate_filename(task, f"{task.evidence_sha256[:16]}{ext}")
        storage = task.evidence_file.storage
        task.evidence_file.name = name

        def write_file() -> None:
            if not storage.exists(name):
                storage.save(name, ContentFile(data))

        transaction.on_commit(write_file)
    task.save()
    _audit(actor, task, "rectification.submit", before, {**_snapshot(task), "file": task.evidence_sha256[:16]})
    return task


def _check_reviewer(actor, task: RectificationTask) -> None:
    require_grant(actor, ITEM, Action.REVIEW)
    if actor.pk == task.owner_id:
        raise PermissionDeniedError("整改责任人不能验收本人的整改任务，请由其他人员验收")


@transaction.atomic
def rectification_close(*, actor, task: RectificationTask, note: str = "", version=None) -> RectificationTask:
    """111103 验收销号: a second user (review grant, not the owner) accepts the evidence and closes the task."""
    task = _lock(actor, task, version)
    _check_reviewer(actor, task)
    _need(task, S.SUBMITTED)
    clean = v.optional(note, "note", "验收意见", max_length=500, multiline=True)
    before = _snapshot(task)
    task.status, task.closed_by, task.closed_at = S.CLOSED, actor, timezone.now()
    task.version += 1
    task.save(update_fields=["status", "closed_by", "closed_at", "version"])
    _audit(actor, task, "rectification.close", before, {**_snapshot(task), "note": clean})
    return task


@transaction.atomic
def rectification_return(*, actor, task: RectificationTask, reason: str, version=None) -> RectificationTask:
    """111103 退回整改: the checker sends the task back to the owner with a reason."""
    task = _lock(actor, task, version)
    _check_reviewer(actor, task)
    _need(task, S.SUBMITTED)
    clean = v.required(reason, "reason", "退回原因", max_length=500, multiline=True)
    before = _snapshot(task)
    task.status, task.return_reason, task.version = S.IN_PROGRESS, clean, task.version + 1
    task.save(update_fields=["status", "return_reason", "version"])
    _audit(actor, task, "rectification.return", before, {**_snapshot(task), "reason": clean})
    return task

"""1111 应急管理: 111101 应急机制 (plans, changed through a reviewed case) and 111102 定期演练 (drills).

- `emergency_plan_change` opens a case (create a plan for a scenario, or change one); a second user reviews it
  (maker-checker) and `apply_emergency_plan_change` writes the plan with a new version, audited before → after.
- `emergency_drill_schedule` schedules a drill of a plan (date, responsible, kind); `emergency_drill_run_restore`
  runs the real restore drill (1109 `restore_drill`) and records its measured times against the plan's RTO;
  `emergency_drill_record` records how another kind of drill went and the findings (text; rectification tasks are
  111103's).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from shebao.core import validation as v
from shebao.core.access import require_grant, scope_filter
from shebao.core.audit import audit_write
from shebao.core.cases import case_open, subject_key
from shebao.core.choices import Action
from shebao.core.errors import ApplicationError, ConflictError, NotFoundError, PermissionDeniedError
from shebao.core.models import Case
from shebao.core.payloads import Payload, load_payload
from shebao.core.records import apply_changes, channel_for

from ..models import DrillKind, DrillStatus, EmergencyDrill, EmergencyPlan, EmergencyScenario
from .backup import can_start_backup, restore_drill

PLAN_ITEM = "111101"
DRILL_ITEM = "111102"
MAX_MINUTES = 7 * 24 * 60
MAX_LINES = 50
# a mobile number, a landline with its area code, or a public hotline (95598, 12377), optionally with an area code
_PHONE = re.compile(r"(?<!\d)(?:1\d{10}|(?:0\d{2,3}-?)?(?:\d{7,8}|(?:95|12)\d{3}))(?!\d)", re.ASCII)
PLAN_FIELDS = ("title", "roles", "steps", "contacts", "rto_minutes", "rpo_minutes")


# --------------------------------------------------------------------------------------------------------------
# Reads within scope
# --------------------------------------------------------------------------------------------------------------


def plans_for(actor):
    """Emergency plans of the actor's agency subtree."""
    return scope_filter(actor, EmergencyPlan.objects.select_related("agency"))


def plan_get_for(*, actor, plan_id) -> EmergencyPlan:
    """One plan within the actor's scope, or 404."""
    try:
        return plans_for(actor).get(pk=int(plan_id))
    except (EmergencyPlan.DoesNotExist, ValueError, TypeError):
        raise NotFoundError("应急预案不存在") from None


def drills_for(actor):
    """Drills of the actor's agency subtree."""
    return scope_filter(actor, EmergencyDrill.objects.select_related("plan", "agency"))


def drill_get_for(*, actor, drill_id) -> EmergencyDrill:
    """One drill within the actor's scope, or 404."""
    try:
        return drills_for(actor).get(pk=int(drill_id))
    except (EmergencyDrill.DoesNotExist, ValueError, TypeError):
        raise NotFoundError("应急演练不存在") from None


def _ensure_scope(actor, obj) -> None:
    if not getattr(actor, "agency_id", None) or not obj.agency.is_within(actor.agency):
        raise NotFoundError("对象不存在")


# --------------------------------------------------------------------------------------------------------------
# Input
# --------------------------------------------------------------------------------------------------------------


def _lines(value, name: str, label: str, *, phone: bool = False) -> list[str]:
    """A list of short texts, from a list or from text with one entry per line."""
    if isinstance(value, str):
        items = value.splitlines()
    elif isinstance(value, list | tuple):
        items = list(value)
    else:
        raise ApplicationError(f"{label}应为文本列表（每行一项）", field=name)
    out = []
    for raw in items:
        if not isinstance(raw, str):
            raise ApplicationError(f"{label}的每一项应为文本", field=name)
        text = v.optional(raw, name, label, max_length=200)
        if not text:
            continue
        if phone and not _PHONE.search(text):
            raise ApplicationError(f"{label}“{text}”缺少联系电话（手机号11位、区号-座机号或服务热线）", field=name)
        out.append(text)
    if not out:
        raise ApplicationError(f"{label}至少填写一项", field=name)
    if len(out) > MAX_LINES:
        raise ApplicationError(f"{label}不能超过{MAX_LINES}项", field=name)
    return out


def _minutes(value, name: str, label: str) -> int:
    text = unicodedata.normalize("NFKC", "" if value is None else str(value)).strip()
    if isinstance(value, bool) or not (text.isascii() and text.isdigit()):
        raise ApplicationError(f"{label}应为整数分钟", field=name)
    number = int(text)
    if not 1 <= number <= MAX_MINUTES:
        raise ApplicationError(f"{label}应在1至{MAX_MINUTES}分钟之间", field=name)
    return number


@dataclass
class EmergencyPlanChangePayload(Payload):
    """111101 应急机制: the plan as it should read after the change (plan None: a new plan for the scenario)."""

    plan: int | None
    agency: int
    scenario: str
    title: str
    roles: list = field(default_factory=list)
    steps: list = field(default_factory=list)
    contacts: list = field(default_factory=list)
    rto_minutes: int = 0
    rpo_minutes: int = 0
    base_version: int = 0
    note: str = ""


def _clean_plan(data: dict, errors: v.Errors) -> dict:
    out = {
        "title": errors.capture(v.required, data.get("title"), "title", "预案名称", max_length=100),
        "roles": errors.capture(_lines, data.get("roles"), "roles", "应急角色与职责"),
        "steps": errors.capture(_lines, data.get("steps"), "steps", "处置步骤"),
        "contacts": errors.capture(_lines, data.get("contacts"), "contacts", "联系人", phone=True),
        "rto_minutes": errors.capture(_minutes, data.get("rto_minutes"), "rto_minutes", "恢复时间目标 RTO"),
        "rpo_minutes": errors.capture(_minutes, data.get("rpo_minutes"), "rpo_minutes", "恢复点目标 RPO"),
    }
    return out


# --------------------------------------------------------------------------------------------------------------
# 111101 应急机制
# --------------------------------------------------------------------------------------------------------------


@transaction.atomic
def emergency_plan_change(
    *, actor, data: dict, plan: EmergencyPlan | None = None, scenario: str = "", note: str = "", channel=None
) -> Case:
    """111101 应急机制: propose a new plan for a scenario (plan None) or a change to a plan; a reviewer approves."""
    require_grant(actor, PLAN_ITEM, Action.HANDLE)
    if plan is not None:
        _ensure_scope(actor, plan)
        agency, scenario = plan.agency, plan.scenario
    else:
        agency = actor.agency
    errors = v.Errors()
    if scenario not in EmergencyScenario.values:
        errors.add("scenario", "应急场景无效（数据库损毁、机房故障、数据泄露、批处理失败）")
    elif plan is None and EmergencyPlan.objects.filter(agency=agency, scenario=scenario).exists():
        errors.add("scenario", "本机构已有该场景的应急预案，请修改原预案")
    clean = _clean_plan(data, errors)
    note_text = errors.capture(v.optional, note, "note", "修订说明", max_length=200, multiline=True)
    errors.raise_if_any()
    label = EmergencyScenario(scenario).label
    key_value = plan.pk if plan is not None else f"{agency.pk}-{scenario}"
    return case_open(
        actor=actor,
        item_code=PLAN_ITEM,
        agency=agency,
        channel=channel_for(actor, channel),
        summary=f"应急预案{'修订' if plan else '制定'}：{clean['title']}（{label}）",
        payload=EmergencyPlanChangePayload(
            plan=plan.pk if plan else None,
            agency=agency.pk,
            scenario=scenario,
            base_version=plan.version if plan else 0,
            note=note_text or "",
            **clean,
        ),
        keys=[subject_key(PLAN_ITEM, "plan", key_value, field="non_field_errors", label="该应急预案")],
    )


def apply_emergency_plan_change(*, case: Case, actor) -> dict:
    """111101 应急机制: write the approved plan (a new plan, or the next version of the plan), audited."""
    p: EmergencyPlanChangePayload = load_payload(case)
    values = {name: getattr(p, name) for name in PLAN_FIELDS}
    if p.plan is None:
        if EmergencyPlan.objects.filter(agency_id=p.agency, scenario=p.scenario).exists():
            raise ConflictError("本机构已有该场景的应急预案", field="scenario")
        plan = EmergencyPlan.objects.create(agency_id=p.agency, scenario=p.scenario, case=case, **values)
        audit_write(
            actor=actor,
            action="emergency_plan.create",
            item_code=PLAN_ITEM,
            object_type="emergency_plan",
            object_id=plan.pk,
            after={"scenario": p.scenario, "version": 1, **values},
            case=case,
        )
        return {"plan_id": plan.pk, "version": plan.version}
    plan = EmergencyPlan.objects.select_for_update().get(pk=p.plan)
    if plan.version != p.base_version:
        raise ConflictError(f"该预案已被修订为第{plan.version}版，请按最新版本重新提交", field="version")
    apply_changes(
        actor=actor,
        case=case,
        obj=plan,
        changes={**values, "case": case},
        action="emergency_plan.change",
        extra={"note": p.note},
    )
    return {"plan_id": plan.pk, "version": plan.version}


# --------------------------------------------------------------------------------------------------------------
# 111102 定期演练
# --------------------------------------------------------------------------------------------------------------


def _drill_audit(actor, action: str, drill: EmergencyDrill, after: dict, before: dict | None = None) -> None:
    audit_write(
        actor=actor,
        action=action,
        item_code=DRILL_ITEM,
        object_type="emergency_drill",
        object_id=drill.pk,
        before=before,
        after=after,
    )


@transaction.atomic
def emergency_drill_schedule(
    *, actor, plan: EmergencyPlan, scheduled_on, responsible: str, kind: str = DrillKind.RESTORE
) -> EmergencyDrill:
    """111102 定期演练: schedule a drill of a plan (date, responsible, kind), audited."""
    require_grant(actor, DRILL_ITEM, Action.HANDLE)
    _ensure_scope(actor, plan)
    errors = v.Errors()
    day = errors.capture(v.parse_date, scheduled_on, "scheduled_on", "计划日期")
    if day and day < timezone.localdate():
        errors.add("scheduled_on", "计划日期不能早于今天")
    who = errors.capture(v.required, responsible, "responsible", "负责人", max_length=50)
    if kind not in DrillKind.values:
        errors.add("kind", "演练方式无效（备份恢复演练、桌面推演、切换演练）")
    errors.raise_if_any()
    if EmergencyDrill.objects.filter(plan=plan, scheduled_on=day).exists():
        raise ConflictError(f"该预案 {day} 已安排演练", field="scheduled_on")
    drill = EmergencyDrill.objects.create(
        plan=plan, agency=plan.agency, kind=kind, scheduled_on=day, responsible=who, created_by=actor
    )
    _drill_audit(
        actor, "emergency_drill.schedule", drill, {"plan": plan.pk, "date": day, "kind": kind, "responsible": who}
    )
    return drill


def _open_drill(actor, drill: EmergencyDrill) -> EmergencyDrill:
    require_grant(actor, DRILL_ITEM, Action.HANDLE)
    _ensure_scope(actor, drill)
    if drill.status != DrillStatus.PLANNED:
        raise ConflictError("该演练已记录结果", field="status")
    return drill


def emergency_drill_run_restore(*, actor, drill: EmergencyDrill) -> EmergencyDrill:
    """111102 定期演练（备份恢复演练）: run the real restore drill and record its times and result against the RTO.

    The drill itself backs up and restores outside any transaction (pg_dump sees committed data only); the result
    is then recorded and audited in one transaction."""
    _open_drill(actor, drill)
    if drill.kind != DrillKind.RESTORE:
        raise ApplicationError("只有“备份恢复演练”可以运行恢复演练", field="kind")
    if not can_start_backup(actor):
        raise PermissionDeniedError("备份恢复演练涉及整库备份，只有顶级经办机构的机构管理员可以运行")
    outcome = restore_drill(actor=actor)
    with transaction.atomic():
        locked = EmergencyDrill.objects.select_for_update().select_related("plan").get(pk=drill.pk)
        if locked.status != DrillStatus.PLANNED:
            raise ConflictError("该演练已记录结果", field="status")
        rto = locked.plan.rto_minutes
        changes = {
            "status": DrillStatus.DONE,
            "held_at": timezone.now(),
            "ok": outcome.ok,
            "tables": outcome.tables,
            "rows": outcome.rows,
            "backup_seconds": outcome.backup_seconds,
            "restore_seconds": outcome.restore_seconds,
            "total_seconds": outcome.total_seconds,
            "rto_minutes": rto,
            "rto_met": outcome.ok and outcome.total_seconds <= rto * 60,
            "backup_file": outcome.file,
            "sha256": outcome.sha256,
            "mismatches": outcome.mismatches[:50],
            "recorded_by": actor,
        }
        for name, value in changes.items():
            setattr(locked, name, value)
        locked.save(update_fields=list(changes))
        _drill_audit(
            actor,
            "emergency_drill.restore",
            locked,
            {k: val for k, val in changes.items() if k not in ("recorded_by", "held_at", "mismatches")},
        )
    return locked


@transaction.atomic
def emergency_drill_record(
    *, actor, drill: EmergencyDrill, ok=None, findings: str = "", total_minutes=None
) -> EmergencyDrill:
    """111102 定期演练: record how a drill went (result, time taken against RTO) and its findings, audited.

    A restore drill's result comes from `emergency_drill_run_restore`; here its findings may be added afterwards."""
    require_grant(actor, DRILL_ITEM, Action.HANDLE)
    _ensure_scope(actor, drill)
    drill = EmergencyDrill.objects.select_for_update().select_related("plan").get(pk=drill.pk)
    errors = v.Errors()
    text = errors.capture(v.optional, findings, "findings", "发现的问题", max_length=2000, multiline=True) or ""
    changes: dict = {"findings": text}
    if drill.status == DrillStatus.PLANNED:
        if drill.kind == DrillKind.RESTORE:
            errors.add("kind", "备份恢复演练请点击“运行恢复演练”，由系统实测并记录结果")
        if ok not in (True, False):
            errors.add("ok", "请选择演练结果（合格或不合格）")
        minutes = errors.capture(_minutes, total_minutes, "total_minutes", "实际处置用时")
        errors.raise_if_any()
        rto = drill.plan.rto_minutes
        changes.update(
            status=DrillStatus.DONE,
            held_at=timezone.now(),
            ok=ok,
            total_seconds=float(minutes * 60),
            rto_minutes=rto,
            rto_met=bool(ok) and minutes <= rto,
            recorded_by=actor,
        )
    else:
        if not text:
            errors.add("findings", "请填写发现的问题")
        errors.raise_if_any()
    before = {"status": drill.status, "findings": drill.findings}
    for name, value in changes.items():
        setattr(drill, name, value)
    drill.save(update_fields=list(changes))
    _drill_audit(
        actor,
        "emergency_drill.record",
        drill,
        {k: val for k, val in changes.items() if k not in ("recorded_by", "held_at")},
        before=before,
    )
    return drill

"""1107 数据安全: personal-data export requests (maker-checker, watermarked file, limited downloads), masking rules
per role kept as data, and the audited export of the personal-data access log."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from shebao.core import validation as v
from shebao.core.access import require_grant
from shebao.core.audit import audit_write
from shebao.core.cases import case_open, subject_key
from shebao.core.choices import Action, Role
from shebao.core.errors import ApplicationError, ConflictError, NotFoundError, PermissionDeniedError
from shebao.core.masking import FULL, KINDS, LOGGED_KINDS, RULES, apply_rule, rules_for_role
from shebao.core.materials import SubmittedMaterials
from shebao.core.models import Case
from shebao.core.parameters import param_value
from shebao.core.payloads import Payload, load_payload
from shebao.core.pdaccess import log_full_view
from shebao.core.records import channel_for
from shebao.registration.choices import PersonStatus
from shebao.registration.selectors import employer_get_for, person_search

from ..models import ExportKind, MaskingRule, PersonalDataExport

ITEM = "1107"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FILTER_KEYS = {ExportKind.PERSONS: {"status"}, ExportKind.EMPLOYEES: {"employer", "status"}}
STATUS_LABELS = dict(PersonStatus.choices)


def _param_int(key: str, region: str | None) -> int:
    return int(param_value(key, region=region, on=timezone.localdate()))


# ----------------------------------------------------------------------------------------------------------------
# Export requests (个人数据导出申请)
# ----------------------------------------------------------------------------------------------------------------


@dataclass
class PdExportPayload(Payload):
    """1107 个人数据导出申请: what is exported (kind and filters) and why."""

    kind: str
    reason: str
    filters: dict = field(default_factory=dict)
    employer: int | None = None
    rows: int = 0


def _clean_filters(errors: v.Errors, kind: str, filters) -> dict:
    """The filters of an export as {key: value}, every wrong key or value recorded on field `filters`."""
    if filters is None:
        filters = {}
    if not isinstance(filters, dict):
        errors.add("filters", "导出条件应为键值对象")
        return {}
    allowed = FILTER_KEYS.get(kind, set())
    unknown = sorted(set(filters) - allowed)
    if unknown and kind in FILTER_KEYS:
        errors.add("filters", f"导出条件不支持：{'、'.join(str(k) for k in unknown)}")
    out: dict = {}
    status = filters.get("status", "")
    if status not in ("", None, *PersonStatus.values):
        errors.add("filters", "人员状态只能是 active（正常）或 terminated（关系终止）")
    elif status:
        out["status"] = status
    if kind == ExportKind.EMPLOYEES:
        raw = filters.get("employer")
        text = str(raw).strip() if raw is not None and type(raw) is not bool else ""
        if not (text.isascii() and text.isdigit() and 0 < len(text) <= 18):
            errors.add("filters", "导出单位职工名单须指定参保单位（employer，参保单位ID）")
        else:
            out["employer"] = int(text)
    return out


def _export_rows(actor, kind: str, filters: dict, employer=None):
    """The persons an export holds, in the requester's scope, in ID-number order."""
    qs = person_search(actor=actor, employer_id=employer.pk if employer else None, status=filters.get("status", ""))
    return qs.select_related("employer").order_by("id_number", "pk")


@transaction.atomic
def pd_export_request(
    *,
    actor,
    kind: str,
    filters: dict | None = None,
    reason: str = "",
    channel: str | None = None,
    materials: SubmittedMaterials | None = None,
) -> Case:
    """1107 个人数据导出申请: ask for an Excel of persons (or one unit's employees); a reviewer other than the
    requester must approve before the file is produced."""
    require_grant(actor, ITEM, Action.HANDLE)
    errors = v.Errors()
    if kind not in ExportKind.values:
        errors.add("kind", "导出内容无效（persons 参保人员名单，employees 单位职工名单）")
    clean = _clean_filters(errors, kind, filters)
    reason_text = errors.capture(v.required, reason, "reason", "导出事由", max_length=200, multiline=True)
    if reason_text is not None and len(reason_text) < 4:
        errors.add("reason", "导出事由至少4个字，请写明用途")
    employer = None
    if "employer" in clean:
        employer = employer_get_for(actor=actor, employer_id=clean["employer"])  # 404 out of scope
    errors.raise_if_any()
    agency = employer.agency if employer else actor.agency
    if agency is None:
        raise NotFoundError("没有可导出的数据范围")
    count = _export_rows(actor, kind, clean, employer).count()
    limit = _param_int("security.export.max_rows", agency.region_id)
    if count == 0:
        raise ApplicationError("按所选条件没有可导出的人员", field="filters")
    if count > limit:
        raise ApplicationError(f"导出人数 {count} 超过单次上限 {limit} 人，请缩小导出范围", field="filters")
    digest = hashlib.sha256(json.dumps([kind, clean], sort_keys=True).encode()).hexdigest()[:16]
    what = ExportKind(kind).label + (f"（{employer.name}）" if employer else "")
    return case_open(
        actor=actor,
        item_code=ITEM,
        agency=agency,
        channel=channel_for(actor, channel),
        summary=f"个人数据导出申请：{what}，{count} 人",
        employer=employer,
        payload=PdExportPayload(
            kind=kind, reason=reason_text, filters=clean, employer=clean.get("employer"), rows=count
        ),
        keys=[subject_key(ITEM, "export", f"{actor.pk}:{digest}", field="filters", label="相同条件的导出申请")],
        materials=materials,
    )


def watermark_text(requester, at: dt.datetime, case: Case) -> str:
    """1107 水印: 导出人 <name>（<username>） <time> 案件号 <number>, printed on every export."""
    local = timezone.localtime(at).strftime("%Y-%m-%d %H:%M:%S")
    return f"导出人 {requester}（{requester.username}） {local} 案件号 {case.number}"


COLUMNS = (
    ("社会保障号码", "id_number", 22),
    ("姓名", "name", 12),
    ("性别", None, 6),
    ("出生日期", None, 12),
    ("联系电话", "phone", 16),
    ("居住地址", "address", 36),
    ("所在单位", None, 30),
    ("状态", None, 10),
    ("待遇发放账号", "bank_account", 24),
)


def build_export_workbook(*, people, rules: dict, watermark: str, case: Case, requester) -> bytes:
    """1107 导出文件: the watermarked Excel of `people` under `rules` (text cells only); the watermark is the first
    row, the header and footer of every printed page and the document properties."""
    from openpyxl import Workbook
    from openpyxl.packaging.custom import StringProperty
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = "个人数据"
    ws.append([watermark])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(COLUMNS))
    ws["A1"].font = Font(bold=True, color="C00000")
    ws.append([c[0] for c in COLUMNS])
    for person in people:
        values = [
            apply_rule(rules["id_number"], "id_number", person.id_number),
            apply_rule(rules["name"], "name", person.name),
            person.get_gender_display(),
            person.birth_date.isoformat() if rules["id_number"] == FULL else "",
            apply_rule(rules["phone"], "phone", person.phone),
            apply_rule(rules["address"], "address", person.address),
            person.employer.name if person.employer_id else "",
            STATUS_LABELS.get(person.status, person.status),
            apply_rule(rules["bank_account"], "bank_account", person.benefit_bank_account),
        ]
        ws.append(values)
        for cell in ws[ws.max_row]:
            cell.data_type = "s"
            cell.number_format = "@"
    for i, (_, _, width) in enumerate(COLUMNS):
        ws.column_dimensions[chr(ord("A") + i)].width = width
    ws.freeze_panes = "A3"
    for part in (ws.oddHeader.center, ws.evenHeader.center, ws.oddFooter.center, ws.evenFooter.center):
        part.text = watermark
    ws.oddFooter.right.text = "第 &P 页 / 共 &N 页"
    props = wb.properties
    props.creator = str(requester)
    props.lastModifiedBy = str(requester)
    props.title = f"个人数据导出 {case.number}"
    props.subject = "社会保险个人数据（经复核批准导出）"
    props.description = watermark
    props.keywords = f"案件号 {case.number}"
    props.category = "1107 数据安全"
    wb.custom_doc_props.append(StringProperty(name="导出人", value=f"{requester}（{requester.username}）"))
    wb.custom_doc_props.append(StringProperty(name="案件号", value=case.number))
    wb.custom_doc_props.append(StringProperty(name="水印", value=watermark))
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def apply_pd_export(*, case: Case, actor) -> dict:
    """1107 applier: produce the approved export as the requester may see it (masking rules of their role),
    watermarked, valid for a limited number of downloads and days."""
    p: PdExportPayload = load_payload(case)
    requester = case.submitted_by
    employer = None
    if p.employer:
        try:
            employer = employer_get_for(actor=requester, employer_id=p.employer)
        except NotFoundError:
            raise ConflictError("该参保单位已不在申请人的数据范围内，无法导出", field="filters") from None
    people = list(_export_rows(requester, p.kind, p.filters, employer))
    rules = rules_for_role(requester.role)
    now = timezone.now()
    mark = watermark_text(requester, now, case)
    content = build_export_workbook(people=people, rules=rules, watermark=mark, case=case, requester=requester)
    region = case.agency.region_id
    export = PersonalDataExport.objects.create(
        case=case,
        requester=requester,
        kind=p.kind,
        file_name=f"personal-data-{case.number}.xlsx",
        content=content,
        sha256=hashlib.sha256(content).hexdigest(),
        row_count=len(people),
        full_fields=[k for k in KINDS if rules.get(k) == FULL],
        watermark=mark,
        produced_at=now,
        expires_at=now + dt.timedelta(days=_param_int("security.export.valid_days", region)),
        max_downloads=_param_int("security.export.max_downloads", region),
    )
    audit_write(
        actor=actor,
        action="pd_export.produce",
        item_code=ITEM,
        object_type="pd_export",
        object_id=export.pk,
        after={
            "kind": p.kind,
            "rows": export.row_count,
            "full_fields": export.full_fields,
            "sha256": export.sha256,
            "expires_at": export.expires_at.isoformat(),
            "max_downloads": export.max_downloads,
        },
        case=case,
    )
    return {"export_id": export.pk, "rows": export.row_count}


def export_get_for(*, actor, case_id) -> Case:
    """1107: an export request (a case of 1107) the actor may see: their own, or any in their scope for staff who review
    or audit; else NotFoundError (404)."""
    from shebao.core.access import cases_for

    try:
        pk = int(case_id)
    except (TypeError, ValueError):
        raise NotFoundError("导出申请不存在") from None
    qs = cases_for(actor).filter(item_id=ITEM).select_related("submitted_by", "reviewer", "agency")
    case = qs.filter(pk=pk).first()
    if case is None:
        raise NotFoundError("导出申请不存在")
    return case


def exports_for(actor):
    """1107: the export requests the actor sees (their scope's cases of 1107), newest first."""
    from shebao.core.access import cases_for

    return (
        cases_for(actor)
        .filter(item_id=ITEM)
        .select_related("submitted_by", "agency", "pd_export")
        .defer("pd_export__content")
        .order_by("-submitted_at", "-id")
    )


def export_state(case: Case, actor=None) -> str:
    """1107: the Chinese state of an export request for the lists and the detail."""
    export = getattr(case, "pd_export", None) if hasattr(case, "pd_export") else None
    if export is None:
        return {"rejected": "已退回", "withdrawn": "已撤回"}.get(case.status, "待复核")
    if export.downloads >= export.max_downloads:
        return "下载次数已用完"
    if export.expires_at <= timezone.now():
        return "已过期"
    return "可下载"


@transaction.atomic
def pd_export_download(*, actor, case: Case) -> tuple[str, bytes]:
    """1107 导出文件下载: the requester only (others 404), after approval, within the count and the expiry; each
    download counts, is audited and is written in the personal-data access log."""
    if case.submitted_by_id != actor.pk:
        raise NotFoundError("导出文件不存在")
    export = PersonalDataExport.objects.select_for_update().filter(case=case).first()
    if export is None:
        raise ApplicationError("导出申请尚未经复核批准，暂不能下载", field="download")
    if export.expires_at <= timezone.now():
        raise ConflictError("导出文件已过有效期，请重新申请", field="download")
    if export.downloads >= export.max_downloads:
        raise ConflictError(f"导出文件已下载 {export.downloads} 次，已达上限，请重新申请", field="download")
    export.downloads += 1
    PersonalDataExport.objects.filter(pk=export.pk).update(downloads=export.downloads)
    audit_write(
        actor=actor,
        action="pd_export.download",
        item_code=ITEM,
        object_type="pd_export",
        object_id=export.pk,
        after={"download": export.downloads, "of": export.max_downloads, "sha256": export.sha256},
        case=case,
    )
    logged = [k for k in export.full_fields if k in LOGGED_KINDS]
    log_full_view(actor, "pd_export", export.pk, logged, f"个人数据导出下载 {case.number}（{export.row_count} 人）")
    return export.file_name, bytes(export.content)


# ----------------------------------------------------------------------------------------------------------------
# Masking rules (脱敏规则)
# ----------------------------------------------------------------------------------------------------------------


def masking_rules_source(role: str) -> dict[str, str]:
    """1107: the masking rules kept as data (registered with core.masking): {kind: rule} of one role."""
    return dict(MaskingRule.objects.filter(role=role).values_list("kind", "rule"))


def masking_rules_seed(sender=None, using: str = "default", **kwargs) -> None:
    """1107: default masking rules for any (role, kind) without a row (after `migrate` and test flushes); edits stay."""
    from django.db import connections

    if getattr(sender, "label", "operations") != "operations":
        return
    if MaskingRule._meta.db_table not in connections[using].introspection.table_names():
        return
    from shebao.core.masking import DEFAULT_RULES

    MaskingRule.objects.using(using).bulk_create(
        [MaskingRule(role=r, kind=k, rule=rule) for r, rules in DEFAULT_RULES.items() for k, rule in rules.items()],
        ignore_conflicts=True,
    )


def can_edit_masking(actor) -> bool:
    """1107: only the administrators of a top-level agency change the masking rules (they apply everywhere)."""
    agency = getattr(actor, "agency", None)
    return getattr(actor, "role", None) == Role.AGENCY_ADMIN and agency is not None and agency.parent_id is None


@transaction.atomic
def masking_rule_update(*, actor, rule_id, rule: str) -> MaskingRule:
    """1107 脱敏规则修改: set how much of one kind of personal field a role is shown (audited before → after)."""
    if not can_edit_masking(actor):
        raise PermissionDeniedError("只有上级经办机构的机构管理员可以修改脱敏规则")
    try:
        row = MaskingRule.objects.select_for_update().get(pk=int(rule_id))
    except (MaskingRule.DoesNotExist, TypeError, ValueError):
        raise NotFoundError("脱敏规则不存在") from None
    if rule not in RULES:
        raise ApplicationError(
            "显示规则无效（full 完整显示、mask_middle 隐藏中间部分、last4 仅显示后四位、hidden 不显示）", field="rule"
        )
    if row.kind == "name" and rule == "last4":
        raise ApplicationError("姓名不适用「仅显示后四位」，请选择其他显示规则", field="rule")
    before = row.rule
    if before == rule:
        return row
    row.rule, row.updated_by = rule, actor
    row.save(update_fields=["rule", "updated_by", "updated_at"])
    audit_write(
        actor=actor,
        action="masking_rule.update",
        item_code=ITEM,
        object_type="masking_rule",
        object_id=row.pk,
        before={"role": row.role, "kind": row.kind, "rule": before},
        after={"role": row.role, "kind": row.kind, "rule": rule},
    )
    return row


# ----------------------------------------------------------------------------------------------------------------
# The access log's own export (audited)
# ----------------------------------------------------------------------------------------------------------------


@transaction.atomic
def access_log_export(*, actor, rows, filters: dict) -> bytes:
    """1107 查看记录导出: the filtered personal-data access log as Excel (masked values only); the export itself is
    audited with its filters and row count."""
    from openpyxl import Workbook

    from ..selectors.security import access_row_values

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("敏感信息查看记录")
    ws.append(["查看时间", "查看人", "查看人所属机构", "对象类型", "对象", "查看内容", "查看页面"])
    count = 0
    for row in rows:
        ws.append(access_row_values(row))
        count += 1
    buffer = io.BytesIO()
    wb.save(buffer)
    audit_write(
        actor=actor,
        action="pd_access.export",
        item_code=ITEM,
        object_type="pd_access",
        object_id="",
        after={"filters": {k: str(v) for k, v in filters.items() if v not in (None, "")}, "rows": count},
    )
    return buffer.getvalue()

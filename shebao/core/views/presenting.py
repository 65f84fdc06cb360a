"""Case presentation: an item's payload rendered readably, and the Chinese names of audit actions."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..identifiers import mask_id
from ..items import audit_labels, get_item
from ..models import Case

# --------------------------------------------------------------------------------------------------------------
# Case presentation: payloads rendered readably (items register their presenter)
# --------------------------------------------------------------------------------------------------------------


@dataclass
class CaseView:
    """A case's request as the clerk reads it: labelled fields, and tables (e.g. the rows of a bulk 增员)."""

    fields: list[tuple[str, str]] = field(default_factory=list)
    tables: list[dict] = field(default_factory=list)  # {"title", "headers", "rows", "more"}


_GENERIC_LABELS = {
    "id_number": "社会保障号码",
    "name": "名称",
    "reason": "原因",
    "note": "说明",
    "month": "月份",
    "start_month": "起始月",
    "date": "日期",
}
_SECRET_KEYS = ("id_number", "benefit_bank_account", "bank_account")


def _plain(value) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, list | tuple):
        return "、".join(_plain(v) for v in value) or "—"
    if isinstance(value, dict):
        return "；".join(f"{k}：{_plain(v)}" for k, v in value.items()) or "—"
    return str(value)


def present_case(case: Case, actor) -> CaseView:
    """The presenter the case's item declares (`BusinessItem.presenter`), else a generic key/value list.

    The item's presenter is given only cases whose payload is one of its `payload_types` (so it may read the typed
    payload with `load_payload`); another payload (a hand-made row, data from before the type) is listed as is.
    """
    item = get_item(case.item_id)
    if item is not None and item.presenter is not None and _typed_for(item, case):
        return item.presenter(case, actor)
    view = CaseView()
    for key, value in (case.payload or {}).items():
        if key.startswith("_"):
            continue
        if isinstance(value, list) and value and isinstance(value[0], dict):
            headers = list(value[0])
            rows = [[_plain(mask_id(r.get(h)) if h in _SECRET_KEYS else r.get(h)) for h in headers] for r in value]
            view.tables.append({"title": key, "headers": headers, "rows": rows[:100], "more": len(rows) - 100})
        else:
            shown = mask_id(str(value)) if key in _SECRET_KEYS and value else value
            view.fields.append((_GENERIC_LABELS.get(key, key), _plain(shown)))
    return view


def _typed_for(item, case: Case) -> bool:
    """Whether the case's payload carries the type tag of one of the item's payload types (any, if none declared)."""
    if not item.payload_types:
        return True
    tag = (case.payload or {}).get("_type") if isinstance(case.payload, dict) else None
    return tag in {t.type_name for t in item.payload_types}


_AUDIT_LABELS = {
    "case.submit": "申报",
    "case.accept": "受理",
    "case.approve": "复核通过",
    "case.complete": "办结",
    "case.reject": "退回",
    "case.withdraw": "撤回",
    "attachment.add": "上传材料",
    "parameter.set": "业务参数设置",
    "agency.add": "新增经办机构",
    "agency.change": "修改经办机构",
    "agency.delete": "删除经办机构",
    "user.add": "新增用户",
    "user.change": "修改用户",
    "user.delete": "删除用户",
    "role_grant.add": "新增角色权限",
    "role_grant.change": "修改角色权限",
    "role_grant.delete": "删除角色权限",
    "catalog_item.change": "修改业务目录设置",
    "calendar_day.add": "新增节假日安排",
    "calendar_day.change": "修改节假日安排",
    "calendar_day.delete": "删除节假日安排",
    "calendar_year.add": "新增年度日历",
    "calendar_year.change": "修改年度日历",
    "calendar_year.delete": "删除年度日历",
}


def audit_label(action: str) -> str:
    """Chinese name of an audit action (the case actions here; each item's own in its `items.py`)."""
    return _AUDIT_LABELS.get(action) or audit_labels().get(action, action)

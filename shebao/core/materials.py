"""申请材料清单: which documents a case of each item needs (declared per item), and what is still owed.

A window case (staff at the counter) must come with the item's required materials, unless the clerk records
容缺受理 (accepting with materials owed) and its reason; the case page lists what is still owed until it arrives.
"""

from __future__ import annotations

from collections.abc import Iterable

from .choices import Channel
from .errors import ApplicationError
from .items import Material, materials_for


def required_materials(item_code: str) -> list[Material]:
    """The materials of the item that every case must have."""
    return [m for m in materials_for(item_code) if m.required]


def check_materials(*, item_code: str, channel: str, provided: Iterable[str], waiver_reason: str = "") -> list[str]:
    """Names of the required materials missing from a window case; refused unless 容缺受理 with a reason.

    Online applications are not refused here: the clerk checks the materials when accepting them.
    """
    have = {(k or "").strip() for k in provided}
    missing = [m.name for m in required_materials(item_code) if m.name not in have]
    if missing and channel == Channel.WINDOW and not (waiver_reason or "").strip():
        raise ApplicationError(
            f"缺少申请材料：{'、'.join(missing)}。请上传，或选择「容缺受理」并填写原因",
            field="materials",
        )
    return missing


def materials_owed(case) -> list[str]:
    """Required materials of the case's item not yet among its attachments (shown on the case page)."""
    required = required_materials(case.item_id)
    if not required:
        return []
    have = set(case.attachments.values_list("kind", flat=True))
    return [m.name for m in required if m.name not in have]

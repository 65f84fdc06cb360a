"""Audit log writer and verifier: each row's hash covers its content and the previous row's hash."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from .models import AuditEvent, AuditHead


def _default(value: Any) -> Any:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return str(value)


def canonical(value: Any) -> Any:
    """JSON-safe canonical form (dates ISO, Decimals as strings) used both to store and to hash."""
    return json.loads(json.dumps(value, default=_default, ensure_ascii=False, sort_keys=True))


def _row_hash(prev_hash: str, fields: dict) -> str:
    body = json.dumps(fields, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256((prev_hash + body).encode()).hexdigest()


def _hashed_fields(event: AuditEvent) -> dict:
    return {
        "seq": event.seq,
        "at": event.at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
        "actor": event.actor_id,
        "actor_name": event.actor_name,
        "agency": event.agency_id,
        "item_code": event.item_code,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "case": event.case_id,
        "before": event.before,
        "after": event.after,
    }


@dataclass
class AuditEntry:
    """One audit record to write (object is identified by type and id)."""

    action: str
    object_type: str = ""
    object_id: str = ""
    before: Any = None
    after: Any = None


def audit_write_many(*, actor, entries: Iterable[AuditEntry], item_code: str = "", case=None) -> int:
    """Append entries to the audit chain inside the caller's transaction (locks the chain head)."""
    entries = list(entries)
    if not entries:
        return 0
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit must be written inside the service transaction")
    head, _ = AuditHead.objects.select_for_update().get_or_create(id=1)
    now = timezone.now()
    rows, prev, seq = [], head.hash, head.seq
    agency_id = getattr(actor, "agency_id", None)
    actor_id = getattr(actor, "pk", None)
    actor_name = str(actor) if actor is not None else "system"
    for entry in entries:
        seq += 1
        event = AuditEvent(
            seq=seq,
            at=now,
            actor_id=actor_id,
            actor_name=actor_name,
            agency_id=agency_id,
            item_code=item_code,
            action=entry.action,
            object_type=entry.object_type,
            object_id=str(entry.object_id),
            case=case,
            before=canonical(entry.before) if entry.before is not None else None,
            after=canonical(entry.after) if entry.after is not None else None,
        )
        event.prev_hash = prev
        event.hash = prev = _row_hash(prev, _hashed_fields(event))
        rows.append(event)
    AuditEvent.objects.bulk_create(rows, batch_size=2000)
    AuditHead.objects.filter(id=1).update(seq=seq, hash=prev)
    return len(rows)


def audit_write(
    *,
    actor,
    action: str,
    item_code: str = "",
    object_type: str = "",
    object_id: Any = "",
    before: Any = None,
    after: Any = None,
    case=None,
) -> None:
    """Append one audit record in the current transaction."""
    audit_write_many(
        actor=actor,
        item_code=item_code,
        case=case,
        entries=[AuditEntry(action, object_type, str(object_id), before, after)],
    )


@dataclass
class VerifyResult:
    """Outcome of walking the chain: rows checked and the first broken link, if any."""

    checked: int
    broken_seq: int | None = None
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.broken_seq is None


def audit_verify(*, chunk: int = 5000) -> VerifyResult:
    """Recompute the chain from the first row; report the first row whose link or content was altered."""
    prev, expected_seq, checked = "0" * 64, 1, 0
    qs = AuditEvent.objects.order_by("seq")
    last_seq = 0
    while True:
        batch = list(qs.filter(seq__gt=last_seq)[:chunk])
        if not batch:
            break
        for event in batch:
            if event.seq != expected_seq:
                return VerifyResult(checked, event.seq, f"序号不连续：期望 {expected_seq}，实际 {event.seq}")
            if event.prev_hash != prev:
                return VerifyResult(checked, event.seq, "前序哈希不匹配（前一条记录被篡改或删除）")
            if _row_hash(prev, _hashed_fields(event)) != event.hash:
                return VerifyResult(checked, event.seq, "记录内容与哈希不符（该记录被篡改）")
            prev, expected_seq, checked, last_seq = event.hash, expected_seq + 1, checked + 1, event.seq
    head = AuditHead.objects.filter(id=1).first()
    if head and head.seq != last_seq:
        return VerifyResult(checked, last_seq + 1, f"链尾缺失：链头记录至 {head.seq}，实际至 {last_seq}")
    return VerifyResult(checked)

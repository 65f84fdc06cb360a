"""Helpers for audit tests: recompute a row's hash as the writer does (keyed) or as the old code did (SHA-256)."""

from __future__ import annotations

import hashlib
import json

from shebao.core.audit import _at_text, _json_text, _row_hash
from shebao.core.audit_anchor import audit_key
from shebao.core.models import AuditEvent


def _header(event: AuditEvent) -> list:
    return [
        event.seq,
        _at_text(event.at),
        event.actor_id,
        event.actor_name,
        event.agency_id,
        event.item_code,
        event.action,
        event.object_type,
        event.object_id,
        event.case_id,
    ]


def keyed_hash(event: AuditEvent, prev: str | None = None) -> str:
    """The row's HMAC under the configured key (what a writer holding the key would compute)."""
    prev = event.prev_hash if prev is None else prev
    return _row_hash(audit_key(), prev, _header(event), _json_text(event.before), _json_text(event.after))


def plain_sha256(event: AuditEvent, prev: str) -> str:
    """The row hash as the pre-HMAC code computed it (no key): what an intruder can recompute."""
    body = {
        "seq": event.seq,
        "at": _at_text(event.at),
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
    text = json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256((prev + text).encode()).hexdigest()

"""Audit log writer and verifier: a keyed (HMAC-SHA256) hash chain, anchored by signed checkpoints.

Each row's hash is an HMAC, under a key held outside the database, of the previous row's hash and the row's
canonical content, so whoever can write to the database but does not hold the key cannot rewrite a row and
recompute the chain. `audit_checkpoint` appends the chain head to a file outside the database; `audit_verify`
checks the chain against the key and against every checkpoint, so deleting the tail of the log (and setting the
head back) is found as well. ID numbers and bank accounts are masked before anything is stored or hashed.
"""

from __future__ import annotations

import datetime as dt
import hmac
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from .audit_anchor import AnchorError, Checkpoint, audit_key, checkpoint_append, checkpoints_read, last_checkpoint
from .identifiers import mask_id
from .models import AuditEvent, AuditHead

GENESIS = "0" * 64
SYSTEM_ACTOR_NAME = "系统"


def _default(value: Any) -> Any:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return str(value)


# One canonical serialisation for storing and hashing: sorted keys, compact, UTF-8.
_dump = json.JSONEncoder(default=_default, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode
_dump_plain = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode

# A key named id_number (or *_id_number) or containing bank_account, and its string or number value.
_SECRET_RE = re.compile(r'"((?:[^"\\]*_)?id_number|[^"\\]*bank_account[^"\\]*)":("(?:[^"\\]|\\.)*"|-?\d+)')


# A key that starts like a number (e.g. {1: ...} serialised as {"1": ...}).
_NUMERIC_KEY_RE = re.compile(r'[{,]"-?\d[0-9.eE+-]*":')


def mask_account(number: str | None) -> str:
    """Mask a bank account like an ID number (bank code and last four kept; short ones: last four only)."""
    if not number:
        return ""
    if len(number) > 10:
        return mask_id(number)
    return "*" * max(len(number) - 4, 0) + number[-4:] if len(number) > 4 else "*" * len(number)


def _mask_match(match: re.Match) -> str:
    key, raw = match.group(1), match.group(2)
    if raw[0] == '"' and "\\" not in raw:
        value = raw[1:-1]  # the common case: a plain string needs no JSON decoding
    else:
        value = json.loads(raw)
        value = value if isinstance(value, str) else str(value)
    masked = mask_id(value) if key.endswith("id_number") else mask_account(value)
    return f'"{key}":{_dump_plain(masked)}'


_SCALARS = frozenset({str, int, float, bool, type(None)})


def _masked_flat(value: dict) -> dict | None:
    """A flat dict (plain text keys; scalar or list-of-scalar values) with its secrets masked, as the general
    path would mask them; None for anything else (nesting, keys that look like numbers or need escaping…).

    Bulk services write thousands of such rows (one per person); masking them here spares a regular expression
    over each row's JSON text. `test_audit.py` checks that both paths give the same text.
    """
    out = {}
    for key, item in value.items():
        role = _KEY_ROLES.get(key) if type(key) is str else _ODD
        if role is None:
            role = _KEY_ROLES[key] = _key_role(key)
        if role is _ODD:
            return None
        kind = type(item)
        if kind is list:
            if any(type(x) not in _SCALARS for x in item):
                return None
        elif kind not in _SCALARS:
            return None
        if role is not _PLAIN_KEY:
            if kind is str or kind is int:  # what the pattern masks: a string or an integer literal
                text = str(item)
                item = mask_id(text) if role is _ID_KEY else mask_account(text)
            elif kind is float:
                return None
        out[key] = item
    return out


_PLAIN_KEY, _ID_KEY, _ACCOUNT_KEY, _ODD = "plain", "id", "account", "odd"
_KEY_ROLES: dict[str, str] = {}  # the keys seen so far (bulk rows repeat a handful of keys thousands of times)


def _key_role(key: str) -> str:
    """How `_masked_flat` treats a key: plain, an ID number or bank account to mask, or odd (general path)."""
    if len(_KEY_ROLES) > 10_000:
        _KEY_ROLES.clear()  # keys are a program's vocabulary, but never let a stream of odd ones grow it forever
    if not key.isprintable() or '"' in key or "\\" in key:
        return _ODD  # JSON would escape it (the pattern stops at a backslash)
    if not key or key[0] == "-" or key[0].isdecimal():
        return _ODD  # a key that starts like a number: the general path re-sorts such keys
    if key == "id_number" or key.endswith("_id_number") or ("bank_account" in key and key.endswith("id_number")):
        return _ID_KEY
    if "bank_account" in key:
        return _ACCOUNT_KEY
    return _PLAIN_KEY


def canonical_text(value: Any) -> str:
    """Canonical JSON text of a before/after value, ID numbers and bank accounts masked ('null' for None)."""
    if value is None:
        return "null"
    if type(value) is dict:
        flat = _masked_flat(value)
        if flat is not None:
            return _dump_plain(flat)
    return _canonical_text_any(value)


def _canonical_text_any(value: Any) -> str:
    """The general path of `canonical_text`: serialise, then mask secrets in the text wherever they are."""
    text = _dump(value)
    if '_number"' in text or "bank_account" in text:
        text = _SECRET_RE.sub(_mask_match, text)
    if _NUMERIC_KEY_RE.search(text):
        # Integer keys sort differently once they are strings: re-serialise what will be stored so that the
        # verifier, which re-serialises the stored value, hashes the same text.
        return _dump_plain(json.loads(text))
    return text


def canonical(value: Any) -> Any:
    """JSON-safe canonical form (dates ISO, Decimals as strings, secrets masked) used both to store and to hash."""
    return json.loads(canonical_text(value))


def _row_hash(key: bytes, prev: str, header: list, before: str, after: str) -> str:
    """HMAC-SHA256 of the previous hash, the row's fields and its before/after texts."""
    return _row_hash_text(key, prev, _dump_plain(header), before, after)


def _row_hash_text(key: bytes, prev: str, header_text: str, before: str, after: str) -> str:
    """`_row_hash` with the header already serialised (a JSON list: items joined by ",")."""
    message = f"{prev}{header_text}\n{before}\n{after}"
    return hmac.digest(key, message.encode(), "sha256").hex()


def _at_text(at: dt.datetime) -> str:
    return at.astimezone(dt.UTC).isoformat(timespec="microseconds")


@dataclass
class AuditEntry:
    """One audit record to write (object is identified by type and id)."""

    action: str
    object_type: str = ""
    object_id: str = ""
    before: Any = None
    after: Any = None


_COLUMNS = (
    "seq",
    "at",
    "actor_id",
    "actor_name",
    "agency_id",
    "item_code",
    "action",
    "object_type",
    "object_id",
    "case_id",
    "before",
    "after",
    "prev_hash",
    "hash",
)


def _copy_rows(rows: list[tuple]) -> None:
    """PostgreSQL COPY of prepared audit rows (before/after as JSON text, None as NULL)."""
    table = connection.ops.quote_name(AuditEvent._meta.db_table)
    sql = f"COPY {table} ({', '.join(_COLUMNS)}) FROM STDIN"
    with connection.wrap_database_errors, connection.cursor() as cur, cur.copy(sql) as copy:
        for row in rows:
            copy.write_row(row)


def _insert_rows(rows: list[tuple]) -> None:
    """Portable path (SQLite): one executemany of the prepared rows (JSON text stored as is)."""
    table = connection.ops.quote_name(AuditEvent._meta.db_table)
    sql = f"INSERT INTO {table} ({', '.join(_COLUMNS)}) VALUES ({', '.join(['%s'] * len(_COLUMNS))})"
    at = connection.ops.adapt_datetimefield_value(rows[0][1])
    with connection.cursor() as cur:
        cur.executemany(sql, [(row[0], at, *row[2:]) for row in rows])


def audit_write_many(*, actor, entries: Iterable[AuditEntry], item_code: str = "", case=None) -> int:
    """Append entries to the audit chain inside the caller's transaction (locks the chain head)."""
    entries = list(entries)
    if not entries:
        return 0
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit must be written inside the service transaction")
    key = audit_key()
    head, _ = AuditHead.objects.select_for_update().get_or_create(id=1)
    now = timezone.now()
    at = _at_text(now)
    agency_id = getattr(actor, "agency_id", None)
    actor_id = getattr(actor, "pk", None)
    actor_name = str(actor) if actor is not None else SYSTEM_ACTOR_NAME
    case_id = getattr(case, "pk", None)
    rows, prev, seq = [], head.hash, head.seq
    # The header [seq, at, actor_id, actor_name, agency_id, item_code, action, object_type, object_id, case_id]
    # as JSON, from pieces serialised once per call (the same text `_dump_plain` gives for the whole list).
    same = _dump_plain([at, actor_id, actor_name, agency_id, item_code])[1:-1]
    case_text = _dump_plain(case_id)
    texts: dict[str, str] = {}
    for entry in entries:
        seq += 1
        object_id = str(entry.object_id)
        before = canonical_text(entry.before) if entry.before is not None else None
        after = canonical_text(entry.after) if entry.after is not None else None
        action, object_type = entry.action, entry.object_type
        for part in (action, object_type):
            if part not in texts:
                texts[part] = _dump_plain(part)
        header = f"[{seq},{same},{texts[action]},{texts[object_type]},{_dump_plain(object_id)},{case_text}]"
        digest = _row_hash_text(key, prev, header, before or "null", after or "null")
        fields = (actor_id, actor_name, agency_id, item_code, action, object_type, object_id, case_id)
        rows.append((seq, now, *fields, before, after, prev, digest))
        prev = digest
    if connection.vendor == "postgresql":
        _copy_rows(rows)
    else:
        _insert_rows(rows)
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
    """Outcome of walking the chain: rows and checkpoints checked, and the first broken link, if any."""

    checked: int
    broken_seq: int | None = None
    reason: str = ""
    checkpoints: int = 0

    @property
    def ok(self) -> bool:
        return self.broken_seq is None and not self.reason


def _json_text(value: Any) -> str:
    return "null" if value is None else _dump_plain(value)


def audit_verify(*, chunk: int = 5000) -> VerifyResult:
    """Recompute the keyed chain from the first row and compare it with every checkpoint; report the first break."""
    try:
        points = checkpoints_read()
    except AnchorError as exc:
        return VerifyResult(0, None, str(exc))
    anchors: dict[int, Checkpoint] = {}
    for point in points:
        anchors.setdefault(point.seq, point)
    key = audit_key()
    prev, expected_seq, checked, last_seq = GENESIS, 1, 0, 0
    while True:
        batch = list(AuditEvent.objects.filter(seq__gt=last_seq).order_by("seq").values_list(*_COLUMNS)[:chunk])
        if not batch:
            break
        for seq, at, *fields, before, after, prev_hash, digest in batch:
            if seq != expected_seq:
                return VerifyResult(checked, seq, f"序号不连续：期望 {expected_seq}，实际 {seq}", len(points))
            if prev_hash != prev:
                return VerifyResult(checked, seq, "前序哈希不匹配（前一条记录被篡改或删除）", len(points))
            header = [seq, _at_text(at), *fields]
            if not hmac.compare_digest(_row_hash(key, prev, header, _json_text(before), _json_text(after)), digest):
                return VerifyResult(checked, seq, "记录内容与哈希不符（该记录被篡改）", len(points))
            point = anchors.get(seq)
            if point is not None and not hmac.compare_digest(point.hash, digest):
                return VerifyResult(
                    checked, seq, f"与{point.describe()}的哈希不一致：该记录之后的审计链被改写", len(points)
                )
            prev, expected_seq, checked, last_seq = digest, expected_seq + 1, checked + 1, seq
    head = AuditHead.objects.filter(id=1).first()
    if head and head.seq != last_seq:
        return VerifyResult(checked, last_seq + 1, f"链尾缺失：链头记录至 {head.seq}，实际至 {last_seq}", len(points))
    beyond = [p for p in points if p.seq > last_seq]
    if beyond:
        point = max(beyond, key=lambda p: p.seq)
        return VerifyResult(
            checked,
            last_seq + 1,
            f"{point.describe()}超出当前链尾 seq={last_seq}：链尾记录被删除",
            len(points),
        )
    return VerifyResult(checked, checkpoints=len(points))


def audit_checkpoint() -> Checkpoint | None:
    """Append the current chain head to the anchor file (signed); None when the log is empty or unchanged."""
    head = AuditHead.objects.filter(id=1).first()
    if head is None or head.seq == 0:
        return None
    last = last_checkpoint()
    if last is not None and (last.seq, last.hash) == (head.seq, head.hash):
        return None
    return checkpoint_append(seq=head.seq, digest=head.hash)


def audit_dump_text(value: Any) -> str:
    """Canonical one-line JSON of a stored before/after value (for display and export)."""
    return "" if value is None else _dump_plain(value)


__all__ = [
    "GENESIS",
    "AuditEntry",
    "VerifyResult",
    "audit_checkpoint",
    "audit_verify",
    "audit_write",
    "audit_write_many",
    "canonical",
    "canonical_text",
    "mask_account",
]

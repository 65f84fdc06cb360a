"""The audit chain's key and its anchors: the HMAC key held outside the database, and signed checkpoints.

The key comes from `SHEBAO_AUDIT_KEY` (environment) or the key file `SHEBAO_AUDIT_KEY_FILE` (created with
mode 0600 on first use unless `SHEBAO_AUDIT_KEY_CREATE` is off, as in production). Checkpoints are JSON lines
appended to `SHEBAO_AUDIT_ANCHOR_FILE`: the chain head's sequence and hash at a moment, signed with a key derived
from the audit key, so that a truncated or rewritten chain no longer matches an earlier checkpoint.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import hmac
import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

_MIN_KEY_CHARS = 32


@functools.lru_cache(maxsize=8)
def _key_from_file(path: str, create: bool) -> bytes:
    file = Path(path)
    if not file.exists():
        if not create:
            raise ImproperlyConfigured(
                f"审计密钥文件不存在：{path}（请设置 SHEBAO_AUDIT_KEY 或 SHEBAO_AUDIT_KEY_FILE）"
            )
        file.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process created it first: use theirs
            pass
        else:
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets.token_hex(32) + "\n")
    key = file.read_text().strip()
    if len(key) < _MIN_KEY_CHARS:
        raise ImproperlyConfigured(f"审计密钥文件 {path} 中的密钥过短（至少 {_MIN_KEY_CHARS} 个字符）")
    return key.encode()


def audit_key() -> bytes:
    """The secret that keys every audit row's HMAC (from the environment or the key file, never the database)."""
    key = getattr(settings, "SHEBAO_AUDIT_KEY", "") or ""
    if key:
        if len(key) < _MIN_KEY_CHARS:
            raise ImproperlyConfigured(f"SHEBAO_AUDIT_KEY 过短（至少 {_MIN_KEY_CHARS} 个字符）")
        return key.encode()
    return _key_from_file(str(settings.SHEBAO_AUDIT_KEY_FILE), bool(getattr(settings, "SHEBAO_AUDIT_KEY_CREATE", True)))


def _anchor_key() -> bytes:
    return hmac.digest(audit_key(), b"shebao-audit-checkpoint", "sha256")


def anchor_path() -> Path:
    """Where checkpoints are appended (a file outside the database)."""
    return Path(settings.SHEBAO_AUDIT_ANCHOR_FILE)


def _signature(seq: int, digest: str, at: str) -> str:
    return hmac.new(_anchor_key(), f"{seq}|{digest}|{at}".encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Checkpoint:
    """A signed statement that the audit chain reached `seq` with row hash `hash` at time `at`."""

    seq: int
    hash: str
    at: str
    line: int = 0

    def describe(self) -> str:
        """How a report names this checkpoint (line in the anchor file, sequence, time)."""
        return f"检查点（锚定文件第 {self.line} 行，seq={self.seq}，{self.at}）"


class AnchorError(Exception):
    """The anchor file cannot be trusted: a line is malformed or its signature is not ours."""


def checkpoint_append(*, seq: int, digest: str, path: Path | None = None) -> Checkpoint:
    """Append one signed checkpoint line to the anchor file (created 0600), flushed to disk."""
    path = path or anchor_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    at = timezone.now().astimezone(dt.UTC).isoformat(timespec="seconds")
    record = {"seq": seq, "hash": digest, "at": at, "sig": _signature(seq, digest, at)}
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    with os.fdopen(fd, "a", encoding="utf-8") as fh:
        fh.write(json.dumps(record, separators=(",", ":")) + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    return Checkpoint(seq, digest, at)


def checkpoints_read(path: Path | None = None) -> list[Checkpoint]:
    """Every checkpoint in the anchor file, each signature checked; AnchorError names the first bad line."""
    path = path or anchor_path()
    if not path.exists():
        return []
    out = []
    with path.open(encoding="utf-8") as fh:
        for number, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
                seq, digest, at, sig = int(rec["seq"]), str(rec["hash"]), str(rec["at"]), str(rec["sig"])
            except (ValueError, KeyError, TypeError):
                raise AnchorError(f"锚定文件第 {number} 行格式错误") from None
            if not hmac.compare_digest(sig, _signature(seq, digest, at)):
                raise AnchorError(f"锚定文件第 {number} 行签名无效（检查点被伪造或密钥不符）")
            out.append(Checkpoint(seq, digest, at, number))
    return out


def last_checkpoint(path: Path | None = None) -> Checkpoint | None:
    """The most recent checkpoint (signature checked), or None when none was written yet."""
    points = checkpoints_read(path)
    return points[-1] if points else None

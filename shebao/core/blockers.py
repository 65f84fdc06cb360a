"""Blockers: how one app refuses an action of another without either importing the other.

An app that owns the action (registration: 单位注销登记) asks `blockers_for(action, subject)` before acting; an
app that knows a reason to refuse (contributions: the unit still owes contributions) registers a check in its
`items.py` with `register_blocker(action, check)`. Each check takes the subject and returns Chinese reasons
(empty when nothing blocks). Core knows neither app: it only keeps the list per action name.

Actions in use: `employer.deregister` (subject: the `Employer`; registration 01010103 refuses while any reason
is returned, at submission and again at approval).
"""

from __future__ import annotations

from collections.abc import Callable

BLOCKERS: dict[str, list[Callable[[object], list[str]]]] = {}


def register_blocker(action: str, check: Callable[[object], list[str]]) -> None:
    """Register `check(subject) -> [reason, ...]` for `action` (idempotent for the same function)."""
    checks = BLOCKERS.setdefault(action, [])
    if check not in checks:
        checks.append(check)


def blockers_for(action: str, subject) -> list[str]:
    """Every reason any app gives against `action` on `subject` (registration order)."""
    reasons: list[str] = []
    for check in BLOCKERS.get(action, ()):
        reasons.extend(check(subject))
    return reasons

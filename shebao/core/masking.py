"""Masking of personal data in logs (ID numbers never reach a log line in full)."""

from __future__ import annotations

import logging
import re

from .identifiers import mask_id

_ID_PATTERN = re.compile(r"(?<!\d)(\d{17}[\dXx])(?![\dA-Za-z])")


def mask_text(text: str) -> str:
    """Replace every 18-digit ID number inside free text by its masked form."""
    return _ID_PATTERN.sub(lambda m: mask_id(m.group(1).upper()), text)


class MaskIdsFilter(logging.Filter):
    """Logging filter: masks ID numbers in the formatted message."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_text(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True


# ----------------------------------------------------------------------------------------------------------------
# Masking rules per role (1107 数据安全): how much of a personal field each role is shown on detail pages, in API
# detail responses and in exports. The rules are data, kept by the app that owns them (it registers a source with
# `register_rule_source`); core only knows the defaults and applies them.
# ----------------------------------------------------------------------------------------------------------------

FULL, MASK_MIDDLE, LAST4, HIDDEN = "full", "mask_middle", "last4", "hidden"
RULES = {FULL: "完整显示", MASK_MIDDLE: "隐藏中间部分", LAST4: "仅显示后四位", HIDDEN: "不显示"}
KINDS = {
    "id_number": "社会保障号码",
    "bank_account": "银行账号",
    "phone": "联系电话",
    "address": "地址",
    "name": "姓名",
}
HIDDEN_TEXT = "（已隐藏）"
LOGGED_KINDS = frozenset({"id_number", "bank_account"})  # shown in full → one PersonalDataAccess row

_STAFF_FULL = dict.fromkeys(KINDS, FULL)
DEFAULT_RULES: dict[str, dict[str, str]] = {
    "clerk": _STAFF_FULL,
    "reviewer": _STAFF_FULL,
    "agency_admin": _STAFF_FULL,
    "auditor": _STAFF_FULL,
    "finance": {**_STAFF_FULL, "id_number": MASK_MIDDLE, "bank_account": MASK_MIDDLE},
    "employer": _STAFF_FULL,  # their own unit and its employees only (scope)
    "insured": _STAFF_FULL,  # themselves only (scope)
}

_sources: list = []


def register_rule_source(source) -> None:
    """Install `source(role) -> {kind: rule}` (the rules kept as data by an app); the last one registered wins."""
    _sources.append(source)


def rules_for_role(role: str) -> dict[str, str]:
    """The rule of every field kind for `role`: the registered source's, else the defaults (unknown role: masked)."""
    rules = dict(DEFAULT_RULES.get(role, dict.fromkeys(KINDS, MASK_MIDDLE)))
    if _sources:
        rules.update({k: r for k, r in (_sources[-1](role) or {}).items() if k in KINDS and r in RULES})
    return rules


def rule_for(user, kind: str) -> str:
    """The rule that applies when `user` is shown a field of `kind` (anonymous users: hidden)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return HIDDEN
    return rules_for_role(getattr(user, "role", "")).get(kind, MASK_MIDDLE)


def apply_rule(rule: str, kind: str, value: str | None) -> str:
    """`value` as the rule shows it: in full, with its middle masked, only its last four characters, or not at all."""
    if not value:
        return ""
    value = str(value)
    if rule == FULL:
        return value
    if rule == HIDDEN:
        return HIDDEN_TEXT
    if rule == LAST4:
        return "*" * max(len(value) - 4, 0) + value[-4:]
    if kind == "name":
        return value[:1] + "*" * (len(value) - 1)
    if kind == "address":
        return value[:6] + ("****" if len(value) > 6 else "")
    if kind == "phone":
        return value[:3] + "*" * max(len(value) - 7, 0) + value[-4:] if len(value) > 7 else "*" * len(value)
    return mask_id(value)


def mask_for(user, kind: str, value: str | None, *, entitled: bool = True) -> str:
    """`value` of field `kind` as `user` may see it under their role's rule; `entitled=False` (not the user's own
    record, a list row) never shows it in full."""
    rule = rule_for(user, kind)
    if rule == FULL and not entitled:
        rule = MASK_MIDDLE
    return apply_rule(rule, kind, value)


def shows_full(user, kind: str, *, entitled: bool = True) -> bool:
    """True when `user` is shown field `kind` in full (and so the showing is logged)."""
    return entitled and rule_for(user, kind) == FULL


def personal_view(user, values: dict, *, object_type: str, object_id, where: str, entitled: bool = True) -> dict:
    """Each `kind → value` as `user` may see it; the ID numbers and bank accounts shown in full are logged in the
    personal-data access log (one INSERT). Keys may be `kind` or `kind:suffix` (e.g. `phone:contact`)."""
    from .pdaccess import log_full_view

    rules = rules_for_role(getattr(user, "role", "")) if getattr(user, "is_authenticated", False) else {}
    out, logged = {}, []
    for key, value in values.items():
        kind = key.split(":", 1)[0]
        rule = rules.get(kind, HIDDEN if not rules else MASK_MIDDLE)
        if rule == FULL and not entitled:
            rule = MASK_MIDDLE
        out[key] = apply_rule(rule, kind, value)
        if rule == FULL and value and kind in LOGGED_KINDS:
            logged.append(kind)
    if logged:
        log_full_view(user, object_type, object_id, logged, where)
    return out

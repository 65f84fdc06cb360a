"""Helpers every applier uses: a JSON picture of a record, the channel of a request, and `apply_changes`."""

from __future__ import annotations

from django.db import models
from django.forms.models import model_to_dict

from .access import is_staff
from .audit import audit_write
from .choices import Channel


def snapshot(obj: models.Model, fields: list[str] | None = None) -> dict:
    """A JSON-able picture of a model row for the audit before/after (foreign keys as their ids)."""
    data = model_to_dict(obj, fields=fields)
    return {k: (v.pk if hasattr(v, "pk") else v) for k, v in data.items()}


def channel_for(actor, requested: str | None = None) -> str:
    """Staff work at the window (or batch); employers and persons apply online."""
    if is_staff(actor):
        return requested if requested in (Channel.WINDOW, Channel.BATCH) else Channel.WINDOW
    return Channel.ONLINE


def _attname(obj: models.Model, name: str) -> str:
    field = obj._meta.get_field(name)
    return field.attname if isinstance(field, models.ForeignKey) else name


def apply_changes(*, actor, case, obj: models.Model, changes: dict, action: str, extra: dict | None = None) -> dict:
    """Set `changes` on `obj` (foreign keys by id), bump its version, save, and audit before → after.

    Returns the `before` picture. `audit_write` masks ID numbers and bank accounts in before and after.
    """
    names = list(changes)
    before = snapshot(obj, names)
    for name, value in changes.items():
        setattr(obj, _attname(obj, name), value)
    update = [_attname(obj, n) for n in names]
    if hasattr(obj, "version"):
        obj.version += 1
        update.append("version")
    obj.save(update_fields=update or None)
    audit_write(
        actor=actor,
        action=action,
        item_code=case.item_id,
        object_type=obj._meta.model_name,
        object_id=obj.pk,
        before=before,
        after={**snapshot(obj, names), **(extra or {})},
        case=case,
    )
    return before

"""Personal-data access log: every time a full ID number or bank account is shown to a user, one row records it."""

from __future__ import annotations

from collections.abc import Iterable

from .choices import PersonalField
from .models import PersonalDataAccess


def log_full_view(actor, object_type: str, object_id, field: str | Iterable[str], where: str = "") -> None:
    """Record that `actor` was shown the full `field`(s) of one record on page `where` (one INSERT)."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        return
    fields = [field] if isinstance(field, str) else list(dict.fromkeys(field))
    valid = set(PersonalField.values)
    rows = [
        PersonalDataAccess(
            actor_id=actor.pk,
            actor_name=str(actor)[:150],
            agency_id=getattr(actor, "agency_id", None),
            object_type=object_type,
            object_id=str(object_id),
            field=name,
            where=(where or "")[:200],
        )
        for name in fields
        if name in valid
    ]
    if rows:
        PersonalDataAccess.objects.bulk_create(rows)

"""Template filters of the collection pages."""

from __future__ import annotations

from django import template

from ..selectors.collection import BUCKET_LABELS

register = template.Library()


@register.filter
def bucket_label(key: str) -> str:
    """未到期, 0–30天 … for an ageing bucket key."""
    return BUCKET_LABELS.get(key, "")

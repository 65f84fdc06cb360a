"""Cluster 11 demo data for `seed_demo`: each area module in AREAS has `load(ctx)`."""

from __future__ import annotations

from importlib import import_module

AREAS: tuple[str, ...] = ("signing", "security", "emergency", "sysadmin", "rectification", "quality")


def load(ctx) -> None:
    """Load every area's demo part in order."""
    for area in AREAS:
        import_module(f"{__name__}.{area}").load(ctx)

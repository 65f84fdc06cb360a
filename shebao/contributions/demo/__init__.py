"""Cluster 02 demo data for `seed_demo`: each area adds its part after registration's employers and persons exist.

Order matters (wages → bases → rates → assessment → collection → arrears); each area module has `load(ctx)`.
"""

from __future__ import annotations

from importlib import import_module

AREAS = ("wages", "rates", "assessment", "collection", "arrears")


def load(ctx) -> None:
    """Load every area's demo part in order (an area without a `load` adds nothing yet)."""
    for area in AREAS:
        module = import_module(f"{__name__}.{area}")
        hook = getattr(module, "load", None)
        if callable(hook):
            hook(ctx)

"""The business catalogue: loading the 152 GB/T 35617 items and registering the code that implements them.

Services declare their item with `@business_service("01010101")`; API and UI views carry a `catalog_code`
attribute (or a `catalog_codes` tuple); test modules declare `pytestmark = pytest.mark.catalog(...)`.
`manage.py catalog_coverage` derives its report from these registrations.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path

import yaml
from django.conf import settings

CATALOG_FILE = Path(settings.PACKAGE_DIR) / "data" / "business-catalog.yaml"

# code -> list of dotted paths of the services that carry the item out
SERVICE_REGISTRY: dict[str, list[str]] = {}


def business_service(*codes: str) -> Callable:
    """Mark a service function as carrying out the given catalogue item(s)."""

    def decorate(func: Callable) -> Callable:
        for code in codes:
            SERVICE_REGISTRY.setdefault(code, []).append(f"{func.__module__}.{func.__qualname__}")
        func.catalog_codes = codes

        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            return func(*args, **kwargs)

        return wrapper

    return decorate


def iter_catalog_nodes() -> list[dict]:
    """Flatten the YAML tree into dicts with code, parent, name, name_en, description, leaf."""
    doc = yaml.safe_load(CATALOG_FILE.read_text(encoding="utf-8"))
    out: list[dict] = []

    def walk(node: dict, parent: str | None) -> None:
        out.append(
            {
                "code": node["code"],
                "parent": parent,
                "name": node["zh"],
                "name_en": node.get("en", ""),
                "description": node.get("description", ""),
                "leaf": bool(node.get("leaf")),
            }
        )
        for child in node.get("items", []) or []:
            walk(child, node["code"])

    for cluster in doc["clusters"]:
        walk(cluster, None)
    return out


def catalog_view(*codes: str) -> Callable:
    """Mark a UI or API view function as serving the given catalogue item(s) (read by catalog_coverage)."""

    def decorate(view: Callable) -> Callable:
        view.catalog_codes = codes
        return view

    return decorate

"""The business catalogue: loading the 152 GB/T 35617 items, and marking the views that serve them.

Services, appliers and presenters are declared per item in `<app>/items.py` (`shebao.core.items`); API and UI
views carry `catalog_codes` (`@catalog_view(...)` or a class attribute); test modules declare
`pytestmark = pytest.mark.catalog(...)`. `manage.py catalog_coverage` derives its report from these.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import yaml
from django.conf import settings

CATALOG_FILE = Path(settings.PACKAGE_DIR) / "data" / "business-catalog.yaml"


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

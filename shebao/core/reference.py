"""Reference data every database needs (regions, catalogue, grants, parameters, holidays), loaded after migrate."""

from __future__ import annotations

import csv
from pathlib import Path

from django.conf import settings
from django.db import transaction

from .access import DEFAULT_GRANTS
from .catalog import iter_catalog_nodes
from .items import all_grants
from .models import CalendarYear, CatalogItem, Region, RoleGrant, Sequence
from .parameters import load_default_parameters
from .workdays import seed_calendar_from_package

REGIONS_FILE = Path(settings.PACKAGE_DIR) / "data" / "regions-gbt2260.csv"
LEVEL_ORDER = {"province": 0, "prefecture": 1, "county": 2}


def load_regions() -> int:
    """Load GB/T 2260 codes from the CSV in the repo (provinces, prefectures, counties)."""
    with REGIONS_FILE.open(encoding="utf-8") as fh:
        # Prefecture-level cities without counties (东莞, 中山, 儋州) appear twice: keep the prefecture row.
        rows = [r for r in csv.DictReader(fh) if r["code"] != r["parent_code"]]
        rows.sort(key=lambda r: (LEVEL_ORDER[r["level"]], r["code"]))
    existing = set(Region.objects.values_list("code", flat=True))
    new = [
        Region(code=r["code"], name=r["name"], level=r["level"], parent_id=r["parent_code"] or None)
        for r in rows
        if r["code"] not in existing
    ]
    Region.objects.bulk_create(new, batch_size=1000)
    return len(new)


def load_catalog() -> int:
    """Load the 152-leaf GB/T 35617 catalogue (names and descriptions refreshed; local settings kept)."""
    nodes = iter_catalog_nodes()
    existing = {c.code: c for c in CatalogItem.objects.all()}
    new, changed = [], []
    for n in nodes:
        item = existing.get(n["code"])
        if item is None:
            new.append(
                CatalogItem(
                    code=n["code"],
                    parent_id=n["parent"],
                    name=n["name"],
                    name_en=n["name_en"],
                    description=n["description"],
                    is_leaf=n["leaf"],
                )
            )
        elif (item.name, item.description, item.is_leaf) != (n["name"], n["description"], n["leaf"]):
            item.name, item.name_en, item.description, item.is_leaf = (
                n["name"],
                n["name_en"],
                n["description"],
                n["leaf"],
            )
            changed.append(item)
    CatalogItem.objects.bulk_create(new)
    if changed:
        CatalogItem.objects.bulk_update(changed, ["name", "name_en", "description", "is_leaf"])
    return len(new)


def load_grants() -> None:
    """Ship the staff grants once (empty table), and each registered item's grants once per item.

    A marker per item (`Sequence` "grants:<code>") remembers what was shipped, so a grant an agency removed
    is not put back, while an item added by a later release gets its online grants on the next migrate.
    """
    if not RoleGrant.objects.exists():
        RoleGrant.objects.bulk_create(
            [RoleGrant(role=r, item_prefix=p, action=a) for r, p, a in DEFAULT_GRANTS], ignore_conflicts=True
        )
    by_item: dict[str, list[tuple[str, str]]] = {}
    for role, code, action in all_grants():
        by_item.setdefault(code, []).append((role, action))
    shipped = set(Sequence.objects.filter(name__startswith="grants:").values_list("name", flat=True))
    for code, grants in sorted(by_item.items()):
        if f"grants:{code}" in shipped:
            continue
        RoleGrant.objects.bulk_create(
            [RoleGrant(role=r, item_prefix=code, action=a) for r, a in grants], ignore_conflicts=True
        )
        Sequence.objects.create(name=f"grants:{code}", value=1)


def load_reference_data() -> None:
    """Everything a fresh database needs; idempotent and quick when already loaded."""
    with transaction.atomic():
        load_regions()
        load_catalog()
        load_grants()
        if not CalendarYear.objects.exists():
            seed_calendar_from_package()
    load_default_parameters()

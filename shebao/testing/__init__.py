"""Shared test helpers: refusals with nothing saved, row counts, logged-in clients, and the item test mixin.

Import from tests only::

    from shebao.testing import assert_refused, count_rows, api_client_for, login, ItemTestCase
    from shebao.testing import material_files, material_uploads, materials_waiver

The materials helpers hand in a genuine PDF per required material of an item (or record 容缺受理) — explicitly, at
each call: nothing here turns the materials check off.

`ItemTestCase` gives every business item the same checks in the service, the API and the UI; see docs/testing.md
and `shebao/registration/tests/services/test_items_kit.py`.
"""

from .items import (
    WAIVER_REASON,
    ItemTestCase,
    Kit,
    Submission,
    material_files,
    material_pdf,
    material_uploads,
    materials_waiver,
)
from .refusals import (
    RowCounts,
    api_client_for,
    assert_nothing_saved,
    assert_refused,
    count_rows,
    form_data,
    json_of,
    login,
)

__all__ = [
    "WAIVER_REASON",
    "ItemTestCase",
    "Kit",
    "RowCounts",
    "Submission",
    "api_client_for",
    "assert_nothing_saved",
    "assert_refused",
    "count_rows",
    "form_data",
    "json_of",
    "login",
    "material_files",
    "material_pdf",
    "material_uploads",
    "materials_waiver",
]

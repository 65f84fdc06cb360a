"""Core test fixtures: each test gets its own audit anchor file (checkpoints must not leak between tests)."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def anchor_file(settings, tmp_path):
    """A fresh, empty anchor file for the test (the database is rolled back after each test, so is this)."""
    settings.SHEBAO_AUDIT_ANCHOR_FILE = tmp_path / "audit-anchors.jsonl"
    return settings.SHEBAO_AUDIT_ANCHOR_FILE

"""canonical_text: the flat-row fast path (bulk services) stores and hashes exactly what the general path would."""

from __future__ import annotations

import pytest
from django.db import transaction

from shebao.core.audit import (
    AuditEntry,
    _canonical_text_any,
    _masked_flat,
    audit_verify,
    audit_write_many,
    canonical_text,
)
from shebao.core.models import AuditEvent

FLAT_ROWS = [
    # the 01010201 bulk row: already masked by the service, masked again (idempotent)
    {"id_number": "330102********1234", "name": "张伟", "insurances": ["110", "310"], "start_month": "2026-11-01"},
    {"id_number": "11010519491231002X", "employer": 5, "x": None, "ok": True, "rate": 0.5},
    {"holder_id_number": 110105194912310021, "bank_account": "6222021202001234567", "bank_account_name": "工商"},
    {"benefit_bank_account": 12345678, "bank_accountid_number": "6222021202001234567", "short_bank_account": "12"},
    {"id_number": None, "bank_account": ["6222021202001234567"], "xid_number": "110105194912310021"},
    {"name": 'quote " and \\ backslash\n', "id_number": "1101051949\t12310021", "city": "杭州"},
    {"negative_id_number": -42, "empty": "", "list": [1, "a", None, 2.5, False]},
]

GENERAL_ONLY = [
    {"rows": [{"id_number": "11010519491231002X"}]},  # nested
    {"2": "b", "10": "a"},  # keys that look like numbers
    {"id_number": 1.5},  # a float where a secret is expected
    {'odd"key_id_number': "110105194912310021"},  # a key JSON escapes
    {"line\nbreak_id_number": "110105194912310021"},
    {"amount": object()},  # needs the default serialiser
]


@pytest.mark.parametrize("row", FLAT_ROWS)
def test_flat_rows_take_the_fast_path_and_give_the_general_text(row):
    assert _masked_flat(row) is not None
    assert canonical_text(row) == _canonical_text_any(row)


@pytest.mark.parametrize("row", GENERAL_ONLY, ids=range(len(GENERAL_ONLY)))
def test_other_values_take_the_general_path(row):
    assert _masked_flat(row) is None


def test_fast_path_masks_secrets():
    text = canonical_text({"id_number": "11010519491231002X", "bank_account": "6222021202001234567"})
    assert "11010519491231002X" not in text and "6222021202001234567" not in text
    assert '"id_number":"110105********002X"' in text


@pytest.mark.django_db
def test_bulk_rows_written_by_the_fast_path_verify():
    with transaction.atomic():
        audit_write_many(
            actor=None,
            entries=[AuditEntry("person.enrol", "person", str(i), None, row) for i, row in enumerate(FLAT_ROWS)],
        )
    assert AuditEvent.objects.count() == len(FLAT_ROWS)
    assert AuditEvent.objects.get(object_id="0").after["name"] == "张伟"
    assert audit_verify().ok

"""020301: the receivable ledger's references, checked set-wise (the ledger has no per-row constraint triggers).

The ledger takes millions of lines a month; its references (agency, employer, person, insurance type, owning run,
case, reversed line) are guaranteed by its writers — every line is selected from the rows it names — and verified
here, one anti-join per reference. `manage.py contributions check-ledger` runs it (e.g. nightly); a test plants an
orphan and sees it reported.
"""

from __future__ import annotations

from django.db import connection

from ..models import Receivable

# column → (referenced table, its key)
REFERENCES = {
    "agency_id": ("core_agency", "id"),
    "employer_id": ("registration_employer", "id"),
    "person_id": ("registration_person", "id"),
    "insurance_type_id": ("registration_insurancetype", "code"),
    "batch_run_id": ("core_batchrun", "id"),
    "case_id": ("core_case", "id"),
    "reverses_id": ("contributions_receivable", "id"),
}


def ledger_orphans() -> dict[str, int]:
    """column → number of ledger lines naming a row that does not exist (only columns with any)."""
    table = Receivable._meta.db_table
    found: dict[str, int] = {}
    with connection.cursor() as cur:
        for column, (target, key) in REFERENCES.items():
            cur.execute(
                f"SELECT count(*) FROM {table} r WHERE r.{column} IS NOT NULL"  # table and column names from REFERENCES
                f" AND NOT EXISTS (SELECT 1 FROM {target} t WHERE t.{key} = r.{column})"
            )
            count = cur.fetchone()[0]
            if count:
                found[column] = count
    return found

"""020301: the ledger's references are checked set-wise (it has no per-row constraint triggers)."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from shebao.contributions.models import Receivable
from shebao.contributions.services.assessment import assessment_start
from shebao.contributions.services.assessment_checks import ledger_orphans
from shebao.core.batch import batch_run

from ..builders import unit

pytestmark = [pytest.mark.django_db, pytest.mark.catalog("020301")]


def test_an_assessed_ledger_has_no_orphans_and_a_planted_one_is_reported(agencies, clerk):
    unit(agencies["a"], persons=2)
    batch_run(assessment_start(actor=clerk, month="2026-10"))
    assert ledger_orphans() == {}
    out = StringIO()
    call_command("contributions", "check-ledger", stdout=out)
    assert "引用完整" in out.getvalue()
    line = Receivable.objects.filter(person__isnull=False).first()
    with connection.cursor() as cur:  # a line naming a person that does not exist (no constraint refuses it)
        cur.execute(
            "INSERT INTO contributions_receivable (kind, agency_id, employer_id, person_id, insurance_type_id, period,"
            " base, employer_rate, employer_amount, individual_rate, individual_amount, due_date, note, created_at)"
            " SELECT 'adjustment', agency_id, employer_id, 987654321, insurance_type_id, period, base, employer_rate,"
            " employer_amount, individual_rate, individual_amount, due_date, '', created_at"
            " FROM contributions_receivable WHERE id = %s",
            [line.pk],
        )
    assert ledger_orphans() == {"person_id": 1}
    with pytest.raises(CommandError, match="person_id 1 条"):
        call_command("contributions", "check-ledger", stdout=StringIO())

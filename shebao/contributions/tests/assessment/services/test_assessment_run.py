"""020301: the monthly assessment run — person lines per type and part, rates, work injury, flexible workers."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from shebao.contributions.choices import ReceivableKind
from shebao.contributions.models import Receivable
from shebao.contributions.services.assessment import assessment_start
from shebao.core.batch import batch_run
from shebao.core.batch_models import BatchStatus

from ..builders import unit

pytestmark = [pytest.mark.django_db, pytest.mark.catalog("020301")]

OCT = dt.date(2026, 10, 1)


def _run(clerk, month="2026-10", **kw):
    run = batch_run(assessment_start(actor=clerk, month=month, **kw))
    assert run.status == BatchStatus.DONE, run.error
    return run


def _lines(**kw):
    return {
        (r.person_id, r.insurance_type_id): (
            r.base,
            r.employer_rate,
            r.employer_amount,
            r.individual_rate,
            r.individual_amount,
        )
        for r in Receivable.objects.filter(**kw)
    }


def test_each_person_type_and_part_at_the_rates_in_force(agencies, clerk):
    employer, people = unit(agencies["a"], persons=2, bases=("5000.00", "12345.67"))
    run = _run(clerk)
    lines = _lines(batch_run=run)
    assert len(lines) == 8
    p = people[1].pk
    # 杭州市 (330100) demo rates: 110 16% / 8%, 210 0.5% / 0.5%, 310 9.5% / 2%; 410 class 1 base rate 0.2% × 1.0
    assert lines[(p, "110")] == (
        Decimal("12345.67"),
        Decimal("0.16"),
        Decimal("1975.31"),
        Decimal("0.08"),
        Decimal("987.65"),
    )
    assert lines[(p, "310")][2:] == (Decimal("1172.84"), Decimal("0.02"), Decimal("246.91"))
    assert lines[(p, "410")][1:] == (Decimal("0.002"), Decimal("24.69"), Decimal("0"), Decimal("0.00"))
    line = Receivable.objects.get(person=people[0], insurance_type_id="110", period=OCT)
    assert (line.kind, line.employer_id, line.agency_id, line.due_date) == (
        ReceivableKind.ASSESSMENT,
        employer.pk,
        agencies["a"].pk,
        dt.date(2026, 10, 15),
    )

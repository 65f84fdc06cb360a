"""02020101 region-wide initial determination (`contributions determine-rates`): set-based, idempotent, skipping
what needs a case, audited per rate."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from shebao.contributions.choices import ReceivableKind
from shebao.contributions.models import EmployerRate, Receivable
from shebao.contributions.services.rates import employer_rate_determine
from shebao.contributions.services.rates_bulk import employer_rate_determine_region
from shebao.core.errors import ApplicationError
from shebao.core.models import AuditEvent
from shebao.registration.choices import EmployerStatus
from shebao.registration.models import EmployerInsurance
from shebao.registration.tests.factories import EmployerFactory

from ..conftest import month_add, rated_employer, this_month

pytestmark = [pytest.mark.django_db, pytest.mark.catalog("02020101")]


def _rates() -> dict:
    return {
        r.employer_id: (r.valid_from, r.risk_class, r.float_grade, r.employer_rate, r.case_id)
        for r in EmployerRate.objects.all()
    }


def test_every_unrated_unit_of_the_region_gets_its_class_rate(agencies, clerk):
    start = month_add(this_month(), -5)
    units = [EmployerFactory(agency=agencies["a"], injury_risk_class=c, registered_on=start) for c in (1, 3, 8)]
    late = EmployerFactory(agency=agencies["b"], injury_risk_class=2, registered_on=month_add(this_month(), -1))
    rated = rated_employer(agencies["a"], risk_class=1, grade="1.5", rate="0.003")
    no_injury = EmployerFactory(agency=agencies["a"], insurances=["110", "310"])
    cancelled = EmployerFactory(agency=agencies["a"], status=EmployerStatus.CANCELLED)
    pending = EmployerFactory(agency=agencies["a"])
    employer_rate_determine(actor=clerk, employer=pending)  # an open rate case: left to its case
    assessed = EmployerFactory(agency=agencies["a"], registered_on=start)
    Receivable.objects.create(
        kind=ReceivableKind.ASSESSMENT,
        agency=assessed.agency,
        employer=assessed,
        insurance_type_id="410",
        period=this_month(),
        due_date=this_month(),
    )
    before = _rates()
    audit_before = AuditEvent.objects.count()
    result = employer_rate_determine_region(region="330100", from_month=f"{month_add(start, 2):%Y-%m}")
    after = _rates()
    assert result.created == 4 and result.by_class == {1: 1, 2: 1, 3: 1, 8: 1}
    assert result.skipped_assessed == 1
    first = month_add(start, 2)
    assert after[units[0].pk][:4] == (first, 1, Decimal("1.000"), Decimal("0.002"))
    assert after[units[1].pk][:4] == (first, 3, Decimal("1.000"), Decimal("0.007"))
    assert after[units[2].pk][:4] == (first, 8, Decimal("1.000"), Decimal("0.019"))
    assert after[late.pk][:4] == (month_add(this_month(), -1), 2, Decimal("1.000"), Decimal("0.004"))  # its own start
    assert after[rated.pk] == before[rated.pk]
    for skipped in (no_injury, cancelled, pending, assessed):
        assert skipped.pk not in after
    events = AuditEvent.objects.filter(action="employer_rate.determine_region")
    assert events.count() == 4 and AuditEvent.objects.count() == audit_before + 4
    assert {e.item_code for e in events} == {"02020101"}

    again = employer_rate_determine_region(region="330100", from_month=f"{first:%Y-%m}")
    assert again.created == 0 and _rates() == after  # rerun adds nothing


def test_region_limits_the_agencies(agencies):
    a = EmployerFactory(agency=agencies["a"])
    b = EmployerFactory(agency=agencies["b"])
    result = employer_rate_determine_region(region="330105", from_month=f"{this_month():%Y-%m}")
    assert result.created == 1 and set(_rates()) == {b.pk} and a.pk not in _rates()


def test_a_grade_not_offered_for_a_class_leaves_that_class_out(agencies):
    one = EmployerFactory(agency=agencies["a"], injury_risk_class=1)
    two = EmployerFactory(agency=agencies["a"], injury_risk_class=2)
    result = employer_rate_determine_region(region="330102", from_month=f"{this_month():%Y-%m}", float_grade="0.5")
    assert result.created == 1 and set(_rates()) == {two.pk}
    assert 1 in result.classes_refused and one.pk not in _rates()
    assert _rates()[two.pk][3] == Decimal("0.002")


def test_a_clerk_runs_it_within_their_scope_only(agencies, clerk_b):
    EmployerFactory(agency=agencies["a"])
    b = EmployerFactory(agency=agencies["b"])
    result = employer_rate_determine_region(actor=clerk_b, region="330100", from_month=f"{this_month():%Y-%m}")
    assert result.created == 1 and set(_rates()) == {b.pk}
    event = AuditEvent.objects.get(action="employer_rate.determine_region")
    assert event.actor_id == clerk_b.pk


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"region": "999999", "from_month": "2026-01"}, "region"),
        ({"region": "330100", "from_month": "2026/01"}, "from_month"),
        ({"region": "330100", "from_month": "2026-01", "float_grade": "x"}, "float_grade"),
    ],
)
def test_bad_input_names_the_option_and_writes_nothing(agencies, kwargs, field):
    EmployerFactory(agency=agencies["a"])
    with pytest.raises(ApplicationError) as exc:
        employer_rate_determine_region(**kwargs)
    assert field in exc.value.errors and not EmployerRate.objects.exists()


def test_the_management_command(agencies):
    EmployerFactory(agency=agencies["a"], injury_risk_class=6)
    out = StringIO()
    call_command(
        "contributions", "determine-rates", "--region", "330100", "--from", f"{this_month():%Y-%m}", stdout=out
    )
    assert "核定 1 个单位" in out.getvalue() and "第6类行业：1 个" in out.getvalue()
    assert EmployerRate.objects.get().employer_rate == Decimal("0.013")
    with pytest.raises(CommandError, match="from_month"):
        call_command("contributions", "determine-rates", "--region", "330100", "--from", "bad", stdout=StringIO())
    with pytest.raises(CommandError, match="不存在"):
        call_command(
            "contributions",
            "determine-rates",
            "--region",
            "330100",
            "--from",
            "2026-01",
            "--user",
            "nobody",
            stdout=StringIO(),
        )


def test_removed_work_injury_insurance_is_skipped(agencies):
    unit = EmployerFactory(agency=agencies["a"])
    EmployerInsurance.objects.filter(employer=unit, insurance_type_id="410").update(
        active=False, end_month=dt.date(2026, 1, 1)
    )
    assert employer_rate_determine_region(region="330100", from_month="2026-01").created == 0


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks of PostgreSQL")
def test_two_runs_at_once_rate_each_unit_once(agencies):
    import threading

    from django.db import connection as conn

    from ..conftest import load_test_parameters

    load_test_parameters()
    units = [EmployerFactory(agency=agencies["a" if i % 2 else "b"]) for i in range(30)]
    results, errors = [], []
    barrier = threading.Barrier(2)

    def run():
        try:
            barrier.wait()
            results.append(employer_rate_determine_region(region="330100", from_month=f"{this_month():%Y-%m}").created)
        except Exception as exc:
            errors.append(exc)
        finally:
            conn.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and sorted(results) == [0, 30]
    assert EmployerRate.objects.count() == 30 == len({u.pk for u in units})

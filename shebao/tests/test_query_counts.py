"""No per-row queries on list and detail pages: the number of SQL queries of a page (or API list) is the same
with 2 rows as with 20 rows shown (case list, dashboard, employer and person lists and details, list APIs)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from shebao.core.audit import audit_write
from shebao.core.choices import CaseStatus, Channel
from shebao.core.tests.factories import CaseFactory
from shebao.registration.choices import EnrolmentStatus
from shebao.registration.tests.factories import EmployerFactory, EnrolmentFactory, PersonFactory
from shebao.testing import api_client_for, login

pytestmark = pytest.mark.django_db

FEW, MANY = 2, 20  # 20 = one full page of every list


def _queries(get: Callable) -> tuple[int, list[str]]:
    """SQL statements of one request (after a warm-up request: session, grants and reference caches)."""
    assert get().status_code == 200
    with CaptureQueriesContext(connection) as ctx:
        res = get()
    assert res.status_code == 200, res.content[:500]
    return len(ctx), [q["sql"] for q in ctx.captured_queries]


def assert_constant_queries(get: Callable, grow: Callable[[int], None]) -> int:
    """Grow the data to FEW rows, count the queries of `get`, grow to MANY rows, count again: they must agree."""
    grow(FEW)
    few, _ = _queries(get)
    grow(MANY)
    many, sql = _queries(get)
    assert many == few, f"{few} queries with {FEW} rows, {many} with {MANY} (per-row queries):\n" + "\n".join(sql)
    return many


class Rows:
    """Builds rows up to a count (only the missing ones), so one test measures FEW, then MANY."""

    def __init__(self, make: Callable[[int], object]):
        self.make, self.made = make, 0

    def __call__(self, n: int) -> None:
        while self.made < n:
            self.make(self.made)
            self.made += 1


@pytest.fixture
def unit(agencies):
    return EmployerFactory(agency=agencies["a"])


def _case(clerk, unit, i: int, **extra):
    person = PersonFactory(employer=unit)
    return CaseFactory(
        item_code="01010202" if i % 2 else "01010101",
        agency=unit.agency,
        employer=unit,
        person=person,
        submitted_by=clerk,
        handler=clerk,
        **extra,
    )


def _history(actor, kind: str, obj, i: int, other) -> None:
    """An audit event about obj whose before/after name regions, employers and agencies (shown by name)."""
    before = {"employer": other.pk, "agency": other.agency_id, "region": other.region_id, "phone": f"1370000{i:04d}"}
    after = {"employer": obj.pk if kind == "employer" else obj.employer_id, "agency": obj.agency_id, "phone": "1"}
    if kind == "employer":
        after["region"] = obj.region_id
    with transaction.atomic():
        audit_write(
            actor=actor,
            action=f"{kind}.change",
            item_code="01010102",
            object_type=kind,
            object_id=obj.pk,
            before=before,
            after=after,
        )


# --- workbench pages --------------------------------------------------------------------------------------------


def test_case_list(client, clerk, unit):
    login(client, clerk)
    assert_constant_queries(lambda: client.get(reverse("core:case-list")), Rows(lambda i: _case(clerk, unit, i)))


def test_dashboard_of_a_clerk(client, clerk, unit):
    login(client, clerk)

    def make(i):
        status = CaseStatus.SUBMITTED if i % 2 else CaseStatus.ACCEPTED
        _case(clerk, unit, i, status=status, channel=Channel.ONLINE if i % 2 else Channel.WINDOW)

    assert_constant_queries(lambda: client.get(reverse("core:dashboard")), Rows(make))


def test_dashboard_of_a_reviewer(client, clerk, reviewer, unit):
    login(client, reviewer)
    assert_constant_queries(lambda: client.get(reverse("core:dashboard")), Rows(lambda i: _case(clerk, unit, i)))


def test_employer_list(client, clerk, agencies):
    login(client, clerk)
    rows = Rows(lambda i: EmployerFactory(agency=agencies["a"]))
    assert_constant_queries(lambda: client.get(reverse("registration:employer-list")), rows)


def test_employer_detail(client, clerk, unit, agencies):
    login(client, clerk)
    others = [EmployerFactory(agency=agencies["b"]) for _ in range(3)]

    def make(i):
        PersonFactory(employer=unit)
        _case(clerk, unit, i)
        _history(clerk, "employer", unit, i, others[i % 3])

    assert_constant_queries(lambda: client.get(reverse("registration:employer-detail", args=[unit.pk])), Rows(make))
    html = client.get(reverse("registration:employer-detail", args=[unit.pk])).content.decode()
    assert others[0].name in html and agencies["b"].name in html and "拱墅区" in html  # history shows names


def test_person_list(client, clerk, unit):
    login(client, clerk)
    rows = Rows(lambda i: PersonFactory(employer=unit))
    assert_constant_queries(lambda: client.get(reverse("registration:person-list")), rows)


def test_person_detail(client, clerk, unit, agencies):
    login(client, clerk)
    person = PersonFactory(employer=unit)
    others = [EmployerFactory(agency=agencies["b"]) for _ in range(3)]

    def make(i):
        EnrolmentFactory(person=person, insurance_type_id="410", status=EnrolmentStatus.ENDED, employer=others[i % 3])
        CaseFactory(agency=unit.agency, person=person, employer=unit, submitted_by=clerk, handler=clerk)
        _history(clerk, "person", person, i, others[i % 3])

    assert_constant_queries(lambda: client.get(reverse("registration:person-detail", args=[person.pk])), Rows(make))
    html = client.get(reverse("registration:person-detail", args=[person.pk])).content.decode()
    assert others[1].name in html and agencies["b"].name in html  # history shows names, not ids


# --- list APIs --------------------------------------------------------------------------------------------------


def test_case_list_api(clerk, unit):
    api = api_client_for(clerk)
    assert_constant_queries(lambda: api.get("/api/v1/cases/"), Rows(lambda i: _case(clerk, unit, i)))


def test_employer_list_api(clerk, agencies):
    api = api_client_for(clerk)
    assert_constant_queries(
        lambda: api.get("/api/v1/employers/"), Rows(lambda i: EmployerFactory(agency=agencies["a"]))
    )


def test_person_list_api(clerk, unit):
    api = api_client_for(clerk)
    assert_constant_queries(lambda: api.get("/api/v1/persons/"), Rows(lambda i: PersonFactory(employer=unit)))


# --- batch runs -------------------------------------------------------------------------------------------------


def _batch_run(clerk, i):
    from shebao.core.batch_models import BatchRun

    return BatchRun.objects.create(
        kind="batchapp.echo", region_id="330102", period=f"20{10 + i // 12}-{i % 12 + 1:02d}-01", started_by=clerk
    )


def test_batch_list(client, clerk):
    login(client, clerk)
    assert_constant_queries(lambda: client.get(reverse("core:batch-list")), Rows(lambda i: _batch_run(clerk, i)))


def test_batch_list_api(clerk):
    api = api_client_for(clerk)
    assert_constant_queries(lambda: api.get("/api/v1/batch-runs/"), Rows(lambda i: _batch_run(clerk, i)))

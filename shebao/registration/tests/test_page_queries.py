"""Lists and detail pages run a fixed number of SQL queries, however many rows they show (no per-row queries)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from shebao.core.cases import case_approve
from shebao.registration.services import employer_change, person_change
from shebao.testing import material_files

pytestmark = [pytest.mark.django_db, pytest.mark.catalog("01010102", "01010202")]


def _queries(client, url: str) -> int:
    client.get(url)  # warm caches (session, grants)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx)


def test_employer_detail_queries_do_not_grow_with_employees_or_history(
    client, clerk, reviewer, agencies, make_employer, make_person
):
    small, big = make_employer(), make_employer()
    make_person(small)
    for _ in range(4):
        make_person(big)
    case = employer_change(
        actor=clerk,
        employer=big,
        changes={"region": "330106", "contact_name": "赵六"},
        materials=material_files("01010102"),
    )
    case_approve(actor=reviewer, case=case)
    client.force_login(clerk)
    one = _queries(client, reverse("registration:employer-detail", args=[small.pk]))
    many = _queries(client, reverse("registration:employer-detail", args=[big.pk]))
    assert one == many
    html = client.get(reverse("registration:employer-detail", args=[big.pk])).content.decode()
    assert "330106" in html and "西湖区" in html  # the region is shown by name in the history


def test_person_detail_queries_do_not_grow_with_history(client, clerk, reviewer, make_employer, make_person):
    employer = make_employer()
    quiet, busy = make_person(employer), make_person(employer)
    for phone in ("13700000001", "13700000002", "13700000003"):
        case_approve(actor=reviewer, case=person_change(actor=clerk, person=busy, changes={"phone": phone}))
    client.force_login(clerk)
    assert _queries(client, reverse("registration:person-detail", args=[quiet.pk])) == _queries(
        client, reverse("registration:person-detail", args=[busy.pk])
    )


def test_search_lists_queries_do_not_grow_with_rows(client, clerk, make_employer, make_person):
    employer = make_employer()
    make_person(employer, name="钱一")
    client.force_login(clerk)
    one = _queries(client, reverse("registration:person-list") + "?q=钱一")
    for name in ("钱二", "钱三", "钱四"):
        make_person(employer, name=name)
    assert _queries(client, reverse("registration:person-list") + "?q=钱") == one

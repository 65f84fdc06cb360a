"""No per-row queries on the 1107 lists: the access-log page and API and the export-request list issue the same
number of SQL queries with 2 rows as with 20 (see shebao/tests/test_query_counts.py)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from shebao.conftest import make_user
from shebao.core.choices import Role
from shebao.core.masking import personal_view
from shebao.operations.services.security import pd_export_request
from shebao.registration.tests.factories import PersonFactory
from shebao.testing import api_client_for, login
from shebao.tests.test_query_counts import Rows, assert_constant_queries

from ..helpers import unit_with_employees

pytestmark = [pytest.mark.django_db, pytest.mark.catalog("1107")]


def test_access_log_page_and_api_queries_do_not_grow_with_rows(client, agencies, clerk):
    employer, _ = unit_with_employees(agencies["a"], 1)
    auditor = make_user(Role.AUDITOR, agencies["a"])

    def view(i: int) -> None:
        person = PersonFactory(employer=employer)
        personal_view(clerk, {"id_number": person.id_number}, object_type="person", object_id=person.pk, where="详情")

    rows = Rows(view)
    login(client, auditor)
    assert_constant_queries(lambda: client.get(reverse("operations:security-access-log")), rows)
    api = api_client_for(auditor)
    assert_constant_queries(lambda: api.get("/api/v1/security/access-log/"), rows)


def test_export_list_queries_do_not_grow_with_rows(client, agencies, clerk):
    def request(i: int) -> None:
        employer, _ = unit_with_employees(agencies["a"], 1)
        pd_export_request(actor=clerk, kind="employees", filters={"employer": employer.pk}, reason="稽核抽查名单")

    rows = Rows(request)
    login(client, clerk)
    assert_constant_queries(lambda: client.get(reverse("operations:security-exports")), rows)
    api = api_client_for(clerk)
    assert_constant_queries(lambda: api.get("/api/v1/security/exports/"), rows)

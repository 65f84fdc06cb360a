"""1105 pages and list APIs issue the same number of SQL queries with 2 rows as with 20 (no per-row queries)."""

from __future__ import annotations

import pytest

from shebao.conftest import make_user
from shebao.core.activity import KIND_SEARCH, activity_record
from shebao.core.choices import Role
from shebao.testing import api_client_for, login
from shebao.tests.test_query_counts import Rows, assert_constant_queries

pytestmark = [pytest.mark.django_db, pytest.mark.catalog("1105")]


def test_user_list_page_and_api(client, admin_a, agencies):
    rows = Rows(lambda n: make_user(Role.CLERK, agencies["a"], username=f"qc_clerk_{n}"))
    login(client, admin_a)
    assert_constant_queries(lambda: client.get("/operations/admin/users/"), rows)
    api = api_client_for(admin_a)
    assert_constant_queries(lambda: api.get("/api/v1/admin/users/"), rows)


def test_activity_page_and_api(client, admin_a, agencies):
    def grow(n: int) -> None:
        activity_record(make_user(Role.CLERK, agencies["a"], username=f"qc_active_{n}"), KIND_SEARCH, count=3)

    login(client, admin_a)
    assert_constant_queries(lambda: client.get("/operations/admin/activity/"), Rows(grow))

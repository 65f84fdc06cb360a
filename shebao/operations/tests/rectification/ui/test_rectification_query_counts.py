"""111103 list page and API issue the same number of SQL queries with 2 tasks as with 20."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from shebao.operations.services.rectification import rectification_create
from shebao.testing import api_client_for, login
from shebao.tests.test_query_counts import Rows, assert_constant_queries

pytestmark = [pytest.mark.django_db, pytest.mark.catalog("111103")]


def test_list_page_and_api(client, admin_a, clerk):
    rows = Rows(
        lambda n: rectification_create(
            actor=admin_a,
            source="other",
            title=f"问题{n}",
            description="说明",
            owner_id=clerk.pk,
            deadline=timezone.localdate() + dt.timedelta(days=n),
        )
    )
    login(client, admin_a)
    assert_constant_queries(lambda: client.get("/operations/rectifications/"), rows)
    api = api_client_for(admin_a)
    assert_constant_queries(lambda: api.get("/api/v1/rectifications/"), rows)

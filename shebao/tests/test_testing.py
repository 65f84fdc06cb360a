"""The shared test kit checks what it claims: `assert_refused` fails on success, on rows written, on a missing
field and on a wrong status; `api_client_for` and `login` authenticate."""

from __future__ import annotations

import pytest
from django.urls import reverse

from shebao.core.errors import ApplicationError, NotFoundError
from shebao.core.models import Agency
from shebao.core.tests.factories import AgencyFactory, ClerkFactory
from shebao.testing import api_client_for, assert_nothing_saved, assert_refused, count_rows, login

pytestmark = pytest.mark.django_db


def _refuse(field="name"):
    raise ApplicationError("名称不能为空", field=field)


def test_a_refusal_is_returned():
    error = assert_refused(_refuse, field="name", status=400, message_contains="不能为空", nothing_saved=[Agency])
    assert error.errors == {"name": ["名称不能为空"]}
    assert assert_refused(lambda: _refuse("a") or _refuse("b"), field=("a",)).errors == {"a": ["名称不能为空"]}


def test_a_success_is_not_a_refusal():
    with pytest.raises(pytest.fail.Exception, match="expected a refusal"):
        assert_refused(lambda: 1)


def test_rows_written_before_the_refusal_fail_the_check():
    def half_saved():
        AgencyFactory()
        _refuse()

    with pytest.raises(AssertionError, match="rows were written"):
        assert_refused(half_saved, nothing_saved=[Agency])


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [({"field": "other"}, "no error for field"), ({"status": 404}, "expected 404"), ({"message_contains": "X"}, "X")],
)
def test_wrong_field_status_or_message_fail_the_check(kwargs, match):
    with pytest.raises(AssertionError, match=match):
        assert_refused(_refuse, **kwargs)


def test_not_found_status():
    def missing():
        raise NotFoundError("不存在")

    assert isinstance(assert_refused(missing, status=404), NotFoundError)


def test_responses_json_and_html(client):
    clerk = ClerkFactory()
    api = api_client_for(clerk)
    before = count_rows(Agency)
    body = assert_refused(api.get("/api/v1/cases/999999/"), status=404, nothing_saved=before)
    assert "detail" in body
    assert_refused(lambda: api.get("/api/v1/cases/", {"status": "bogus"}), status=400, field="status")
    assert api_client_for(None).get("/api/v1/cases/").status_code == 401
    with pytest.raises(AssertionError, match="expected a 4xx"):
        assert_refused(api.get("/api/v1/cases/"))
    with pytest.raises(TypeError):
        assert_refused(api.get("/api/v1/cases/999999/"), nothing_saved=[Agency])
    login(client, clerk)
    assert client.get(reverse("core:case-list")).status_code == 200


def test_assert_nothing_saved():
    before = count_rows(Agency)
    assert_nothing_saved(before)
    AgencyFactory()
    with pytest.raises(AssertionError):
        assert_nothing_saved(before)

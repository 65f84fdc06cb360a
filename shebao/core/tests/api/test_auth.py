"""API login: token for username and password, and the django-axes lockout after repeated failures."""

from __future__ import annotations

import pytest
from django.test import override_settings

from shebao.conftest import make_user
from shebao.core.choices import Role

pytestmark = [pytest.mark.django_db]

TOKEN = "/api/v1/auth/token/"
PASSWORD = "Shebao@2026!"


def test_token_for_valid_credentials(api, clerk):
    res = api().post(TOKEN, {"username": "clerk_a", "password": PASSWORD}, format="json")
    assert res.status_code == 200, res.json()
    body = res.json()
    assert (body["username"], body["role"], body["agency"]) == ("clerk_a", "clerk", "330102")
    listed = api().get("/api/v1/cases/", HTTP_AUTHORIZATION=f"Token {body['token']}")
    assert listed.status_code == 200


def test_wrong_password_is_400_naming_the_field(api, clerk):
    res = api().post(TOKEN, {"username": "clerk_a", "password": "wrong-password"}, format="json")
    assert res.status_code == 400
    assert res.json()["errors"] == {"password": ["用户名或密码错误"]}
    assert "token" not in res.json()


def test_missing_fields(api):
    res = api().post(TOKEN, {"username": "x"}, format="json")
    assert res.status_code == 400
    assert "password" in res.json()["errors"]


def test_inactive_user_gets_no_token(api, agencies):
    make_user(Role.CLERK, agencies["a"], username="gone", is_active=False)
    res = api().post(TOKEN, {"username": "gone", "password": PASSWORD}, format="json")
    assert res.status_code == 400


@override_settings(AXES_ENABLED=True, AXES_FAILURE_LIMIT=5)
def test_lockout_after_five_failures(api, clerk):
    client = api()
    codes = [
        client.post(TOKEN, {"username": "clerk_a", "password": f"wrong-{i}"}, format="json").status_code
        for i in range(5)
    ]
    assert codes[:4] == [400, 400, 400, 400]
    assert codes[4] == 429  # the fifth failure reaches the limit and locks at once
    locked = client.post(TOKEN, {"username": "clerk_a", "password": PASSWORD}, format="json")
    assert locked.status_code == 429
    assert "锁定" in locked.json()["detail"]
    assert "token" not in locked.json()


@override_settings(AXES_ENABLED=True, AXES_FAILURE_LIMIT=5)
def test_lockout_is_per_username(api, clerk, reviewer):
    client = api()
    for i in range(6):
        client.post(TOKEN, {"username": "clerk_a", "password": f"wrong-{i}"}, format="json")
    other = client.post(TOKEN, {"username": "reviewer_a", "password": PASSWORD}, format="json")
    assert other.status_code == 200


def test_success_resets_failure_count(api, clerk):
    client = api()
    for i in range(4):
        client.post(TOKEN, {"username": "clerk_a", "password": f"wrong-{i}"}, format="json")
    assert client.post(TOKEN, {"username": "clerk_a", "password": PASSWORD}, format="json").status_code == 200
    for i in range(4):
        client.post(TOKEN, {"username": "clerk_a", "password": f"again-{i}"}, format="json")
    assert client.post(TOKEN, {"username": "clerk_a", "password": PASSWORD}, format="json").status_code == 200

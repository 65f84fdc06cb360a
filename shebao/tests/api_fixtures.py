"""API test fixtures shared by the app test packages: token-authenticated clients and case approval."""

from __future__ import annotations

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient


@pytest.fixture
def api():
    """A factory: `api(user)` gives an APIClient that sends the user's token."""

    def _client(user=None) -> APIClient:
        client = APIClient()
        if user is not None:
            token, _ = Token.objects.get_or_create(user=user)
            client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        return client

    return _client


@pytest.fixture
def approve(api, reviewer):
    """Approve a case through the API as the reviewer of agency a; returns the case JSON."""

    def _approve(case_id: int, user=None) -> dict:
        res = api(user or reviewer).post(f"/api/v1/cases/{case_id}/approve/", {}, format="json")
        assert res.status_code == 200, res.json()
        assert res.json()["status"] == "completed"
        return res.json()

    return _approve

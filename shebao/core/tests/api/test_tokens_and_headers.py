"""API tokens expire and are revoked (logout, the 接口令牌 page); personal data is never cached; a strict CSP."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import override_settings
from django.utils import timezone
from rest_framework.authtoken.models import Token

from shebao.registration.models import Person

pytestmark = [pytest.mark.django_db]

TOKEN = "/api/v1/auth/token/"
PASSWORD = "Shebao@2026!"


def _login(api, username="clerk_a") -> str:
    res = api().post(TOKEN, {"username": username, "password": PASSWORD}, format="json")
    assert res.status_code == 200, res.json()
    return res.json()["token"]


def _age(key: str, hours: float) -> None:
    Token.objects.filter(key=key).update(created=timezone.now() - dt.timedelta(hours=hours))


# --- expiry -----------------------------------------------------------------------------------------------------


def test_token_older_than_ttl_is_401_in_chinese(api, clerk):
    key = _login(api)
    _age(key, 7.9)
    assert api().get("/api/v1/cases/", HTTP_AUTHORIZATION=f"Token {key}").status_code == 200
    _age(key, 8.01)
    res = api().get("/api/v1/cases/", HTTP_AUTHORIZATION=f"Token {key}")
    assert res.status_code == 401
    assert res.json() == {"detail": "令牌已过期，请重新登录获取令牌"}
    assert not Token.objects.filter(key=key).exists()


@override_settings(SHEBAO_TOKEN_TTL_HOURS=1)
def test_ttl_comes_from_settings_and_login_issues_a_fresh_token(api, clerk):
    key = _login(api)
    _age(key, 1.5)
    assert api().get("/api/v1/cases/", HTTP_AUTHORIZATION=f"Token {key}").status_code == 401
    old = _login(api)
    _age(old, 2)
    new = _login(api)
    assert new != old
    assert api().get("/api/v1/cases/", HTTP_AUTHORIZATION=f"Token {new}").status_code == 200


def test_unknown_token_is_401_in_chinese(api):
    res = api().get("/api/v1/cases/", HTTP_AUTHORIZATION="Token " + "0" * 40)
    assert (res.status_code, res.json()) == (401, {"detail": "令牌无效，请重新登录获取令牌"})


# --- revocation -------------------------------------------------------------------------------------------------


def test_ui_logout_revokes_the_api_token(api, client, clerk):
    key = _login(api)
    client.force_login(clerk)
    assert client.post("/logout/").status_code == 302
    assert api().get("/api/v1/cases/", HTTP_AUTHORIZATION=f"Token {key}").status_code == 401


def test_token_page_shows_expiry_and_revokes(api, client, clerk):
    client.force_login(clerk)
    page = client.get("/account/api-token/").content.decode()
    assert "您当前没有接口令牌" in page
    key = _login(api)
    issued = Token.objects.get(key=key).created
    page = client.get("/account/api-token/").content.decode()
    expires = timezone.localtime(issued + dt.timedelta(hours=8))
    assert "有效" in page
    assert f"{expires:%Y-%m-%d %H:%M}" in page
    assert key not in page  # the page never shows the secret
    res = client.post("/account/api-token/", follow=True)
    assert "接口令牌已撤销" in res.content.decode()
    assert api().get("/api/v1/cases/", HTTP_AUTHORIZATION=f"Token {key}").status_code == 401


def test_token_page_needs_login(client):
    res = client.get("/account/api-token/")
    assert res.status_code == 302 and "/login/" in res["Location"]


# --- caching ----------------------------------------------------------------------------------------------------


def _no_store(res) -> bool:
    return "no-store" in res.get("Cache-Control", "")


def test_personal_data_is_never_cached(api, client, clerk, make_employer, make_person):
    person = make_person(make_employer())
    client.force_login(clerk)
    for path in (f"/registration/persons/{person.pk}/", "/registration/persons/", "/", "/cases/"):
        assert _no_store(client.get(path)), path
    api_res = api(clerk).get(f"/api/v1/persons/{person.pk}/")
    assert api_res.status_code == 200
    assert _no_store(api_res)
    assert Person.objects.count() == 1


def test_anonymous_responses_are_not_forced_no_store(client):
    assert not _no_store(client.get("/api/schema/"))  # a 401 for an anonymous caller: nothing personal


# --- Content-Security-Policy --------------------------------------------------------------------------------------


def _csp(res) -> dict[str, list[str]]:
    policy = {}
    for part in res["Content-Security-Policy"].split(";"):
        name, *values = part.split()
        policy[name] = values
    return policy


def test_pages_carry_a_strict_csp(client, clerk):
    client.force_login(clerk)
    for path in ("/login/", "/", "/registration/persons/"):
        policy = _csp(client.get(path))
        assert policy["default-src"] == ["'self'"]
        assert "'unsafe-inline'" not in policy["script-src"] + policy["style-src"]
        assert "'unsafe-eval'" not in policy["script-src"]
        assert policy["object-src"] == ["'none'"]
        assert policy["frame-ancestors"] == ["'none'"]


def test_api_docs_page_has_no_inline_script(client, clerk):
    client.force_login(clerk)
    res = client.get("/api/docs/")
    assert res.status_code == 200
    html = res.content.decode()
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    assert "'unsafe-inline'" not in _csp(res)["script-src"]


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\b(?:src|nonce)=)[^>]*>", re.IGNORECASE)
INLINE_STYLE = re.compile(r"<style\b|\sstyle=", re.IGNORECASE)
EVENT_HANDLER = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)
JS_URL = re.compile(r"javascript:", re.IGNORECASE)


def test_no_template_needs_unsafe_inline():
    """Every template works under the CSP: no inline script (unless nonced), style attribute or on*= handler."""
    offenders = []
    for path in sorted(Path(settings.PACKAGE_DIR).rglob("templates/**/*.html")):
        text = path.read_text(encoding="utf-8")
        for name, pattern in (
            ("inline <script>", INLINE_SCRIPT),
            ("style", INLINE_STYLE),
            ("on*= handler", EVENT_HANDLER),
            ("javascript: URL", JS_URL),
        ):
            for match in pattern.finditer(text):
                line = text.count("\n", 0, match.start()) + 1
                offenders.append(f"{path.relative_to(settings.PACKAGE_DIR)}:{line}: {name}")
    assert offenders == []

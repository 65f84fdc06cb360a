"""API docs offline: Swagger UI and ReDoc come from our own static files (drf-spectacular-sidecar), the CSP names
no other origin, and the OpenAPI schema can be read in a browser."""

from __future__ import annotations

import json
import re

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders

pytestmark = pytest.mark.django_db

ASSET = re.compile(r"""<(?:script|link)\b[^>]*\b(?:src|href)=["']([^"']+)["']""", re.IGNORECASE)


def _assets(html: str) -> list[str]:
    return ASSET.findall(html)


@pytest.mark.parametrize("url", ["/api/docs/", "/api/redoc/"])
def test_docs_pages_load_their_assets_from_our_static_files(client, url):
    res = client.get(url)
    assert res.status_code == 200
    html = res.content.decode()
    assets = _assets(html)
    assert assets, "the page loads Swagger UI / ReDoc from somewhere"
    for src in assets:
        assert "cdn" not in src.lower() and not src.lower().startswith(("http:", "https:", "//")), src
        if src.startswith(settings.STATIC_URL):
            path = src[len(settings.STATIC_URL) :].split("?", 1)[0]
            assert finders.find(path), f"static asset {path} not found"
        else:
            assert src.startswith("/api/docs/?"), src  # Swagger UI's start-up script, served by the view
    assert "fonts.googleapis" not in html and "jsdelivr" not in html.lower()
    static = [s for s in assets if s.startswith(settings.STATIC_URL)]
    assert any(s.endswith(".js") for s in static)


@pytest.mark.parametrize("url", ["/api/docs/", "/api/redoc/", "/api/docs/?script="])
def test_docs_csp_names_no_other_origin(client, url):
    res = client.get(url)
    policy = res["Content-Security-Policy"]
    assert "http:" not in policy and "https:" not in policy and "cdn" not in policy
    script_src = next(d for d in policy.split(";") if d.strip().startswith("script-src"))
    assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src


def test_swagger_start_script_calls_no_outside_service(client):
    script = client.get("/api/docs/?script=").content.decode()
    assert '"validatorUrl": null' in script
    assert "http://" not in script and "https://" not in script


def test_schema_is_readable_in_a_browser(client):
    res = client.get("/api/schema/", HTTP_ACCEPT="text/html,application/xhtml+xml,*/*;q=0.8")
    assert res.status_code == 200 and res["Content-Type"].startswith("text/html")
    html = res.content.decode()
    assert "openapi: 3.0.3" in html and 'data-testid="schema-text"' in html
    assert 'href="?format=json"' in html and 'href="/api/docs/"' in html
    res = client.get("/api/schema/?format=json", HTTP_ACCEPT="text/html,*/*;q=0.8")
    assert res["Content-Type"].startswith("application/json")  # browsers show it instead of downloading it
    assert json.loads(res.content)["openapi"].startswith("3.")


def test_schema_for_tools_is_unchanged(client):
    res = client.get("/api/schema/")
    assert res["Content-Type"].startswith("application/vnd.oai.openapi")
    res = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert res["Content-Type"].startswith("application/vnd.oai.openapi+json")

"""Search forms that post: an ID number or code searched for never travels in a URL (access logs print URLs).

The form posts (POST + CSRF). A name search is redirected to `?q=…`; a search with digits (ID number, its last
digits, USCC, registration number) is kept in the session under a short-lived random token and redirected to
`?t=<token>`, so the result page, its pagination and the browser history carry only the token.
"""

from __future__ import annotations

import secrets
import time
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from ..selectors import looks_like_id_search

SESSION_KEY = "registration.searches"
TOKEN_SECONDS = 30 * 60
MAX_TOKENS = 20


def search_redirect(request: HttpRequest, kind: str) -> HttpResponse:
    """POST of the search form: redirect (303) to the list with `?q=` (names) or `?t=<token>` (numbers)."""
    q = request.POST.get("q", "").strip()[:100]
    status = request.POST.get("status", "")[:20]
    params: dict[str, str] = {}
    if looks_like_id_search(q):
        params["t"] = _store(request, kind, {"q": q, "status": status})
    else:
        params = {k: v for k, v in (("q", q), ("status", status)) if v}
    item = request.POST.get("item", "")
    if item.isdigit():
        params["item"] = item
    url = reverse(f"registration:{kind}-list")
    response = redirect(f"{url}?{urlencode(params)}" if params else url)
    response.status_code = 303
    return response


def search_terms(request: HttpRequest, kind: str) -> tuple[str, str, bool]:
    """(q, status, expired) of a GET: from the session token `t` if given, else from `q` and `status`."""
    token = request.GET.get("t", "")
    if token:
        saved = _load(request, kind, token)
        if saved is None:
            return "", "", True
        return saved["q"], saved["status"], False
    return request.GET.get("q", "").strip(), request.GET.get("status", ""), False


def push_url(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    """For htmx swaps, the address bar shows the page actually rendered (`?t=…` or `?q=…`, never the number)."""
    if request.htmx:
        response["HX-Push-Url"] = request.get_full_path()
    return response


def _store(request: HttpRequest, kind: str, data: dict) -> str:
    now = time.time()
    saved = {t: v for t, v in request.session.get(SESSION_KEY, {}).items() if v.get("until", 0) > now}
    token = secrets.token_urlsafe(12)
    saved[token] = {**data, "kind": kind, "until": now + TOKEN_SECONDS}
    if len(saved) > MAX_TOKENS:
        saved = dict(sorted(saved.items(), key=lambda kv: kv[1]["until"])[-MAX_TOKENS:])
    request.session[SESSION_KEY] = saved
    return token


def _load(request: HttpRequest, kind: str, token: str) -> dict | None:
    saved = request.session.get(SESSION_KEY, {}).get(token)
    if not saved or saved.get("kind") != kind or saved.get("until", 0) <= time.time():
        return None
    return saved

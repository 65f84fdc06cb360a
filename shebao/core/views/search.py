"""The search-list base of the workbench: a form that posts, so a number searched for never travels in a URL.

    class PersonListView(SearchListView):
        url_name = "registration:person-list"
        template_name = "registration/person_list.html"
        results_template = "registration/_person_results.html"
        statuses = PersonStatus.choices
        item_hints = ("01010202", "01010203")     # items started here: the clerk picks the subject first
        create_item = "01010201"                  # the item of the page's 新增 button (shown with the grant)

        def search(self, q, status):
            return person_search(actor=self.request.user, q=q, status=status)

The form posts (POST + CSRF). A name search is redirected to `?q=…`; a search with digits (ID number, its last
digits, USCC, registration number) is kept in the session under a short-lived random token and redirected to
`?t=<token>`, so the result page, its pagination and the browser history carry only the token (access logs print
URLs). htmx requests get the results partial, and the address bar is set to the page actually rendered.
"""

from __future__ import annotations

import secrets
import time
import unicodedata
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.views import View

from ..access import has_grant
from ..activity import KIND_SEARCH, activity_record
from ..choices import Action
from .helpers import paginate, staff_required

SESSION_KEY = "core.searches"
TOKEN_SECONDS = 30 * 60
MAX_TOKENS = 20


def keep_out_of_url(q: str) -> bool:
    """True when a search term holds a digit (part of an ID number or code), which must not travel in a URL."""
    return any(c.isdigit() for c in unicodedata.normalize("NFKC", q))


@method_decorator(staff_required, name="dispatch")
class SearchListView(View):
    """Base of the workbench's search pages (set `url_name`, the templates, `statuses` and `search`)."""

    url_name: str = ""
    template_name: str = ""
    results_template: str = ""  # the results partial, re-rendered alone for htmx
    statuses: tuple | list = ()  # (value, label) choices of the status filter
    item_hints: tuple[str, ...] = ()
    create_item: str = ""

    def search(self, q: str, status: str):
        """The queryset of results within the user's scope (`status` is one of `statuses`, or empty)."""
        raise NotImplementedError

    def post(self, request: HttpRequest) -> HttpResponse:
        """The search form: redirect (303) to the list with `?q=` (names) or `?t=<token>` (numbers)."""
        q = request.POST.get("q", "").strip()[:100]
        status = request.POST.get("status", "")[:20]
        params: dict[str, str] = {}
        if keep_out_of_url(q):
            params["t"] = _store(request, self.url_name, {"q": q, "status": status})
        else:
            params = {k: v for k, v in (("q", q), ("status", status)) if v}
        item = request.POST.get("item", "")
        if item.isdigit():
            params["item"] = item
        url = reverse(self.url_name)
        response = redirect(f"{url}?{urlencode(params)}" if params else url)
        response.status_code = 303
        return response

    def get(self, request: HttpRequest) -> HttpResponse:
        q, status, expired = _terms(request, self.url_name)
        status = status if status in dict(self.statuses) else ""
        item = request.GET.get("item", "")
        context = {
            "page": paginate(request, self.search(q, status)),
            "q": q,
            "status": status,
            "statuses": self.statuses,
            "item_hint": item if item in self.item_hints else "",
            "item": item if item.isdigit() else "",
            "expired": expired,
            "search_url": reverse(self.url_name),
            "can_create": bool(self.create_item) and has_grant(request.user, self.create_item, Action.HANDLE),
        }
        activity_record(request.user, KIND_SEARCH, what=" ".join(filter(None, (self.url_name, q, status))))
        response = render(request, self.results_template if request.htmx else self.template_name, context)
        if request.htmx:  # the address bar shows the page rendered (`?t=…` or `?q=…`, never the number)
            response["HX-Push-Url"] = request.get_full_path()
        return response


def _terms(request: HttpRequest, kind: str) -> tuple[str, str, bool]:
    """(q, status, expired) of a GET: from the session token `t` if given, else from `q` and `status`."""
    token = request.GET.get("t", "")
    if token:
        saved = _load(request, kind, token)
        if saved is None:
            return "", "", True
        return saved["q"], saved["status"], False
    return request.GET.get("q", "").strip(), request.GET.get("status", ""), False


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

"""Request/response guards that apply to every page and API call."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers

from .http import error_response, is_api

NUL = "\x00"
NUL_MESSAGE = "含有不允许的空字符（NUL）"


def _nul_fields(request: HttpRequest, *, body: bool = True) -> list[str]:
    """Names of query-string or form fields (or the path) that contain a NUL character."""
    bad: list[str] = []
    if NUL in request.path:
        bad.append("path")
    sources = [request.GET]
    # Form bodies of the UI; API bodies are checked by the API's parsers and strict fields. A view marked
    # `reads_own_body` (an upload that installs its own size cap before the body is parsed) is checked by
    # `process_view` only after it has been resolved, i.e. not parsed here.
    if body and request.method == "POST" and not is_api(request):
        content_type = request.content_type or ""
        if content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            sources.append(request.POST)
    for source in sources:
        for key, values in source.lists():
            if NUL in key or any(NUL in v for v in values):
                bad.append(key.replace(NUL, "\\x00"))
    return bad


class RefuseNulMiddleware:
    """A NUL character in the path, a query parameter or a form value is a 400 (PostgreSQL cannot store it)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        bad = _nul_fields(request, body=False)
        if bad:
            return self._refuse(request, bad)
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs):
        if getattr(view_func, "reads_own_body", False):
            return None  # the view parses (and checks) its body itself, after installing its upload limit
        bad = _nul_fields(request)
        return self._refuse(request, bad) if bad else None

    @staticmethod
    def _refuse(request: HttpRequest, bad: list[str]) -> HttpResponse:
        return error_response(
            request,
            status=400,
            message=f"请求参数{bad[0]}{NUL_MESSAGE}",
            errors={name: [f"{NUL_MESSAGE}"] for name in bad},
        )


class NoStoreForUsersMiddleware:
    """Responses to a logged-in user (session or API token) carry personal data: never cached by browser or proxy."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        # DRF sets request.user on the Django request once a token authenticates, so API calls count too.
        user = getattr(request, "user", None)
        if (user is not None and user.is_authenticated) or "HTTP_AUTHORIZATION" in request.META:
            add_never_cache_headers(response)
        return response

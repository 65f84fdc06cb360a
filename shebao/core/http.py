"""Error responses outside a view: JSON `{detail, errors}` under /api/, the Chinese error pages elsewhere."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import loader

API_PREFIX = "/api/"


def is_api(request: HttpRequest) -> bool:
    """Is this a request to the REST API (which always answers in JSON)?"""
    return request.path_info.startswith(API_PREFIX)


def error_response(
    request: HttpRequest, *, status: int, message: str, errors: dict[str, list[str]] | None = None
) -> HttpResponse:
    """A 4xx/5xx answer in the API's JSON error format, or the UI's Chinese error page for that status."""
    if is_api(request):
        body: dict = {"detail": message}
        if errors:
            body["errors"] = errors
        return JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})
    try:
        html = loader.render_to_string(f"{status}.html", {"message": message}, request=request)
    except Exception:  # the page itself must never turn a 4xx into a 500
        html = f"<!doctype html><title>{status}</title><p>{message}</p>"
    return HttpResponse(html, status=status)


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: the API's JSON error format under /api/, the static 500 page elsewhere (never a traceback)."""
    if is_api(request):
        return JsonResponse(
            {"detail": "服务器内部错误，请稍后重试"}, status=500, json_dumps_params={"ensure_ascii": False}
        )
    try:
        html = loader.render_to_string("500.html")
    except Exception:
        html = "<!doctype html><title>500</title><p>系统暂时无法处理您的请求，错误代码 500</p>"
    return HttpResponse(html, status=500)


def api_docs_csp(view):
    """The CSP of the API docs pages: scripts still only from our static files (Swagger UI and ReDoc are vendored by
    drf-spectacular-sidecar, no CDN); the libraries inject their own <style> elements, and ReDoc runs its search
    index in a worker started from a blob: URL."""
    from csp.constants import SELF, UNSAFE_INLINE
    from csp.decorators import csp_update

    return csp_update({"style-src": [UNSAFE_INLINE], "worker-src": [SELF, "blob:"]})(view)

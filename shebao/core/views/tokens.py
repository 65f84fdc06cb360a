"""接口令牌: the logged-in user sees whether they hold an API token, when it expires, and revokes it."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from ..tokens import token_expires_at, token_is_expired, token_of, token_revoke, token_ttl


@login_required
@require_http_methods(["GET", "POST"])
def api_token(request: HttpRequest) -> HttpResponse:
    """接口令牌: status of the user's token (GET) and 撤销 (POST)."""
    if request.method == "POST":
        if token_revoke(user=request.user):
            messages.success(request, "接口令牌已撤销，使用该令牌的程序需要重新登录")
        else:
            messages.info(request, "您当前没有接口令牌")
        return redirect("core:api-token")
    token = token_of(request.user)
    context = {
        "token": token,
        "expires_at": token_expires_at(token) if token else None,
        "expired": token_is_expired(token) if token else False,
        "ttl_hours": int(token_ttl().total_seconds() // 3600),
    }
    return render(request, "core/api_token.html", context)

"""Login lockout response (django-axes) with a Chinese message."""

from django.http import JsonResponse
from django.shortcuts import render


def lockout_response(request, credentials=None, *args, **kwargs):
    """Shown after too many failed logins: HTTP 429 for both UI and API."""
    message = "登录失败次数过多，账户已临时锁定，请30分钟后再试或联系机构管理员。"
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message}, status=429)
    return render(request, "registration/login.html", {"lockout_message": message}, status=429)

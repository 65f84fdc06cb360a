"""登录 and 退出登录."""

from __future__ import annotations

from django.contrib.auth import views as auth_views

from ..tokens import token_revoke
from .helpers import home_url

# --------------------------------------------------------------------------------------------------------------
# Login
# --------------------------------------------------------------------------------------------------------------


class LoginView(auth_views.LoginView):
    """登录: username and password (django-axes locks an account after repeated failures)."""

    template_name = "registration/login.html"
    redirect_authenticated_user = True

    def get_default_redirect_url(self) -> str:
        return home_url(self.request.user)


class LogoutView(auth_views.LogoutView):
    """退出登录 (POST only); the user's API token is revoked too."""

    def post(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            token_revoke(user=request.user)
        return super().post(request, *args, **kwargs)

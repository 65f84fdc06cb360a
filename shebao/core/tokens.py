"""API tokens (访问令牌): issued at API login, valid for SHEBAO_TOKEN_TTL_HOURS, revoked at logout or by the user."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token

DEFAULT_TTL_HOURS = 8


def token_ttl() -> dt.timedelta:
    """How long a token stays valid after it was issued."""
    return dt.timedelta(hours=float(getattr(settings, "SHEBAO_TOKEN_TTL_HOURS", DEFAULT_TTL_HOURS)))


def token_expires_at(token: Token) -> dt.datetime:
    """When the token stops being accepted."""
    return token.created + token_ttl()


def token_is_expired(token: Token, *, now: dt.datetime | None = None) -> bool:
    """Has the token outlived its TTL?"""
    return (now or timezone.now()) >= token_expires_at(token)


@transaction.atomic
def token_issue(*, user) -> Token:
    """The user's valid token: the current one, or a fresh one when there is none or it has expired."""
    token = Token.objects.select_for_update().filter(user=user).first()
    if token is not None and token_is_expired(token):
        token.delete()
        token = None
    return token or Token.objects.create(user=user)


def token_revoke(*, user) -> bool:
    """Delete the user's token (logout, or 撤销 on the token page); True when there was one."""
    deleted, _ = Token.objects.filter(user=user).delete()
    return deleted > 0


def token_of(user) -> Token | None:
    """The user's token, if any (expired ones included, so the page can say so)."""
    return Token.objects.filter(user=user).first()


class ExpiringTokenAuthentication(TokenAuthentication):
    """`Authorization: Token <key>`, refused with 401 once the token is older than SHEBAO_TOKEN_TTL_HOURS."""

    def authenticate_credentials(self, key):
        """The (user, token) pair for a live token; 401 with a Chinese message otherwise."""
        token = Token.objects.select_related("user").filter(key=key).first()
        if token is None:
            raise exceptions.AuthenticationFailed("令牌无效，请重新登录获取令牌")
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed("用户已停用或已删除")
        if token_is_expired(token):
            token.delete()
            raise exceptions.AuthenticationFailed("令牌已过期，请重新登录获取令牌")
        return token.user, token

"""登录令牌: token login for the API."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth import authenticate
from django.contrib.auth.signals import user_logged_in
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.parsers import JSONParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from ..errors import ApplicationError
from ..tokens import token_issue
from .base import ERROR_RESPONSES, UNSUPPORTED_MEDIA, ShebaoApi, StrictCharField
from .errors import ErrorSerializer

# --------------------------------------------------------------------------------------------------------------
# Login token
# --------------------------------------------------------------------------------------------------------------


class TokenObtainApi(ShebaoApi):
    """API login: exchange username and password for a token (failures count towards the axes lockout)."""

    authentication_classes: Iterable = ()
    permission_classes = (AllowAny,)
    parser_classes = (JSONParser,)

    class InputSerializer(serializers.Serializer):
        """Login credentials."""

        username = StrictCharField(max_length=150)
        password = StrictCharField(max_length=128, trim_whitespace=False)

    class OutputSerializer(serializers.Serializer):
        """The token to send as `Authorization: Token <token>`, and who it belongs to."""

        token = serializers.CharField()
        username = serializers.CharField()
        display_name = serializers.CharField()
        role = serializers.CharField()
        agency = serializers.CharField(allow_null=True)

    @extend_schema(
        summary="获取访问令牌",
        request=InputSerializer,
        auth=[],
        responses={
            200: OutputSerializer,
            400: ERROR_RESPONSES[400],
            415: UNSUPPORTED_MEDIA,
            429: OpenApiResponse(ErrorSerializer, description="登录失败次数过多，账户已临时锁定"),
        },
    )
    def post(self, request):
        data = self.parse_body(self.InputSerializer)
        user = authenticate(request=request._request, username=data["username"], password=data["password"])
        if user is None:
            raise ApplicationError("用户名或密码错误", field="password")
        # A token login is a login: axes clears the failure count, Django records last_login.
        user_logged_in.send(sender=user.__class__, request=request._request, user=user)
        token = token_issue(user=user)  # a fresh token once the old one has expired
        return Response(
            self.OutputSerializer(
                {
                    "token": token.key,
                    "username": user.username,
                    "display_name": str(user),
                    "role": user.role,
                    "agency": user.agency.code if user.agency_id else None,
                }
            ).data
        )

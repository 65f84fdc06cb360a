"""1105 系统管理 API (v1, under /api/v1/admin/): users, per-user grants, agencies and the query activity monitor.

Agency administrators only (403 for every other role on the collections); a user, grant or agency outside the
administrator's subtree is 404. Every change is one audited service of `operations.services.sysadmin`.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Q
from django.urls import path
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import JSONParser
from rest_framework.response import Response

from shebao.core.api import (
    ShebaoApi,
    StrictCharField,
    StrictChoiceField,
    StrictIntegerField,
    StrictPagination,
    StrictRegexField,
    by_method,
    responses,
)
from shebao.core.choices import Action, Role
from shebao.core.errors import ApplicationError
from shebao.core.models import UserGrant

from ..selectors.sysadmin import activity_rows
from ..services import sysadmin as s

ROLES = [(r, Role(r).label) for r in s.STAFF_ROLE_VALUES]


class AdminUserSerializer(serializers.Serializer):
    """A user as an administrator sees it (never a password)."""

    id = serializers.IntegerField()
    username = serializers.CharField()
    display_name = serializers.CharField()
    role = serializers.CharField()
    role_label = serializers.CharField(source="get_role_display")
    agency = serializers.IntegerField(source="agency_id")
    agency_name = serializers.CharField(source="agency.name")
    is_active = serializers.BooleanField()
    last_login = serializers.DateTimeField(allow_null=True)

    class Meta:
        ref_name = "AdminUser"


class AdminUserCreatedSerializer(AdminUserSerializer):
    """The new user and, when the system generated it, the temporary password (shown this once)."""

    temporary_password = serializers.CharField(allow_blank=True, help_text="系统生成的临时密码（仅此一次返回）")

    class Meta:
        ref_name = "AdminUserCreated"


class TemporaryPasswordSerializer(serializers.Serializer):
    """重置密码的结果: the temporary password, returned this once."""

    user = serializers.IntegerField()
    temporary_password = serializers.CharField()

    class Meta:
        ref_name = "AdminTemporaryPassword"


class AdminGrantSerializer(serializers.Serializer):
    """按人授权: one user may do `action` on a catalogue item."""

    id = serializers.IntegerField()
    user = serializers.IntegerField(source="user_id")
    item_prefix = serializers.CharField()
    action = serializers.CharField()
    granted_by = serializers.IntegerField(source="granted_by_id", allow_null=True)
    granted_at = serializers.DateTimeField()

    class Meta:
        ref_name = "AdminGrant"


class AdminAgencySerializer(serializers.Serializer):
    """An agency of the administrator's subtree."""

    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()
    region = serializers.CharField(source="region_id")
    parent = serializers.IntegerField(source="parent_id", allow_null=True)

    class Meta:
        ref_name = "AdminAgency"


class ActivityRowSerializer(serializers.Serializer):
    """One user's queries on one day, and why the day is flagged."""

    day = serializers.DateField()
    user = serializers.IntegerField(source="user.pk")
    username = serializers.CharField(source="user.username")
    search = serializers.SerializerMethodField(help_text="页面查询次数")
    api = serializers.SerializerMethodField(help_text="接口查询次数")
    total = serializers.IntegerField()
    full_views = serializers.IntegerField(help_text="查看完整证件号码或银行账号的次数")
    median = serializers.FloatField(allow_null=True, help_text="近30日有查询日的中位数（不足3日为空）")
    flagged = serializers.BooleanField()
    flags = serializers.ListField(child=serializers.CharField())

    class Meta:
        ref_name = "AdminActivityRow"

    def get_search(self, row) -> int:
        return row.counts.get("search", 0)

    def get_api(self, row) -> int:
        return row.counts.get("api", 0)


def _admin(request) -> None:
    s.require_sysadmin(request.user)


# --------------------------------------------------------------------------------------------------------------
# Users
# --------------------------------------------------------------------------------------------------------------


class AdminUserListApi(ShebaoApi):
    """用户列表: staff users of the administrator's subtree."""

    catalog_codes = ("1105",)
    pagination_class = StrictPagination

    class FilterSerializer(serializers.Serializer):
        """Filters of the user list."""

        q = serializers.CharField(max_length=50, required=False, help_text="登录名或姓名（包含）")
        role = serializers.ChoiceField(choices=ROLES, required=False)
        is_active = serializers.BooleanField(required=False, allow_null=True, default=None)

    @extend_schema(
        summary="1105 用户列表",
        parameters=[FilterSerializer],
        responses=responses({200: AdminUserSerializer(many=True)}),
    )
    def get(self, request):
        _admin(request)
        f = self.parse_query(self.FilterSerializer)
        qs = s.managed_users(request.user).order_by("agency__path", "username")
        if f.get("q"):
            qs = qs.filter(Q(username__icontains=f["q"]) | Q(display_name__icontains=f["q"]))
        if f.get("role"):
            qs = qs.filter(role=f["role"])
        if f.get("is_active") is not None:
            qs = qs.filter(is_active=f["is_active"])
        return self.paginate(qs, AdminUserSerializer)


class AdminUserCreateApi(ShebaoApi):
    """新建用户: in an agency of the subtree; without a password the system generates a temporary one."""

    catalog_codes = ("1105",)
    parser_classes = (JSONParser,)

    class InputSerializer(serializers.Serializer):
        """The new user."""

        agency = StrictIntegerField(help_text="经办机构ID（本机构或下级机构）")
        role = StrictChoiceField(choices=ROLES, help_text="角色")
        username = StrictCharField(max_length=150, help_text="登录名")
        display_name = StrictCharField(max_length=50, help_text="姓名")
        password = StrictCharField(
            max_length=128, required=False, allow_blank=True, default="", help_text="初始密码；不填则生成临时密码"
        )

    @extend_schema(
        summary="1105 新建用户",
        request=InputSerializer,
        responses=responses({201: AdminUserCreatedSerializer}, body=True),
    )
    def post(self, request):
        _admin(request)
        data = self.parse_body(self.InputSerializer)
        user, secret = s.admin_user_create(
            actor=request.user,
            agency_id=data["agency"],
            role=data["role"],
            username=data["username"],
            display_name=data["display_name"],
            password=data["password"],
        )
        body = {**AdminUserSerializer(user).data, "temporary_password": secret}
        return Response(body, status=status.HTTP_201_CREATED)


AdminUserCollectionApi = by_method(
    "AdminUserCollectionApi", "1105 用户: GET lists, POST creates.", get=AdminUserListApi, post=AdminUserCreateApi
)


class AdminUserDetailApi(ShebaoApi):
    """用户详情 (404 outside the subtree)."""

    catalog_codes = ("1105",)

    @extend_schema(summary="1105 用户详情", responses=responses({200: AdminUserSerializer}))
    def get(self, request, user_id: int):
        return Response(AdminUserSerializer(s.user_get_for(actor=request.user, user_id=user_id)).data)


class AdminUserUpdateApi(ShebaoApi):
    """修改用户（姓名、角色）: not one's own role; not the last active administrator's."""

    catalog_codes = ("1105",)
    parser_classes = (JSONParser,)

    class InputSerializer(serializers.Serializer):
        """The new name and role."""

        display_name = StrictCharField(max_length=50, help_text="姓名")
        role = StrictChoiceField(choices=ROLES, help_text="角色")

    @extend_schema(
        summary="1105 修改用户", request=InputSerializer, responses=responses({200: AdminUserSerializer}, body=True)
    )
    def patch(self, request, user_id: int):
        user = s.user_get_for(actor=request.user, user_id=user_id)
        data = self.parse_body(self.InputSerializer)
        user = s.admin_user_update(actor=request.user, user=user, role=data["role"], display_name=data["display_name"])
        return Response(AdminUserSerializer(user).data)


AdminUserItemApi = by_method(
    "AdminUserItemApi", "1105 用户: GET shows, PATCH changes.", get=AdminUserDetailApi, patch=AdminUserUpdateApi
)


def _user_action(name: str, summary: str, doc: str, act) -> type[ShebaoApi]:
    """One POST action on a user (停用, 启用, 强制下线), answering the user."""

    @extend_schema(summary=summary, request=None, responses=responses({200: AdminUserSerializer}))
    def post(self, request, user_id: int):
        user = s.user_get_for(actor=request.user, user_id=user_id)
        return Response(AdminUserSerializer(act(request.user, user)).data)

    return type(name, (ShebaoApi,), {"__doc__": doc, "catalog_codes": ("1105",), "post": post, "__module__": __name__})


AdminUserDisableApi = _user_action(
    "AdminUserDisableApi",
    "1105 停用用户",
    "停用用户: the user's sessions and API token stop working at once (not oneself, not the last admin).",
    lambda actor, user: s.admin_user_set_active(actor=actor, user=user, active=False),
)
AdminUserEnableApi = _user_action(
    "AdminUserEnableApi",
    "1105 启用用户",
    "启用用户.",
    lambda actor, user: s.admin_user_set_active(actor=actor, user=user, active=True),
)
AdminUserForceLogoutApi = _user_action(
    "AdminUserForceLogoutApi",
    "1105 强制下线",
    "强制下线: every session of the user ends at its next request; the API token is revoked.",
    lambda actor, user: s.admin_user_force_logout(actor=actor, user=user),
)


class AdminUserResetPasswordApi(ShebaoApi):
    """重置密码: a random temporary password, returned this once; the user's sessions and token end."""

    catalog_codes = ("1105",)

    @extend_schema(summary="1105 重置密码", request=None, responses=responses({200: TemporaryPasswordSerializer}))
    def post(self, request, user_id: int):
        user = s.user_get_for(actor=request.user, user_id=user_id)
        secret = s.admin_user_reset_password(actor=request.user, user=user)
        return Response({"user": user.pk, "temporary_password": secret})


# --------------------------------------------------------------------------------------------------------------
# Grants
# --------------------------------------------------------------------------------------------------------------


class AdminGrantListApi(ShebaoApi):
    """按人授权列表 of the subtree's users (optionally of one user)."""

    catalog_codes = ("1105",)
    pagination_class = StrictPagination

    class FilterSerializer(serializers.Serializer):
        """Filters of the grant list."""

        user = serializers.IntegerField(required=False, min_value=1, help_text="用户ID")

    @extend_schema(
        summary="1105 按人授权列表",
        parameters=[FilterSerializer],
        responses=responses({200: AdminGrantSerializer(many=True)}),
    )
    def get(self, request):
        _admin(request)
        f = self.parse_query(self.FilterSerializer)
        qs = UserGrant.objects.filter(user__in=s.managed_users(request.user)).order_by("user_id", "item_prefix", "pk")
        if f.get("user"):
            qs = qs.filter(user_id=f["user"])
        return self.paginate(qs, AdminGrantSerializer)


class AdminGrantCreateApi(ShebaoApi):
    """按人授权: let a user of the subtree do an action on an item (never oneself; 409 when already held)."""

    catalog_codes = ("1105",)
    parser_classes = (JSONParser,)

    class InputSerializer(serializers.Serializer):
        """Who, which item, which action."""

        user = StrictIntegerField(help_text="用户ID")
        item_prefix = StrictRegexField(r"^[0-9]{2,8}$", help_text="业务编码（或其前缀），如 020302")
        action = StrictChoiceField(choices=Action.choices, help_text="操作")

    @extend_schema(
        summary="1105 按人授权", request=InputSerializer, responses=responses({201: AdminGrantSerializer}, body=True)
    )
    def post(self, request):
        _admin(request)
        data = self.parse_body(self.InputSerializer)
        try:
            user = s.user_get_for(actor=request.user, user_id=data["user"])
        except ApplicationError:
            raise ApplicationError("用户不存在或不在本机构管辖范围内", field="user") from None
        grant = s.admin_grant_add(actor=request.user, user=user, item_prefix=data["item_prefix"], action=data["action"])
        return Response(AdminGrantSerializer(grant).data, status=status.HTTP_201_CREATED)


AdminGrantCollectionApi = by_method(
    "AdminGrantCollectionApi", "1105 按人授权: GET lists, POST grants.", get=AdminGrantListApi, post=AdminGrantCreateApi
)


class AdminGrantDetailApi(ShebaoApi):
    """One per-user grant (404 outside the subtree)."""

    catalog_codes = ("1105",)

    @extend_schema(summary="1105 按人授权详情", responses=responses({200: AdminGrantSerializer}))
    def get(self, request, grant_id: int):
        return Response(AdminGrantSerializer(s.grant_get_for(actor=request.user, grant_id=grant_id)).data)


class AdminGrantRevokeApi(ShebaoApi):
    """撤销按人授权 (not one's own)."""

    catalog_codes = ("1105",)

    @extend_schema(summary="1105 撤销按人授权", request=None, responses=responses({204: None}))
    def delete(self, request, grant_id: int):
        grant = s.grant_get_for(actor=request.user, grant_id=grant_id)
        s.admin_grant_revoke(actor=request.user, grant=grant)
        return Response(status=status.HTTP_204_NO_CONTENT)


AdminGrantItemApi = by_method(
    "AdminGrantItemApi",
    "1105 按人授权: GET shows, DELETE revokes.",
    get=AdminGrantDetailApi,
    delete=AdminGrantRevokeApi,
)


# --------------------------------------------------------------------------------------------------------------
# Agencies
# --------------------------------------------------------------------------------------------------------------


class AdminAgencyListApi(ShebaoApi):
    """经办机构列表: the administrator's agency and its sub-agencies."""

    catalog_codes = ("1105",)
    pagination_class = StrictPagination

    class FilterSerializer(serializers.Serializer):
        """Filters of the agency list."""

        q = serializers.CharField(max_length=50, required=False, help_text="机构名称或编码（包含）")

    @extend_schema(
        summary="1105 经办机构列表",
        parameters=[FilterSerializer],
        responses=responses({200: AdminAgencySerializer(many=True)}),
    )
    def get(self, request):
        _admin(request)
        f = self.parse_query(self.FilterSerializer)
        qs = s.managed_agencies(request.user).order_by("path")
        if f.get("q"):
            qs = qs.filter(Q(name__icontains=f["q"]) | Q(code__icontains=f["q"]))
        return self.paginate(qs, AdminAgencySerializer)


class AdminAgencyCreateApi(ShebaoApi):
    """新建下级经办机构 under an agency of the subtree."""

    catalog_codes = ("1105",)
    parser_classes = (JSONParser,)

    class InputSerializer(serializers.Serializer):
        """The new agency."""

        parent = StrictIntegerField(help_text="上级机构ID")
        code = StrictCharField(max_length=20, help_text="机构编码（6至20位数字或字母）")
        name = StrictCharField(max_length=100, help_text="机构名称")
        region = StrictCharField(max_length=6, help_text="所在区划代码（在上级机构区划之内）")

    @extend_schema(
        summary="1105 新建经办机构",
        request=InputSerializer,
        responses=responses({201: AdminAgencySerializer}, body=True),
    )
    def post(self, request):
        _admin(request)
        data = self.parse_body(self.InputSerializer)
        agency = s.admin_agency_create(
            actor=request.user, parent_id=data["parent"], code=data["code"], name=data["name"], region=data["region"]
        )
        return Response(AdminAgencySerializer(agency).data, status=status.HTTP_201_CREATED)


AdminAgencyCollectionApi = by_method(
    "AdminAgencyCollectionApi",
    "1105 经办机构: GET lists, POST creates a sub-agency.",
    get=AdminAgencyListApi,
    post=AdminAgencyCreateApi,
)


class AdminAgencyDetailApi(ShebaoApi):
    """经办机构详情 (404 outside the subtree)."""

    catalog_codes = ("1105",)

    @extend_schema(summary="1105 经办机构详情", responses=responses({200: AdminAgencySerializer}))
    def get(self, request, agency_id: int):
        return Response(AdminAgencySerializer(s.agency_get_for(actor=request.user, agency_id=agency_id)).data)


class AdminAgencyUpdateApi(ShebaoApi):
    """修改经办机构: rename, change region (the code stays)."""

    catalog_codes = ("1105",)
    parser_classes = (JSONParser,)

    class InputSerializer(serializers.Serializer):
        """The new name and region."""

        name = StrictCharField(max_length=100, help_text="机构名称")
        region = StrictCharField(max_length=6, help_text="所在区划代码")

    @extend_schema(
        summary="1105 修改经办机构",
        request=InputSerializer,
        responses=responses({200: AdminAgencySerializer}, body=True),
    )
    def patch(self, request, agency_id: int):
        agency = s.agency_get_for(actor=request.user, agency_id=agency_id)
        data = self.parse_body(self.InputSerializer)
        agency = s.admin_agency_update(actor=request.user, agency=agency, name=data["name"], region=data["region"])
        return Response(AdminAgencySerializer(agency).data)


AdminAgencyItemApi = by_method(
    "AdminAgencyItemApi",
    "1105 经办机构: GET shows, PATCH changes.",
    get=AdminAgencyDetailApi,
    patch=AdminAgencyUpdateApi,
)


# --------------------------------------------------------------------------------------------------------------
# Activity monitor
# --------------------------------------------------------------------------------------------------------------


class AdminActivityApi(ShebaoApi):
    """数据查询监控: queries per user per day in the subtree (page and API), with unusual days flagged."""

    catalog_codes = ("1105",)
    pagination_class = StrictPagination

    class FilterSerializer(serializers.Serializer):
        """Period (≤ 92 days, default the last 7) and filters."""

        date_from = serializers.DateField(required=False, help_text="起始日期，默认截止日期前6天")
        date_to = serializers.DateField(required=False, help_text="截止日期，默认今天")
        q = serializers.CharField(max_length=50, required=False, help_text="登录名或姓名（包含）")
        flagged = serializers.BooleanField(required=False, default=False, help_text="只列异常")

        def validate(self, attrs):
            to = attrs.get("date_to") or timezone.localdate()
            start = attrs.get("date_from") or to - dt.timedelta(days=6)
            if start > to:
                raise serializers.ValidationError({"date_from": ["起始日期不能晚于截止日期"]})
            if (to - start).days > 92:
                raise serializers.ValidationError({"date_from": ["查询期间不能超过92天"]})
            return {**attrs, "date_from": start, "date_to": to}

    @extend_schema(
        summary="1105 数据查询监控",
        parameters=[FilterSerializer],
        responses=responses({200: ActivityRowSerializer(many=True)}),
    )
    def get(self, request):
        _admin(request)
        f = self.parse_query(self.FilterSerializer)
        rows = activity_rows(
            actor=request.user,
            day_from=f["date_from"],
            day_to=f["date_to"],
            q=f.get("q", ""),
            flagged_only=f["flagged"],
        )
        return self.paginate(rows, ActivityRowSerializer)


urlpatterns = [
    path("admin/users/", AdminUserCollectionApi.as_view(), name="admin-users"),
    path("admin/users/<int:user_id>/", AdminUserItemApi.as_view(), name="admin-user"),
    path("admin/users/<int:user_id>/disable/", AdminUserDisableApi.as_view(), name="admin-user-disable"),
    path("admin/users/<int:user_id>/enable/", AdminUserEnableApi.as_view(), name="admin-user-enable"),
    path("admin/users/<int:user_id>/force-logout/", AdminUserForceLogoutApi.as_view(), name="admin-user-force-logout"),
    path(
        "admin/users/<int:user_id>/reset-password/",
        AdminUserResetPasswordApi.as_view(),
        name="admin-user-reset-password",
    ),
    path("admin/grants/", AdminGrantCollectionApi.as_view(), name="admin-grants"),
    path("admin/grants/<int:grant_id>/", AdminGrantItemApi.as_view(), name="admin-grant"),
    path("admin/agencies/", AdminAgencyCollectionApi.as_view(), name="admin-agencies"),
    path("admin/agencies/<int:agency_id>/", AdminAgencyItemApi.as_view(), name="admin-agency"),
    path("admin/activity/", AdminActivityApi.as_view(), name="admin-activity"),
]

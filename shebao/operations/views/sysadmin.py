"""1105 系统管理 pages (/operations/admin/…): users, per-user grants, agencies, business parameters, query monitor.

Only agency administrators (with the 1105 grant) reach the list pages (403 otherwise); a user, grant or agency
outside the administrator's subtree is 404 for everyone. Forms only parse; the services decide and their Chinese
messages land next to the fields (4xx, nothing saved). A temporary password is shown once, on the page that
answers the POST — never in a message, a URL or the session.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_POST

from shebao.core.access import STAFF_ROLES, grant_set
from shebao.core.catalog import catalog_view
from shebao.core.choices import Action, Role
from shebao.core.errors import ApplicationError
from shebao.core.forms import DATE_INPUT, ServiceForm
from shebao.core.models import CatalogItem, Parameter, User, UserGrant
from shebao.core.parameters import parameter_set
from shebao.core.validation import parse_date
from shebao.core.views.helpers import error_status, paginate, raise_for_scope

from ..selectors.sysadmin import activity_rows, activity_samples, activity_totals, thresholds
from ..services import sysadmin as s
from ..services.rectification import overdue_rectifications, rectifications_for

ROLE_CHOICES = [(str(r), Role(r).label) for r in STAFF_ROLES]


def sysadmin_required(view: Callable) -> Callable:
    """Agency administrators with the 1105 grant; everyone else gets 403."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        if not s.is_sysadmin(request.user):
            raise PermissionDenied("系统管理仅限本机构的机构管理员使用")
        return view(request, *args, **kwargs)

    return catalog_view("1105")(login_required(wrapper))


def scoped(view: Callable) -> Callable:
    """A page about one user, grant or agency: logged in; the lookup inside answers 404 outside the subtree."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except ApplicationError as exc:
            raise_for_scope(exc)
            raise

    return catalog_view("1105")(login_required(wrapper))


def _blank(label: str = "请选择") -> list[tuple[str, str]]:
    return [("", label)]


# --------------------------------------------------------------------------------------------------------------
# Forms (parse only)
# --------------------------------------------------------------------------------------------------------------


class UserCreateForm(ServiceForm):
    """新建用户."""

    agency = forms.ChoiceField(label="经办机构", required=False)
    role = forms.ChoiceField(label="角色", required=False, choices=_blank() + ROLE_CHOICES)
    username = forms.CharField(label="登录名", required=False, max_length=150)
    display_name = forms.CharField(label="姓名", required=False, max_length=50)
    password = forms.CharField(
        label="初始密码",
        required=False,
        max_length=128,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="留空则由系统生成临时密码（仅显示一次）",
    )
    required_fields = ("agency", "role", "username", "display_name")

    def __init__(self, *args, agencies=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].choices = _blank() + [(str(a.pk), f"{a.code} {a.name}") for a in agencies]


class UserUpdateForm(ServiceForm):
    """修改用户（姓名、角色）."""

    display_name = forms.CharField(label="姓名", required=False, max_length=50)
    role = forms.ChoiceField(label="角色", required=False, choices=_blank() + ROLE_CHOICES)
    required_fields = ("display_name", "role")


class GrantForm(ServiceForm):
    """按人授权."""

    item_prefix = forms.CharField(
        label="业务编码", required=False, max_length=8, widget=forms.TextInput(attrs={"placeholder": "如 020302"})
    )
    action = forms.ChoiceField(label="操作", required=False, choices=_blank() + list(Action.choices))
    required_fields = ("item_prefix", "action")


class AgencyForm(ServiceForm):
    """新建下级经办机构."""

    parent = forms.ChoiceField(label="上级机构", required=False)
    code = forms.CharField(label="机构编码", required=False, max_length=20)
    name = forms.CharField(label="机构名称", required=False, max_length=100)
    region = forms.CharField(label="所在区划代码", required=False, max_length=6)
    required_fields = ("parent", "code", "name", "region")

    def __init__(self, *args, agencies=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"].choices = _blank() + [(str(a.pk), f"{a.code} {a.name}") for a in agencies]


class AgencyUpdateForm(ServiceForm):
    """修改经办机构（名称、区划）."""

    name = forms.CharField(label="机构名称", required=False, max_length=100)
    region = forms.CharField(label="所在区划代码", required=False, max_length=6)
    required_fields = ("name", "region")


class ParameterForm(ServiceForm):
    """设置业务参数（按生效日期覆盖）."""

    key = forms.CharField(label="参数键", required=False, max_length=100)
    region = forms.CharField(label="区划代码", required=False, max_length=6)
    effective_from = forms.CharField(label="生效日期", required=False, widget=DATE_INPUT)
    value = forms.CharField(label="参数值", required=False, max_length=200)
    legal_reference = forms.CharField(label="政策依据", required=False, max_length=300)
    note = forms.CharField(label="说明", required=False, max_length=300)
    verified = forms.BooleanField(label="依据已核实", required=False, initial=True)
    required_fields = ("key", "region", "effective_from", "value")


# --------------------------------------------------------------------------------------------------------------
# Home
# --------------------------------------------------------------------------------------------------------------


@sysadmin_required
def admin_home(request: HttpRequest) -> HttpResponse:
    """系统管理 home: what an administrator manages, with today's query figures."""
    actor = request.user
    users = s.managed_users(actor)
    context = {
        "users_total": users.count(),
        "users_active": users.filter(is_active=True).count(),
        "agencies_total": s.managed_agencies(actor).count(),
        "grants_total": UserGrant.objects.filter(user__in=users).count(),
        "today": activity_totals(actor=actor, day=timezone.localdate()),
        "rectifications_overdue": overdue_rectifications(rectifications_for(actor)).count(),
    }
    return render(request, "operations/sysadmin/home.html", context)


# --------------------------------------------------------------------------------------------------------------
# Users
# --------------------------------------------------------------------------------------------------------------


@sysadmin_required
def user_list(request: HttpRequest) -> HttpResponse:
    """用户管理: users of the subtree, searchable by login or name, filtered by role and state."""
    q = request.GET.get("q", "").strip()[:50]
    role = request.GET.get("role", "")
    state = request.GET.get("state", "")
    qs = s.managed_users(request.user).order_by("agency__path", "username")
    if q:
        qs = qs.filter(Q(username__icontains=q) | Q(display_name__icontains=q))
    if role in dict(ROLE_CHOICES):
        qs = qs.filter(role=role)
    if state in ("active", "disabled"):
        qs = qs.filter(is_active=state == "active")
    context = {"page": paginate(request, qs), "q": q, "role": role, "state": state, "roles": ROLE_CHOICES}
    return render(request, "operations/sysadmin/user_list.html", context)


@sysadmin_required
def user_new(request: HttpRequest) -> HttpResponse:
    """新建用户: on success the page shows the temporary password once."""
    agencies = list(s.managed_agencies(request.user))
    form = UserCreateForm(request.POST or None, agencies=agencies)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            user, secret = s.admin_user_create(
                actor=request.user,
                agency_id=form.value("agency"),
                role=form.value("role"),
                username=form.value("username"),
                display_name=form.value("display_name"),
                password=form.value("password"),
            )
        except ApplicationError as exc:
            form.add_service_error(exc)
            status = error_status(exc)
        else:
            return render(
                request, "operations/sysadmin/password_once.html", {"subject": user, "secret": secret, "created": True}
            )
    elif request.method == "POST":
        status = 400
    return render(request, "operations/sysadmin/user_new.html", {"form": form}, status=status)


def _user_page(request, user: User, *, form=None, grant_form=None, status: int = 200) -> HttpResponse:
    grants = UserGrant.objects.filter(user=user).select_related("granted_by").order_by("item_prefix", "action")
    names = dict(CatalogItem.objects.filter(code__in=[g.item_prefix for g in grants]).values_list("code", "name"))
    context = {
        "subject": user,
        "form": form or UserUpdateForm(initial={"display_name": user.display_name, "role": user.role}),
        "grant_form": grant_form or GrantForm(),
        "grants": [(g, names.get(g.item_prefix, "")) for g in grants],
        "is_self": user.pk == request.user.pk,
        "role_grant_count": len(grant_set(user)) if user.is_active else 0,
    }
    return render(request, "operations/sysadmin/user_detail.html", context, status=status)


@scoped
def user_detail(request: HttpRequest, user_id: int) -> HttpResponse:
    """用户详情: details (editable), per-user grants and the account actions."""
    user = s.user_get_for(actor=request.user, user_id=user_id)
    if request.method != "POST":
        return _user_page(request, user)
    form = UserUpdateForm(request.POST)
    if not form.is_valid():
        return _user_page(request, user, form=form, status=400)
    try:
        s.admin_user_update(
            actor=request.user, user=user, role=form.value("role"), display_name=form.value("display_name")
        )
    except ApplicationError as exc:
        if exc.status_code in (403, 404):
            raise
        form.add_service_error(exc)
        return _user_page(request, user, form=form, status=error_status(exc))
    messages.success(request, f"已保存用户 {user.username} 的信息")
    return redirect("operations:admin-user", user_id=user.pk)


def _account_action(request, user_id: int, act: Callable, done: str) -> HttpResponse:
    user = s.user_get_for(actor=request.user, user_id=user_id)
    try:
        act(user)
    except ApplicationError as exc:
        if exc.status_code in (403, 404):
            raise
        messages.error(request, exc.message)
        return _user_page(request, user, status=error_status(exc))
    messages.success(request, done.format(name=user.username))
    return redirect("operations:admin-user", user_id=user.pk)


@scoped
@require_POST
def user_disable(request: HttpRequest, user_id: int) -> HttpResponse:
    """停用用户 (confirmed in the page); the user's sessions end at once."""
    return _account_action(
        request,
        user_id,
        lambda u: s.admin_user_set_active(actor=request.user, user=u, active=False),
        "已停用用户 {name}，其登录会话已失效",
    )


@scoped
@require_POST
def user_enable(request: HttpRequest, user_id: int) -> HttpResponse:
    """启用用户."""
    return _account_action(
        request,
        user_id,
        lambda u: s.admin_user_set_active(actor=request.user, user=u, active=True),
        "已启用用户 {name}",
    )


@scoped
@require_POST
def user_force_logout(request: HttpRequest, user_id: int) -> HttpResponse:
    """强制下线 (confirmed in the page)."""
    return _account_action(
        request,
        user_id,
        lambda u: s.admin_user_force_logout(actor=request.user, user=u),
        "已强制用户 {name} 下线，其所有登录会话和接口令牌已失效",
    )


@scoped
@require_POST
def user_reset_password(request: HttpRequest, user_id: int) -> HttpResponse:
    """重置密码: the temporary password is shown once on the answer page."""
    user = s.user_get_for(actor=request.user, user_id=user_id)
    try:
        secret = s.admin_user_reset_password(actor=request.user, user=user)
    except ApplicationError as exc:
        if exc.status_code in (403, 404):
            raise
        messages.error(request, exc.message)
        return _user_page(request, user, status=error_status(exc))
    return render(request, "operations/sysadmin/password_once.html", {"subject": user, "secret": secret})


@scoped
@require_POST
def grant_add(request: HttpRequest, user_id: int) -> HttpResponse:
    """按人授权: add a grant on one item to the user."""
    user = s.user_get_for(actor=request.user, user_id=user_id)
    form = GrantForm(request.POST)
    if not form.is_valid():
        return _user_page(request, user, grant_form=form, status=400)
    try:
        s.admin_grant_add(
            actor=request.user, user=user, item_prefix=form.value("item_prefix"), action=form.value("action")
        )
    except ApplicationError as exc:
        if exc.status_code in (403, 404):
            raise
        if "user" in exc.errors:
            form.add_error(None, exc.errors["user"][0])
        form.add_service_error(
            ApplicationError(exc.message, errors={k: m for k, m in exc.errors.items() if k != "user"})
        )
        return _user_page(request, user, grant_form=form, status=error_status(exc))
    messages.success(request, f"已为用户 {user.username} 授权 {form.value('item_prefix')}")
    return redirect("operations:admin-user", user_id=user.pk)


@scoped
@require_POST
def grant_revoke(request: HttpRequest, grant_id: int) -> HttpResponse:
    """撤销按人授权."""
    grant = s.grant_get_for(actor=request.user, grant_id=grant_id)
    user = grant.user
    try:
        s.admin_grant_revoke(actor=request.user, grant=grant)
    except ApplicationError as exc:
        if exc.status_code in (403, 404):
            raise
        messages.error(request, exc.message)
        return _user_page(request, user, status=error_status(exc))
    messages.success(request, f"已撤销用户 {user.username} 的 {grant.item_prefix} 授权")
    return redirect("operations:admin-user", user_id=user.pk)


# --------------------------------------------------------------------------------------------------------------
# Agencies
# --------------------------------------------------------------------------------------------------------------


@sysadmin_required
def agency_list(request: HttpRequest) -> HttpResponse:
    """经办机构: the subtree (searchable) and the form to add a sub-agency."""
    agencies = s.managed_agencies(request.user)
    form = AgencyForm(request.POST or None, agencies=list(agencies))
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                agency = s.admin_agency_create(
                    actor=request.user,
                    parent_id=form.value("parent"),
                    code=form.value("code"),
                    name=form.value("name"),
                    region=form.value("region"),
                )
            except ApplicationError as exc:
                form.add_service_error(exc)
                status = error_status(exc)
            else:
                messages.success(request, f"已新建经办机构 {agency.name}")
                return redirect("operations:admin-agencies")
        else:
            status = 400
    q = request.GET.get("q", "").strip()[:50]
    if q:
        agencies = agencies.filter(Q(name__icontains=q) | Q(code__icontains=q))
    context = {"page": paginate(request, agencies.order_by("path")), "q": q, "form": form}
    return render(request, "operations/sysadmin/agency_list.html", context, status=status)


@scoped
def agency_detail(request: HttpRequest, agency_id: int) -> HttpResponse:
    """经办机构详情: rename, change region; its users."""
    agency = s.agency_get_for(actor=request.user, agency_id=agency_id)
    form = AgencyUpdateForm(request.POST or None, initial={"name": agency.name, "region": agency.region_id})
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                s.admin_agency_update(
                    actor=request.user, agency=agency, name=form.value("name"), region=form.value("region")
                )
            except ApplicationError as exc:
                form.add_service_error(exc)
                status = error_status(exc)
            else:
                messages.success(request, "已保存经办机构信息")
                return redirect("operations:admin-agency", agency_id=agency.pk)
        else:
            status = 400
    users = s.managed_users(request.user).filter(agency=agency).order_by("username")
    context = {"agency": agency, "form": form, "users": users[:50], "users_count": users.count()}
    return render(request, "operations/sysadmin/agency_detail.html", context, status=status)


# --------------------------------------------------------------------------------------------------------------
# Business parameters (dated overrides)
# --------------------------------------------------------------------------------------------------------------


@sysadmin_required
def parameter_list(request: HttpRequest) -> HttpResponse:
    """业务参数: defaults and overrides by key, and the form to override one for a region from a date."""
    region = request.user.agency.region_id
    form = ParameterForm(request.POST or None, initial={"region": region, "verified": True})
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                param = parameter_set(
                    actor=request.user,
                    key=form.value("key"),
                    region=form.value("region") or None,
                    effective_from=_date_or_error(form.value("effective_from")),
                    value=form.value("value"),
                    legal_reference=form.value("legal_reference"),
                    note=form.value("note"),
                    verified=bool(form.value("verified", False)),
                )
            except ApplicationError as exc:
                if exc.status_code == 403:
                    exc = ApplicationError(exc.message, field="region")
                form.add_service_error(exc)
                status = error_status(exc) if exc.status_code != 403 else 400
            else:
                messages.success(request, f"已设置参数 {param.key}（{param.effective_from} 起生效）")
                return redirect(f"{request.path}?q={param.key}")
        else:
            status = 400
    q = request.GET.get("q", "").strip()[:100]
    qs = Parameter.objects.select_related("region").order_by("key", "region_id", "-effective_from", "pk")
    if q:
        qs = qs.filter(key__icontains=q)
    context = {"page": paginate(request, qs), "q": q, "form": form}
    return render(request, "operations/sysadmin/parameter_list.html", context, status=status)


def _date_or_error(value) -> dt.date:
    """The effective date as typed (the service layer names the field when it is wrong)."""
    return parse_date(value, "effective_from", "生效日期")


# --------------------------------------------------------------------------------------------------------------
# Query activity monitor
# --------------------------------------------------------------------------------------------------------------


def _day(value: str, default: dt.date) -> dt.date:
    try:
        return dt.date.fromisoformat(value) if value else default
    except ValueError:
        return default


@sysadmin_required
def activity(request: HttpRequest) -> HttpResponse:
    """数据查询监控: per user and day, page and API queries and full-ID views, unusual days flagged."""
    today = timezone.localdate()
    day_to = _day(request.GET.get("to", ""), today)
    day_from = _day(request.GET.get("from", ""), day_to - dt.timedelta(days=6))
    if day_from > day_to or (day_to - day_from).days > 92:
        day_from = day_to - dt.timedelta(days=6)
    q = request.GET.get("q", "").strip()[:50]
    flagged = request.GET.get("flagged", "") == "1"
    rows = activity_rows(actor=request.user, day_from=day_from, day_to=day_to, q=q, flagged_only=flagged)
    sample_user = None
    samples = []
    if request.GET.get("user", "").isdigit():
        sample_user = s.managed_users(request.user).filter(pk=int(request.GET["user"])).first()
        if sample_user is not None:
            samples = list(activity_samples(actor=request.user, user=sample_user))
    limit, factor = thresholds(request.user, day_to)
    context = {
        "page": paginate(request, rows),
        "day_from": day_from,
        "day_to": day_to,
        "q": q,
        "flagged": flagged,
        "limit": limit,
        "factor": factor.normalize(),
        "sample_user": sample_user,
        "samples": samples,
    }
    return render(request, "operations/sysadmin/activity.html", context)


urlpatterns = [
    path("admin/", admin_home, name="admin-home"),
    path("admin/users/", user_list, name="admin-users"),
    path("admin/users/new/", user_new, name="admin-user-new"),
    path("admin/users/<int:user_id>/", user_detail, name="admin-user"),
    path("admin/users/<int:user_id>/disable/", user_disable, name="admin-user-disable"),
    path("admin/users/<int:user_id>/enable/", user_enable, name="admin-user-enable"),
    path("admin/users/<int:user_id>/force-logout/", user_force_logout, name="admin-user-force-logout"),
    path("admin/users/<int:user_id>/reset-password/", user_reset_password, name="admin-user-reset-password"),
    path("admin/users/<int:user_id>/grants/", grant_add, name="admin-grant-add"),
    path("admin/grants/<int:grant_id>/revoke/", grant_revoke, name="admin-grant-revoke"),
    path("admin/agencies/", agency_list, name="admin-agencies"),
    path("admin/agencies/<int:agency_id>/", agency_detail, name="admin-agency"),
    path("admin/parameters/", parameter_list, name="admin-parameters"),
    path("admin/activity/", activity, name="admin-activity"),
]

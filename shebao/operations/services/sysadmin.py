"""1105 系统管理: agency administrators manage the users, per-user grants and agencies of their own agency subtree.

Every act is immediate (no review case) and audited in its transaction. Rules enforced here, whatever the caller:
an administrator acts only within their agency's subtree (anything else is 404), never grants or changes
themselves, never disables themselves, and never leaves an agency without an active administrator.
"""

from __future__ import annotations

import re
import secrets
import string
import unicodedata

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import translation

from shebao.core import validation as v
from shebao.core.access import STAFF_ROLES, has_grant
from shebao.core.audit import audit_write
from shebao.core.choices import Action, Role
from shebao.core.errors import ApplicationError, ConflictError, NotFoundError, PermissionDeniedError
from shebao.core.models import Agency, CatalogItem, Region, User, UserGrant
from shebao.core.tokens import token_revoke

ITEM = "1105"
_USERNAME = re.compile(r"^[A-Za-z0-9_.@-]{3,150}$", re.ASCII)
_AGENCY_CODE = re.compile(r"^[0-9A-Za-z]{6,20}$", re.ASCII)
_PREFIX = re.compile(r"^[0-9]{2,8}$", re.ASCII)
STAFF_ROLE_VALUES = tuple(str(r) for r in STAFF_ROLES)
TEMP_PASSWORD_LENGTH = 14
# Chinese wording of Django's password validators by error code (its zh-hans plural forms do not always load).
_PASSWORD_MESSAGES = {
    "password_too_short": "密码太短，至少需要{min_length}个字符",
    "password_too_common": "密码太常见，请换一个不易猜到的密码",
    "password_entirely_numeric": "密码不能全为数字",
    "password_too_similar": "密码与登录名或姓名太相似",
}


# --------------------------------------------------------------------------------------------------------------
# Who may administer what
# --------------------------------------------------------------------------------------------------------------


def is_sysadmin(actor) -> bool:
    """An active agency administrator holding the 1105 handle grant."""
    return bool(
        actor is not None
        and getattr(actor, "is_authenticated", False)
        and actor.is_active
        and actor.role == Role.AGENCY_ADMIN
        and actor.agency_id
        and has_grant(actor, ITEM, Action.HANDLE)
    )


def require_sysadmin(actor) -> None:
    """403 unless the actor is an agency administrator with the 1105 grant."""
    if not is_sysadmin(actor):
        raise PermissionDeniedError("系统管理仅限本机构的机构管理员使用")


def managed_users(actor):
    """Staff users of the actor's agency subtree (what an administrator may see and manage)."""
    if not is_sysadmin(actor):
        return User.objects.none()
    return User.objects.select_related("agency").filter(
        agency__path__startswith=actor.agency.path, role__in=STAFF_ROLE_VALUES
    )


def managed_agencies(actor):
    """The actor's agency and its sub-agencies."""
    if not is_sysadmin(actor):
        return Agency.objects.none()
    return Agency.objects.select_related("region", "parent").filter(path__startswith=actor.agency.path)


def user_get_for(*, actor, user_id) -> User:
    """A user the administrator manages, or 404 (never say that it exists elsewhere)."""
    try:
        return managed_users(actor).get(pk=int(user_id))
    except (User.DoesNotExist, ValueError, TypeError):
        raise NotFoundError("用户不存在") from None


def agency_get_for(*, actor, agency_id) -> Agency:
    """An agency of the administrator's subtree, or 404."""
    try:
        return managed_agencies(actor).get(pk=int(agency_id))
    except (Agency.DoesNotExist, ValueError, TypeError):
        raise NotFoundError("经办机构不存在") from None


def grant_get_for(*, actor, grant_id) -> UserGrant:
    """A per-user grant of a user the administrator manages, or 404."""
    try:
        return UserGrant.objects.select_related("user", "user__agency").get(
            pk=int(grant_id), user__in=managed_users(actor)
        )
    except (UserGrant.DoesNotExist, ValueError, TypeError):
        raise NotFoundError("授权不存在") from None


def _user_snapshot(user: User) -> dict:
    return {
        "username": user.username,
        "display_name": user.display_name,
        "role": user.role,
        "agency": user.agency.code if user.agency_id else None,
        "is_active": user.is_active,
    }


def _other_active_admins(user: User) -> bool:
    """Does the user's agency keep another active administrator if this one goes?"""
    return (
        User.objects.filter(agency_id=user.agency_id, role=Role.AGENCY_ADMIN, is_active=True)
        .exclude(pk=user.pk)
        .exists()
    )


def _lock_admins_of(agency_id) -> None:
    """Lock the agency's administrators so two concurrent changes cannot both remove 'the other' admin."""
    list(User.objects.select_for_update().filter(agency_id=agency_id, role=Role.AGENCY_ADMIN).values_list("pk"))


def temporary_password() -> str:
    """A random temporary password that passes the password rules (letters, digits and a sign)."""
    alphabet = string.ascii_letters + string.digits
    while True:
        core = "".join(secrets.choice(alphabet) for _ in range(TEMP_PASSWORD_LENGTH - 2))
        candidate = f"{core[:6]}-{core[6:]}{secrets.choice('!@#%*')}"
        if any(c.isdigit() for c in candidate) and any(c.isalpha() for c in candidate):
            return candidate


def _check_password(password: str, user: User, errors: v.Errors) -> None:
    with translation.override("zh-hans"):  # Django's validators (settings.AUTH_PASSWORD_VALIDATORS), in Chinese
        try:
            validate_password(password, user=user)
        except ValidationError as exc:
            for error in exc.error_list:
                params = error.params or {}
                known = _PASSWORD_MESSAGES.get(error.code or "")
                errors.add("password", known.format(**params) if known else " ".join(error.messages))


# --------------------------------------------------------------------------------------------------------------
# Users
# --------------------------------------------------------------------------------------------------------------


@transaction.atomic
def admin_user_create(
    *, actor, agency_id, role: str, username: str, display_name: str, password: str = ""
) -> tuple[User, str]:
    """1105 新建用户 in the administrator's subtree; returns the user and the temporary password (shown once)."""
    require_sysadmin(actor)
    errors = v.Errors()
    agency = None
    if agency_id in (None, ""):
        errors.add("agency", "请选择经办机构")
    else:
        try:
            agency = agency_get_for(actor=actor, agency_id=agency_id)
        except NotFoundError:
            errors.add("agency", "经办机构不存在或不在本机构管辖范围内")
    if role not in STAFF_ROLE_VALUES:
        errors.add("role", "角色无效（经办员、复核员、机构管理员、稽核员、财务人员）")
    name = unicodedata.normalize("NFKC", username or "").strip()
    if not name:
        errors.add("username", "登录名不能为空")
    elif not _USERNAME.fullmatch(name):
        errors.add("username", "登录名应为3至150位英文字母、数字或 _ . @ -")
    elif User.objects.filter(username__iexact=name).exists():
        errors.add("username", f"登录名 {name} 已被使用")
    shown = errors.capture(v.required, display_name, "display_name", "姓名", max_length=50)
    typed = unicodedata.normalize("NFKC", password or "")
    candidate = User(username=name, display_name=shown or "", role=role)
    if typed:
        _check_password(typed, candidate, errors)
    errors.raise_if_any()
    secret = typed or temporary_password()
    user = User(username=name, display_name=shown, role=role, agency=agency, is_active=True)
    user.set_password(secret)
    user.save()
    audit_write(
        actor=actor,
        action="sysadmin.user_create",
        item_code=ITEM,
        object_type="user",
        object_id=user.pk,
        after={**_user_snapshot(user), "password": "管理员设定" if typed else "临时密码"},
    )
    return user, ("" if typed else secret)


@transaction.atomic
def admin_user_update(*, actor, user: User, role: str, display_name: str) -> User:
    """1105 修改用户 (name and role); an administrator may not change their own role or demote the last admin."""
    require_sysadmin(actor)
    user = user_get_for(actor=actor, user_id=user.pk)
    errors = v.Errors()
    if role not in STAFF_ROLE_VALUES:
        errors.add("role", "角色无效（经办员、复核员、机构管理员、稽核员、财务人员）")
    shown = errors.capture(v.required, display_name, "display_name", "姓名", max_length=50)
    errors.raise_if_any()
    if role != user.role:
        if user.pk == actor.pk:
            raise ApplicationError("不能修改本人的角色", field="role")
        if user.role == Role.AGENCY_ADMIN and user.is_active:
            _lock_admins_of(user.agency_id)
            if not _other_active_admins(user):
                raise ConflictError("该用户是本机构唯一在用的机构管理员，不能改为其他角色", field="role")
    before = _user_snapshot(user)
    user.role, user.display_name = role, shown
    user.save(update_fields=["role", "display_name"])
    audit_write(
        actor=actor,
        action="sysadmin.user_update",
        item_code=ITEM,
        object_type="user",
        object_id=user.pk,
        before=before,
        after=_user_snapshot(user),
    )
    return user


def _end_sessions(user: User) -> None:
    """End every session (the epoch is part of the session hash) and revoke the API token."""
    User.objects.filter(pk=user.pk).update(session_epoch=F("session_epoch") + 1)
    user.refresh_from_db(fields=["session_epoch"])
    token_revoke(user=user)


@transaction.atomic
def admin_user_set_active(*, actor, user: User, active: bool) -> User:
    """1105 停用/启用用户: a disabled user's sessions and token stop working at once."""
    require_sysadmin(actor)
    user = user_get_for(actor=actor, user_id=user.pk)
    if not active:
        if user.pk == actor.pk:
            raise ApplicationError("不能停用本人账号", field="is_active")
        if user.role == Role.AGENCY_ADMIN:
            _lock_admins_of(user.agency_id)
            if user.is_active and not _other_active_admins(user):
                raise ConflictError("该用户是本机构唯一在用的机构管理员，不能停用", field="is_active")
    if user.is_active == active:
        raise ConflictError("该用户已是启用状态" if active else "该用户已停用", field="is_active")
    user.is_active = active
    user.save(update_fields=["is_active"])
    if not active:
        _end_sessions(user)
    audit_write(
        actor=actor,
        action="sysadmin.user_enable" if active else "sysadmin.user_disable",
        item_code=ITEM,
        object_type="user",
        object_id=user.pk,
        before={"is_active": not active},
        after={"is_active": active},
    )
    return user


@transaction.atomic
def admin_user_reset_password(*, actor, user: User) -> str:
    """1105 重置密码: a random temporary password, shown once; the user's sessions and token end."""
    require_sysadmin(actor)
    user = user_get_for(actor=actor, user_id=user.pk)
    if user.pk == actor.pk:
        raise ApplicationError("不能在此重置本人密码，请使用修改密码功能", field="password")
    secret = temporary_password()
    user.set_password(secret)  # a new password hash: sessions signed with the old one stop working
    user.save(update_fields=["password"])
    token_revoke(user=user)
    audit_write(
        actor=actor,
        action="sysadmin.password_reset",
        item_code=ITEM,
        object_type="user",
        object_id=user.pk,
        after={"password": "已重置为临时密码"},
    )
    return secret


@transaction.atomic
def admin_user_force_logout(*, actor, user: User) -> User:
    """1105 强制下线: every session of the user ends at its next request, and the API token is revoked."""
    require_sysadmin(actor)
    user = user_get_for(actor=actor, user_id=user.pk)
    if user.pk == actor.pk:
        raise ApplicationError("不能强制本人下线，请直接退出登录", field="user")
    before = user.session_epoch
    _end_sessions(user)
    audit_write(
        actor=actor,
        action="sysadmin.force_logout",
        item_code=ITEM,
        object_type="user",
        object_id=user.pk,
        before={"session_epoch": before},
        after={"session_epoch": user.session_epoch},
    )
    return user


# --------------------------------------------------------------------------------------------------------------
# Per-user grants (按人授权)
# --------------------------------------------------------------------------------------------------------------


@transaction.atomic
def admin_grant_add(*, actor, user: User, item_prefix: str, action: str) -> UserGrant:
    """1105 按人授权: let one user of the subtree do `action` on a catalogue item (never oneself)."""
    require_sysadmin(actor)
    user = user_get_for(actor=actor, user_id=user.pk)
    errors = v.Errors()
    code = unicodedata.normalize("NFKC", item_prefix or "").strip()
    if user.pk == actor.pk:
        errors.add("user", "不能为本人授权")
    if not code:
        errors.add("item_prefix", "业务编码不能为空")
    elif not _PREFIX.fullmatch(code) or not CatalogItem.objects.filter(code=code).exists():
        errors.add("item_prefix", f"业务编码 {code} 不在业务目录中")
    if action not in Action.values:
        errors.add("action", "操作无效（经办、复核、查询）")
    errors.raise_if_any()
    if UserGrant.objects.filter(user=user, item_prefix=code, action=action).exists():
        raise ConflictError("该用户已有此项授权", field="item_prefix")
    grant = UserGrant.objects.create(user=user, item_prefix=code, action=action, granted_by=actor)
    audit_write(
        actor=actor,
        action="sysadmin.grant_add",
        item_code=ITEM,
        object_type="user",
        object_id=user.pk,
        after={"item": code, "action": action},
    )
    return grant


@transaction.atomic
def admin_grant_revoke(*, actor, grant: UserGrant) -> None:
    """1105 撤销按人授权 (not one's own)."""
    require_sysadmin(actor)
    grant = grant_get_for(actor=actor, grant_id=grant.pk)
    if grant.user_id == actor.pk:
        raise ApplicationError("不能变更本人的授权", field="user")
    before = {"item": grant.item_prefix, "action": grant.action}
    user_id = grant.user_id
    grant.delete()
    audit_write(
        actor=actor,
        action="sysadmin.grant_revoke",
        item_code=ITEM,
        object_type="user",
        object_id=user_id,
        before=before,
    )


# --------------------------------------------------------------------------------------------------------------
# Agencies
# --------------------------------------------------------------------------------------------------------------


def _region_errors(errors: v.Errors, region_code, parent: Agency | None) -> Region | None:
    code = unicodedata.normalize("NFKC", str(region_code or "")).strip()
    if not code:
        errors.add("region", "所在区划不能为空")
        return None
    region = Region.objects.filter(code=code).first() if re.fullmatch(r"[0-9]{6}", code, re.ASCII) else None
    if region is None:
        errors.add("region", f"行政区划代码 {code} 不存在")
        return None
    if parent is not None and parent.region_id not in region.lineage_codes():
        errors.add("region", f"所在区划应在上级机构的区划（{parent.region_id}）之内")
        return None
    return region


def _agency_snapshot(agency: Agency) -> dict:
    return {"code": agency.code, "name": agency.name, "region": agency.region_id, "parent": agency.parent_id}


@transaction.atomic
def admin_agency_create(*, actor, parent_id, code: str, name: str, region: str) -> Agency:
    """1105 新建下级经办机构 under an agency of the administrator's subtree."""
    require_sysadmin(actor)
    errors = v.Errors()
    parent = None
    try:
        parent = agency_get_for(actor=actor, agency_id=parent_id)
    except NotFoundError:
        errors.add("parent", "上级机构不存在或不在本机构管辖范围内")
    clean_code = unicodedata.normalize("NFKC", code or "").strip()
    if not clean_code:
        errors.add("code", "机构编码不能为空")
    elif not _AGENCY_CODE.fullmatch(clean_code):
        errors.add("code", "机构编码应为6至20位数字或英文字母")
    elif Agency.objects.filter(code=clean_code).exists():
        errors.add("code", f"机构编码 {clean_code} 已被使用")
    clean_name = errors.capture(v.required, name, "name", "机构名称", max_length=100)
    reg = _region_errors(errors, region, parent)
    errors.raise_if_any()
    agency = Agency(code=clean_code, name=clean_name, region=reg, parent=parent)
    agency.save()
    audit_write(
        actor=actor,
        action="sysadmin.agency_create",
        item_code=ITEM,
        object_type="agency",
        object_id=agency.pk,
        after=_agency_snapshot(agency),
    )
    return agency


@transaction.atomic
def admin_agency_update(*, actor, agency: Agency, name: str, region: str) -> Agency:
    """1105 修改经办机构 (name and region; the code, and so the tree, stays)."""
    require_sysadmin(actor)
    agency = agency_get_for(actor=actor, agency_id=agency.pk)
    errors = v.Errors()
    clean_name = errors.capture(v.required, name, "name", "机构名称", max_length=100)
    reg = _region_errors(errors, region, agency.parent if agency.parent_id and agency.pk != actor.agency_id else None)
    errors.raise_if_any()
    before = _agency_snapshot(agency)
    agency.name, agency.region = clean_name, reg
    agency.save()
    audit_write(
        actor=actor,
        action="sysadmin.agency_update",
        item_code=ITEM,
        object_type="agency",
        object_id=agency.pk,
        before=before,
        after=_agency_snapshot(agency),
    )
    return agency

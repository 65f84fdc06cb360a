"""1105 系统管理 services: users (create, disable, reset, force logout) through real sessions, per-user grants,
agencies, the self / last-admin rules, the subtree scope, and the query activity log with its flags."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.authtoken.models import Token

from shebao.conftest import make_user
from shebao.core.access import has_grant
from shebao.core.activity import KIND_API, KIND_SEARCH, activity_record
from shebao.core.choices import Action, Role
from shebao.core.errors import ConflictError, NotFoundError, PermissionDeniedError
from shebao.core.models import ActivityCount, ActivitySample, Agency, AuditEvent, Parameter, User, UserGrant
from shebao.core.tests.factories import valid_id_number
from shebao.operations.selectors.sysadmin import activity_rows
from shebao.operations.services import sysadmin as s
from shebao.testing import assert_refused

pytestmark = [pytest.mark.django_db, pytest.mark.catalog("1105")]

PASSWORD = "Shebao@2026!"


def logged_in(user, password: str = PASSWORD) -> Client:
    """A browser-like client logged in through the real login form (a real session)."""
    client = Client()
    res = client.post("/login/", {"username": user.username, "password": password})
    assert res.status_code == 302, res.content[:300]
    assert client.get("/").status_code == 200
    return client


def still_logged_in(client: Client) -> bool:
    res = client.get("/")
    return res.status_code == 200


# ---------------------------------------------------------------------------------------------------------------
# Users
# ---------------------------------------------------------------------------------------------------------------


def test_create_user_with_temporary_password_that_logs_in(admin_a, agencies):
    user, secret = s.admin_user_create(
        actor=admin_a,
        agency_id=agencies["a"].pk,
        role=Role.CLERK,
        username="ｗａｎｇ.ｗｕ",  # full-width: NFKC makes it ASCII
        display_name=" 王五 ",
    )
    assert user.username == "wang.wu" and user.display_name == "王五"
    assert len(secret) >= 14 and secret not in (user.password,)
    assert User.objects.get(username="wang.wu").check_password(secret)
    logged_in(user, secret)
    event = AuditEvent.objects.get(action="sysadmin.user_create")
    assert event.item_code == "1105" and event.object_id == str(user.pk)
    assert secret not in str(event.after)


def test_create_user_with_a_chosen_password_returns_no_secret(admin_a, agencies):
    user, secret = s.admin_user_create(
        actor=admin_a,
        agency_id=agencies["a"].pk,
        role=Role.REVIEWER,
        username="zhao6",
        display_name="赵六",
        password="Qiantang#River2026",
    )
    assert secret == "" and user.check_password("Qiantang#River2026")


@pytest.mark.parametrize(
    ("kwargs", "field", "message"),
    [
        ({"username": ""}, "username", "登录名不能为空"),
        ({"username": "有中文"}, "username", "登录名应为"),
        ({"username": "clerk_a"}, "username", "已被使用"),
        ({"role": "employer"}, "role", "角色无效"),
        ({"display_name": "   "}, "display_name", "姓名不能为空"),
        ({"password": "12345678901"}, "password", "密码"),
        ({"password": "short"}, "password", "密码"),
        ({"agency_id": None}, "agency", "请选择经办机构"),
    ],
)
def test_create_user_refuses_bad_input_and_saves_nothing(admin_a, agencies, clerk, kwargs, field, message):
    args = {
        "agency_id": agencies["a"].pk,
        "role": Role.CLERK,
        "username": "new.user",
        "display_name": "新用户",
        **kwargs,
    }
    assert_refused(
        lambda: s.admin_user_create(actor=admin_a, **args),
        field=field,
        status=400,
        message_contains=message,
        nothing_saved=[User, AuditEvent],
    )


def test_create_user_in_another_agency_is_refused(admin_a, agencies):
    assert_refused(
        lambda: s.admin_user_create(
            actor=admin_a, agency_id=agencies["b"].pk, role=Role.CLERK, username="x.y", display_name="某人"
        ),
        field="agency",
        status=400,
        nothing_saved=[User, AuditEvent],
    )


def test_clerk_is_not_an_administrator(clerk, agencies):
    with pytest.raises(PermissionDeniedError):
        s.admin_user_create(actor=clerk, agency_id=agencies["a"].pk, role=Role.CLERK, username="x.y", display_name="某")


def test_disable_ends_the_users_session_and_token(admin_a, clerk):
    browser = logged_in(clerk)
    token = Token.objects.create(user=clerk)
    s.admin_user_set_active(actor=admin_a, user=clerk, active=False)
    assert not still_logged_in(browser)
    assert not Token.objects.filter(key=token.key).exists()
    assert Client().post("/login/", {"username": clerk.username, "password": PASSWORD}).status_code == 200  # refused
    assert AuditEvent.objects.filter(action="sysadmin.user_disable", object_id=str(clerk.pk)).exists()
    s.admin_user_set_active(actor=admin_a, user=clerk, active=True)
    logged_in(User.objects.get(pk=clerk.pk))


def test_force_logout_ends_existing_sessions_but_not_the_account(admin_a, clerk):
    first, second = logged_in(clerk), logged_in(clerk)
    api_token = Token.objects.create(user=clerk)
    s.admin_user_force_logout(actor=admin_a, user=clerk)
    assert not still_logged_in(first) and not still_logged_in(second)
    assert not Token.objects.filter(key=api_token.key).exists()
    fresh = logged_in(User.objects.get(pk=clerk.pk))  # the password still works
    assert still_logged_in(fresh)
    event = AuditEvent.objects.get(action="sysadmin.force_logout")
    assert event.before == {"session_epoch": 0} and event.after == {"session_epoch": 1}


def test_an_other_users_session_survives_a_force_logout(admin_a, clerk, reviewer):
    browser = logged_in(reviewer)
    s.admin_user_force_logout(actor=admin_a, user=clerk)
    assert still_logged_in(browser)


def test_reset_password_gives_a_one_time_password_and_ends_sessions(admin_a, clerk):
    browser = logged_in(clerk)
    secret = s.admin_user_reset_password(actor=admin_a, user=clerk)
    assert not still_logged_in(browser)
    assert not User.objects.get(pk=clerk.pk).check_password(PASSWORD)
    logged_in(User.objects.get(pk=clerk.pk), secret)
    event = AuditEvent.objects.get(action="sysadmin.password_reset")
    assert secret not in str(event.after)


def test_admin_cannot_disable_reset_or_log_out_themselves(admin_a, agencies):
    make_user(Role.AGENCY_ADMIN, agencies["a"], username="admin_a2")
    for call, field in (
        (lambda: s.admin_user_set_active(actor=admin_a, user=admin_a, active=False), "is_active"),
        (lambda: s.admin_user_force_logout(actor=admin_a, user=admin_a), "user"),
        (lambda: s.admin_user_reset_password(actor=admin_a, user=admin_a), "password"),
        (lambda: s.admin_user_update(actor=admin_a, user=admin_a, role=Role.CLERK, display_name="我"), "role"),
    ):
        assert_refused(call, field=field, status=400, nothing_saved=[AuditEvent])
    assert User.objects.get(pk=admin_a.pk).is_active


def test_the_last_active_admin_of_an_agency_cannot_be_disabled_or_demoted(admin_city, admin_a, agencies):
    assert_refused(
        lambda: s.admin_user_set_active(actor=admin_city, user=admin_a, active=False),
        field="is_active",
        status=409,
        message_contains="唯一在用的机构管理员",
        nothing_saved=[AuditEvent],
    )
    assert_refused(
        lambda: s.admin_user_update(actor=admin_city, user=admin_a, role=Role.CLERK, display_name="管理员"),
        field="role",
        status=409,
        nothing_saved=[AuditEvent],
    )
    second = make_user(Role.AGENCY_ADMIN, agencies["a"], username="admin_a2")
    s.admin_user_set_active(actor=admin_city, user=admin_a, active=False)
    assert_refused(
        lambda: s.admin_user_set_active(actor=admin_city, user=second, active=False), field="is_active", status=409
    )


def test_admin_of_another_agency_gets_not_found(admin_b, admin_a, clerk, agencies):
    for call in (
        lambda: s.user_get_for(actor=admin_b, user_id=clerk.pk),
        lambda: s.admin_user_set_active(actor=admin_b, user=clerk, active=False),
        lambda: s.admin_user_force_logout(actor=admin_b, user=clerk),
        lambda: s.admin_user_reset_password(actor=admin_b, user=clerk),
        lambda: s.admin_grant_add(actor=admin_b, user=clerk, item_prefix="01010101", action=Action.HANDLE),
        lambda: s.agency_get_for(actor=admin_b, agency_id=agencies["a"].pk),
        lambda: s.agency_get_for(actor=admin_a, agency_id=agencies["city"].pk),  # the parent is out of scope too
    ):
        with pytest.raises(NotFoundError):
            call()
    assert User.objects.get(pk=clerk.pk).is_active


def test_city_admin_manages_the_districts(admin_city, clerk, clerk_b):
    assert set(s.managed_users(admin_city).values_list("username", flat=True)) >= {"clerk_a", "clerk_b"}
    s.admin_user_force_logout(actor=admin_city, user=clerk_b)


# ---------------------------------------------------------------------------------------------------------------
# Per-user grants
# ---------------------------------------------------------------------------------------------------------------


def test_grant_per_item_takes_effect_and_revoke_removes_it(admin_a, finance_a):
    assert not has_grant(finance_a, "01010101", Action.HANDLE)
    grant = s.admin_grant_add(actor=admin_a, user=finance_a, item_prefix="01010101", action=Action.HANDLE)
    fresh = User.objects.get(pk=finance_a.pk)
    assert has_grant(fresh, "01010101", Action.HANDLE)
    assert not has_grant(fresh, "01010102", Action.HANDLE)  # that item only
    assert AuditEvent.objects.filter(action="sysadmin.grant_add", object_id=str(finance_a.pk)).exists()
    s.admin_grant_revoke(actor=admin_a, grant=grant)
    assert not has_grant(User.objects.get(pk=finance_a.pk), "01010101", Action.HANDLE)
    assert AuditEvent.objects.filter(action="sysadmin.grant_revoke").exists()


def test_no_admin_grants_themselves(admin_a):
    assert_refused(
        lambda: s.admin_grant_add(actor=admin_a, user=admin_a, item_prefix="020302", action=Action.REVIEW),
        field="user",
        status=400,
        message_contains="不能为本人授权",
        nothing_saved=[UserGrant, AuditEvent],
    )


@pytest.mark.parametrize(
    ("prefix", "action", "field"),
    [("", Action.HANDLE, "item_prefix"), ("99999999", Action.HANDLE, "item_prefix"), ("01010101", "delete", "action")],
)
def test_grant_refuses_unknown_items_and_actions(admin_a, finance_a, prefix, action, field):
    assert_refused(
        lambda: s.admin_grant_add(actor=admin_a, user=finance_a, item_prefix=prefix, action=action),
        field=field,
        status=400,
        nothing_saved=[UserGrant, AuditEvent],
    )


def test_same_grant_twice_is_a_conflict(admin_a, finance_a):
    s.admin_grant_add(actor=admin_a, user=finance_a, item_prefix="0101", action=Action.HANDLE)
    with pytest.raises(ConflictError):
        s.admin_grant_add(actor=admin_a, user=finance_a, item_prefix="0101", action=Action.HANDLE)


# ---------------------------------------------------------------------------------------------------------------
# Agencies
# ---------------------------------------------------------------------------------------------------------------


def test_create_sub_agency_and_rename_it(admin_a, agencies):
    sub = s.admin_agency_create(
        actor=admin_a, parent_id=agencies["a"].pk, code="33010201", name="湖滨街道社保服务站", region="330102"
    )
    assert sub.parent == agencies["a"] and sub.path == "/330100/330102/33010201/"
    assert s.agency_get_for(actor=admin_a, agency_id=sub.pk) == sub
    s.admin_agency_update(actor=admin_a, agency=sub, name="湖滨街道社会保障服务站", region="330102")
    event = AuditEvent.objects.get(action="sysadmin.agency_update")
    assert event.before["name"] == "湖滨街道社保服务站" and event.after["name"] == "湖滨街道社会保障服务站"


@pytest.mark.parametrize(
    ("code", "name", "region", "field"),
    [
        ("", "某站", "330102", "code"),
        ("330105", "某站", "330102", "code"),  # taken by agency b
        ("3301-02", "某站", "330102", "code"),
        ("33010299", "", "330102", "name"),
        ("33010299", "某站", "999999", "region"),
        ("33010299", "某站", "330105", "region"),  # not within the parent's region
    ],
)
def test_create_agency_refuses_bad_input(admin_a, agencies, code, name, region, field):
    assert_refused(
        lambda: s.admin_agency_create(actor=admin_a, parent_id=agencies["a"].pk, code=code, name=name, region=region),
        field=field,
        status=400,
        nothing_saved=[Agency, AuditEvent],
    )


def test_create_agency_under_another_agency_is_refused(admin_a, agencies):
    assert_refused(
        lambda: s.admin_agency_create(
            actor=admin_a, parent_id=agencies["b"].pk, code="33010599", name="某站", region="330105"
        ),
        field="parent",
        status=400,
        nothing_saved=[Agency],
    )


# ---------------------------------------------------------------------------------------------------------------
# Query activity log
# ---------------------------------------------------------------------------------------------------------------


def test_activity_is_counted_per_user_day_and_kind_with_masked_samples(clerk):
    number = valid_id_number(7)
    for _ in range(3):
        activity_record(clerk, KIND_SEARCH, what=f"registration:person-list {number}")
    activity_record(clerk, KIND_API, what="/api/v1/cases/")
    rows = dict(ActivityCount.objects.filter(user=clerk).values_list("kind", "count"))
    assert rows == {KIND_SEARCH: 3, KIND_API: 1}
    samples = list(ActivitySample.objects.filter(user=clerk).values_list("what", flat=True))
    assert len(samples) == 4
    assert all(number not in text for text in samples)
    assert any(number[:6] in text and "*" in text for text in samples)


def test_a_volume_above_the_daily_limit_is_flagged(admin_a, clerk, reviewer):
    Parameter.objects.create(
        key="operations.query.daily_alert",
        region_id="330102",
        effective_from=dt.date(2020, 1, 1),
        value="5",
        unit="次",
    )
    activity_record(clerk, KIND_SEARCH, count=6)
    activity_record(reviewer, KIND_SEARCH, count=5)
    today = timezone.localdate()
    rows = {r.user.username: r for r in activity_rows(actor=admin_a, day_from=today, day_to=today)}
    assert rows["clerk_a"].flagged and "超过每日5次" in rows["clerk_a"].flags[0]
    assert not rows["reviewer_a"].flagged
    flagged = activity_rows(actor=admin_a, day_from=today, day_to=today, flagged_only=True)
    assert [r.user.username for r in flagged] == ["clerk_a"]


def test_a_volume_above_three_times_the_users_median_is_flagged(admin_a, clerk):
    today = timezone.localdate()
    for days_ago, n in ((1, 10), (2, 12), (3, 8), (5, 10)):
        ActivityCount.objects.create(
            user=clerk, agency=clerk.agency, day=today - dt.timedelta(days=days_ago), kind="search", count=n
        )
    activity_record(clerk, KIND_SEARCH, count=31)  # median 10 → more than 30 is unusual
    row = activity_rows(actor=admin_a, day_from=today, day_to=today)[0]
    assert row.median == 10 and row.total == 31 and row.flagged
    assert "中位数" in row.flags[0]
    ActivityCount.objects.filter(user=clerk, day=today).update(count=30)
    assert not activity_rows(actor=admin_a, day_from=today, day_to=today)[0].flagged


def test_activity_of_another_agency_is_not_shown(admin_b, clerk):
    activity_record(clerk, KIND_SEARCH, count=3)
    today = timezone.localdate()
    assert activity_rows(actor=admin_b, day_from=today, day_to=today) == []

"""1105 系统管理 pages: reachable by administrators only, create user → the new user logs in, confirmations, bad
input re-rendered with the field's Chinese error and nothing saved, out-of-subtree 404, parameter overrides, the
query monitor fed by real search pages."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client

from shebao.core.models import ActivityCount, ActivitySample, AuditEvent, Parameter, User, UserGrant
from shebao.core.tests.factories import valid_id_number
from shebao.testing import assert_refused, login

pytestmark = [pytest.mark.django_db, pytest.mark.catalog("1105")]

PAGES = [
    "/operations/admin/",
    "/operations/admin/users/",
    "/operations/admin/users/new/",
    "/operations/admin/agencies/",
    "/operations/admin/parameters/",
    "/operations/admin/activity/",
]


def test_admin_pages_are_reachable_and_in_chinese(client, admin_a):
    login(client, admin_a)
    for url in PAGES:
        res = client.get(url)
        assert res.status_code == 200, url
        assert "系统管理" in res.content.decode() or "用户" in res.content.decode()
    home = client.get("/").content.decode()
    assert 'class="nav-link" href="/operations/admin/"' in home  # the sidebar link of the administrator


def test_other_roles_get_403(client, clerk, reviewer):
    for user in (clerk, reviewer):
        login(client, user)
        for url in PAGES:
            assert client.get(url).status_code == 403, (user, url)
        assert 'class="nav-link" href="/operations/admin/"' not in client.get("/").content.decode()


def test_user_pages_of_another_agency_are_404(client, admin_b, clerk, admin_a):
    login(client, admin_b)
    assert client.get(f"/operations/admin/users/{clerk.pk}/").status_code == 404
    assert client.post(f"/operations/admin/users/{clerk.pk}/disable/").status_code == 404
    assert User.objects.get(pk=clerk.pk).is_active
    login(client, clerk)  # a clerk is 404 on a user page as well (it manages nobody)
    assert client.get(f"/operations/admin/users/{admin_a.pk}/").status_code == 404


def test_create_user_shows_the_password_once_and_the_user_logs_in(client, admin_a, agencies):
    login(client, admin_a)
    res = client.post(
        "/operations/admin/users/new/",
        {"agency": agencies["a"].pk, "role": "clerk", "username": "zhou.jiu", "display_name": "周九", "password": ""},
    )
    assert res.status_code == 200
    html = res.content.decode()
    secret = re.search(r'data-testid="temp-password">([^<]+)<', html).group(1)
    again = client.get(f"/operations/admin/users/{User.objects.get(username='zhou.jiu').pk}/").content.decode()
    assert secret not in again  # shown once
    browser = Client()
    res = browser.post("/login/", {"username": "zhou.jiu", "password": secret})
    assert res.status_code == 302
    assert browser.get("/").status_code == 200


def test_create_user_bad_input_is_400_on_the_field_and_saves_nothing(client, admin_a, agencies):
    login(client, admin_a)
    assert_refused(
        lambda: client.post(
            "/operations/admin/users/new/",
            {"agency": agencies["a"].pk, "role": "clerk", "username": "bad name", "display_name": "某"},
        ),
        status=400,
        field="username",
        message_contains="登录名应为",
        nothing_saved=[User, AuditEvent],
    )
    assert not User.objects.filter(display_name="某").exists()
    res = client.post("/operations/admin/users/new/", {"agency": "", "role": "", "username": "", "display_name": ""})
    assert res.status_code == 400
    html = res.content.decode()
    for field in ("agency", "role", "username", "display_name"):
        assert f'id="id_{field}_errors"' in html, field
    assert not AuditEvent.objects.filter(action="sysadmin.user_create").exists()


def test_disable_and_force_logout_ask_for_confirmation_and_work(client, admin_a, clerk):
    login(client, admin_a)
    page = client.get(f"/operations/admin/users/{clerk.pk}/").content.decode()
    for action in ("disable", "force-logout", "reset-password"):
        form = re.search(rf'<form[^>]+action="/operations/admin/users/{clerk.pk}/{action}/"[^>]*>', page).group(0)
        assert "data-confirm=" in form, action
    victim = Client()
    assert victim.post("/login/", {"username": "clerk_a", "password": "Shebao@2026!"}).status_code == 302
    res = client.post(f"/operations/admin/users/{clerk.pk}/force-logout/")
    assert res.status_code == 302
    assert victim.get("/").status_code == 302  # back to the login page
    res = client.post(f"/operations/admin/users/{clerk.pk}/disable/", follow=True)
    assert "已停用用户 clerk_a" in res.content.decode()
    assert not User.objects.get(pk=clerk.pk).is_active


def test_own_page_offers_no_account_actions_and_refuses_them(client, admin_a):
    login(client, admin_a)
    page = client.get(f"/operations/admin/users/{admin_a.pk}/").content.decode()
    assert "/disable/" not in page and "添加授权" not in page
    res = client.post(f"/operations/admin/users/{admin_a.pk}/disable/")
    assert res.status_code == 400 and "不能停用本人账号" in res.content.decode()
    assert User.objects.get(pk=admin_a.pk).is_active


def test_grant_on_the_user_page_opens_the_items_page(client, admin_a, finance_a):
    finance = Client()
    login(finance, finance_a)
    assert finance.get("/registration/employers/new/").status_code == 403
    login(client, admin_a)
    res = client.post(
        f"/operations/admin/users/{finance_a.pk}/grants/", {"item_prefix": "01010101", "action": "handle"}
    )
    assert res.status_code == 302
    assert finance.get("/registration/employers/new/").status_code == 200
    grant = UserGrant.objects.get()
    assert client.post(f"/operations/admin/grants/{grant.pk}/revoke/").status_code == 302
    assert finance.get("/registration/employers/new/").status_code == 403


def test_grant_with_an_unknown_item_is_400_on_the_field(client, admin_a, finance_a):
    login(client, admin_a)
    assert_refused(
        lambda: client.post(
            f"/operations/admin/users/{finance_a.pk}/grants/", {"item_prefix": "1234", "action": "handle"}
        ),
        status=400,
        field="item_prefix",
        message_contains="不在业务目录中",
        nothing_saved=[UserGrant, AuditEvent],
    )
    assert not UserGrant.objects.exists()


def test_agency_pages_create_and_rename(client, admin_a, agencies):
    login(client, admin_a)
    res = client.post(
        "/operations/admin/agencies/",
        {"parent": agencies["a"].pk, "code": "33010209", "name": "南星街道社保服务站", "region": "330102"},
    )
    assert res.status_code == 302
    page = client.get("/operations/admin/agencies/", {"q": "南星"}).content.decode()
    assert "南星街道社保服务站" in page
    res = client.post("/operations/admin/agencies/", {"parent": agencies["a"].pk, "code": "", "name": "", "region": ""})
    assert res.status_code == 400 and 'id="id_code_errors"' in res.content.decode()
    assert client.get(f"/operations/admin/agencies/{agencies['b'].pk}/").status_code == 404
    assert "没有符合条件的经办机构" in client.get("/operations/admin/agencies/", {"q": "不存在"}).content.decode()


def test_parameter_override_page(client, admin_a):
    login(client, admin_a)
    page = client.get("/operations/admin/parameters/", {"q": "operations.query"}).content.decode()
    assert "operations.query.daily_alert" in page
    res = client.post(
        "/operations/admin/parameters/",
        {"key": "operations.query.daily_alert", "region": "330102", "effective_from": "2026-01-01", "value": "800"},
    )
    assert res.status_code == 302, res.content.decode()[:2000]
    param = Parameter.objects.get(key="operations.query.daily_alert", region_id="330102")
    assert param.value == "800" and param.effective_from == dt.date(2026, 1, 1)
    assert AuditEvent.objects.filter(action="parameter.set").exists()
    res = client.post(
        "/operations/admin/parameters/",
        {"key": "operations.query.daily_alert", "region": "330105", "effective_from": "2026-01-01", "value": "9"},
    )
    assert res.status_code == 400 and 'id="id_region_errors"' in res.content.decode()
    res = client.post(
        "/operations/admin/parameters/",
        {"key": "operations.query.daily_alert", "region": "330102", "effective_from": "2026-01-01", "value": "abc"},
    )
    assert res.status_code == 400 and 'id="id_value_errors"' in res.content.decode()


def test_search_pages_feed_the_monitor_with_masked_samples(client, admin_a, clerk):
    Parameter.objects.create(
        key="operations.query.daily_alert", region_id="330102", effective_from=dt.date(2020, 1, 1), value="2", unit="次"
    )
    number = valid_id_number(11)
    searcher = Client()
    login(searcher, clerk)
    res = searcher.post("/registration/persons/", {"q": number}, follow=True)
    assert res.status_code == 200
    searcher.get("/registration/persons/")
    searcher.get("/registration/employers/")
    assert ActivityCount.objects.get(user=clerk, kind="search").count == 3
    assert all(number not in s for s in ActivitySample.objects.values_list("what", flat=True))
    login(client, admin_a)
    page = client.get("/operations/admin/activity/", {"flagged": "1"}).content.decode()
    assert 'data-flagged="1"' in page and "clerk_a" in page and "超过每日2次" in page
    page = client.get("/operations/admin/activity/", {"user": clerk.pk}).content.decode()
    assert number[:6] in page and number not in page
    empty = client.get("/operations/admin/activity/", {"from": "2020-01-01", "to": "2020-01-02"}).content.decode()
    assert "所选期间没有查询记录" in empty

"""1105 系统管理 API: /api/v1/admin/users|grants|agencies|activity/ — shapes, scope (403/404), refusals with nothing
saved, effects checked on real requests (a disabled user's token stops working)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from shebao.core.models import ActivityCount, Agency, AuditEvent, Parameter, User, UserGrant
from shebao.testing import assert_refused

pytestmark = [pytest.mark.django_db, pytest.mark.catalog("1105")]


def test_user_list_is_scoped_to_the_admins_subtree(api, admin_a, admin_b, clerk, clerk_b):
    res = api(admin_a).get("/api/v1/admin/users/")
    assert res.status_code == 200
    names = {u["username"] for u in res.json()["results"]}
    assert names == {"admin_a", "clerk_a"}
    assert "password" not in res.json()["results"][0]
    res = api(admin_a).get("/api/v1/admin/users/", {"q": "clerk", "is_active": "true"})
    assert [u["username"] for u in res.json()["results"]] == ["clerk_a"]


def test_clerk_gets_403_and_other_agencys_user_is_404(api, clerk, admin_b, admin_a):
    assert api(clerk).get("/api/v1/admin/users/").status_code == 403
    assert api(clerk).get(f"/api/v1/admin/users/{admin_a.pk}/").status_code == 404
    assert api(admin_b).get(f"/api/v1/admin/users/{clerk.pk}/").status_code == 404
    res = api(admin_b).post(f"/api/v1/admin/users/{clerk.pk}/disable/")
    assert res.status_code == 404
    assert User.objects.get(pk=clerk.pk).is_active


def test_non_integer_ids_are_json_404(api, admin_a):
    for url in ("/api/v1/admin/users/abc/", "/api/v1/admin/agencies/x/", "/api/v1/admin/grants/1.5/"):
        res = api(admin_a).get(url)
        assert res.status_code == 404 and res["Content-Type"].startswith("application/json"), url


def test_create_user_returns_the_temporary_password_once_and_it_works(api, admin_a, agencies):
    body = {"agency": agencies["a"].pk, "role": "reviewer", "username": "sun.qi", "display_name": "孙七"}
    res = api(admin_a).post("/api/v1/admin/users/", body, format="json")
    assert res.status_code == 201, res.json()
    data = res.json()
    assert data["username"] == "sun.qi" and data["role"] == "reviewer" and data["is_active"]
    secret = data["temporary_password"]
    token = api().post("/api/v1/auth/token/", {"username": "sun.qi", "password": secret}, format="json")
    assert token.status_code == 200, token.json()
    detail = api(admin_a).get(f"/api/v1/admin/users/{data['id']}/").json()
    assert "temporary_password" not in detail


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"username": "中文名"}, "username"),
        ({"role": "insured"}, "role"),
        ({"display_name": ""}, "display_name"),
        ({"password": "1234567890"}, "password"),
        ({"agency": "1"}, "agency"),  # a string where a number belongs
        ({"extra": 1}, "extra"),
    ],
)
def test_create_user_bad_input_is_400_with_chinese_field_errors(api, admin_a, agencies, change, field):
    body = {"agency": agencies["a"].pk, "role": "clerk", "username": "li.ba", "display_name": "李八", **change}
    res = assert_refused(
        lambda: api(admin_a).post("/api/v1/admin/users/", body, format="json"),
        status=400,
        field=field,
        nothing_saved=[User, AuditEvent],
    )
    assert any("\u4e00" <= ch <= "\u9fff" for ch in str(res["errors"][field]))


def test_disable_through_the_api_stops_the_users_token(api, admin_a, clerk):
    client = api(clerk)
    assert client.get("/api/v1/cases/").status_code == 200
    res = api(admin_a).post(f"/api/v1/admin/users/{clerk.pk}/disable/")
    assert res.status_code == 200 and res.json()["is_active"] is False
    assert client.get("/api/v1/cases/").status_code == 401
    assert api(admin_a).post(f"/api/v1/admin/users/{clerk.pk}/disable/").status_code == 409
    assert api(admin_a).post(f"/api/v1/admin/users/{clerk.pk}/enable/").json()["is_active"] is True


def test_force_logout_and_reset_password_through_the_api(api, admin_a, clerk):
    client = api(clerk)
    assert api(admin_a).post(f"/api/v1/admin/users/{clerk.pk}/force-logout/").status_code == 200
    assert client.get("/api/v1/cases/").status_code == 401
    res = api(admin_a).post(f"/api/v1/admin/users/{clerk.pk}/reset-password/")
    assert res.status_code == 200 and res.json()["user"] == clerk.pk
    assert User.objects.get(pk=clerk.pk).check_password(res.json()["temporary_password"])


def test_self_rules_through_the_api(api, admin_a):
    assert api(admin_a).post(f"/api/v1/admin/users/{admin_a.pk}/disable/").status_code == 400
    res = api(admin_a).post(
        "/api/v1/admin/grants/", {"user": admin_a.pk, "item_prefix": "020302", "action": "review"}, format="json"
    )
    assert res.status_code == 400 and "不能为本人授权" in str(res.json()["errors"])
    res = api(admin_a).patch(
        f"/api/v1/admin/users/{admin_a.pk}/", {"display_name": "管理员", "role": "clerk"}, format="json"
    )
    assert res.status_code == 400 and "role" in res.json()["errors"]


def test_last_admin_cannot_be_disabled_through_the_api(api, admin_city, admin_a):
    res = api(admin_city).post(f"/api/v1/admin/users/{admin_a.pk}/disable/")
    assert res.status_code == 409 and "唯一在用的机构管理员" in res.json()["detail"]


def test_grant_per_item_lets_the_user_call_the_item(api, admin_a, finance_a):
    url = "/api/v1/employers/"
    assert api(finance_a).post(url, {}, format="json").status_code == 403
    res = api(admin_a).post(
        "/api/v1/admin/grants/", {"user": finance_a.pk, "item_prefix": "01010101", "action": "handle"}, format="json"
    )
    assert res.status_code == 201, res.json()
    grant = res.json()
    assert api(finance_a).post(url, {}, format="json").status_code == 400  # past the grant: the body is checked
    listed = api(admin_a).get("/api/v1/admin/grants/", {"user": finance_a.pk}).json()["results"]
    assert [g["item_prefix"] for g in listed] == ["01010101"]
    assert api(admin_a).delete(f"/api/v1/admin/grants/{grant['id']}/").status_code == 204
    assert not UserGrant.objects.exists()
    assert api(finance_a).post(url, {}, format="json").status_code == 403


def test_grant_for_a_user_of_another_agency_is_refused(api, admin_b, finance_a):
    res = api(admin_b).post(
        "/api/v1/admin/grants/", {"user": finance_a.pk, "item_prefix": "01010101", "action": "handle"}, format="json"
    )
    assert res.status_code == 400 and "user" in res.json()["errors"]
    assert not UserGrant.objects.exists()


def test_agencies_create_list_rename(api, admin_a, agencies):
    res = api(admin_a).post(
        "/api/v1/admin/agencies/",
        {"parent": agencies["a"].pk, "code": "33010202", "name": "清波街道社保服务站", "region": "330102"},
        format="json",
    )
    assert res.status_code == 201, res.json()
    new_id = res.json()["id"]
    codes = [a["code"] for a in api(admin_a).get("/api/v1/admin/agencies/").json()["results"]]
    assert codes == ["330102", "33010202"]
    res = api(admin_a).patch(
        f"/api/v1/admin/agencies/{new_id}/", {"name": "清波街道社会保障服务站", "region": "330102"}, format="json"
    )
    assert res.status_code == 200 and res.json()["name"] == "清波街道社会保障服务站"
    assert api(admin_a).get(f"/api/v1/admin/agencies/{agencies['b'].pk}/").status_code == 404


def test_agency_bad_input_saves_nothing(api, admin_a, agencies):
    assert_refused(
        lambda: api(admin_a).post(
            "/api/v1/admin/agencies/",
            {"parent": agencies["a"].pk, "code": "33010203", "name": "某站", "region": "110101"},
            format="json",
        ),
        status=400,
        field="region",
        nothing_saved=[Agency, AuditEvent],
    )


def test_activity_counts_real_api_reads_and_flags_unusual_volume(api, admin_a, clerk):
    Parameter.objects.create(
        key="operations.query.daily_alert", region_id="330102", effective_from=dt.date(2020, 1, 1), value="3", unit="次"
    )
    client = api(clerk)
    for _ in range(4):
        assert client.get("/api/v1/cases/", {"q": "张三"}).status_code == 200
    assert ActivityCount.objects.get(user=clerk, kind="api").count == 4
    rows = api(admin_a).get("/api/v1/admin/activity/", {"flagged": "true"}).json()["results"]
    assert [(r["username"], r["api"], r["flagged"]) for r in rows] == [("clerk_a", 4, True)]
    today = timezone.localdate()
    res = api(admin_a).get(
        "/api/v1/admin/activity/", {"date_from": str(today), "date_to": str(today - dt.timedelta(1))}
    )
    assert res.status_code == 400 and "date_from" in res.json()["errors"]
    assert api(clerk).get("/api/v1/admin/activity/").status_code == 403

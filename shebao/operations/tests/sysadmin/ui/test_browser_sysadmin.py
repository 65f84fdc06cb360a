"""Browser test (Playwright + Debian's chromium): an agency administrator creates a user, the new user logs in with
the temporary password shown once, then the administrator disables the user (confirming in the dialog) and the new
user's open page no longer works. The 系统管理 pages pass axe (WCAG 2.1 A/AA)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from shebao.core.models import User
from shebao.operations.models import RectificationTask
from shebao.operations.services.rectification import rectification_create
from shebao.tests.conftest import browser, login, needs_chromium  # noqa: F401  (the browser fixture)
from shebao.tests.test_accessibility import _axe
from shebao.tests.test_browser import ARTIFACTS

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.catalog("1105", "111103"),
    needs_chromium,
]


def test_admin_creates_a_user_who_logs_in_then_disables_them(live_server, admin_a, browser):  # noqa: F811
    base = live_server.url
    ARTIFACTS.mkdir(exist_ok=True)
    admin = login(browser, base, "admin_a", bypass_csp=True)  # axe is injected
    admin.get_by_role("link", name="系统管理", exact=True).first.click()
    admin.wait_for_url(f"{base}/operations/admin/")
    assert _axe(admin) == []
    admin.get_by_role("link", name="用户与授权").click()
    admin.get_by_role("link", name="新建用户").click()
    admin.wait_for_url(f"{base}/operations/admin/users/new/")
    admin.get_by_role("button", name="新建用户").click()  # empty: every required field says so
    assert "登录名不能为空" in admin.locator("#id_username_errors").inner_text()
    assert _axe(admin) == []
    admin.select_option("#id_agency", label=f"{admin_a.agency.code} {admin_a.agency.name}")
    admin.select_option("#id_role", "clerk")
    admin.fill("#id_username", "qian.shi")
    admin.fill("#id_display_name", "钱十")
    admin.get_by_role("button", name="新建用户").click()
    secret = admin.get_by_test_id("temp-password").inner_text().strip()
    admin.screenshot(path=str(ARTIFACTS / "sysadmin-user-created.png"), full_page=True)
    assert len(secret) >= 14

    newcomer = browser.new_context(locale="zh-CN").new_page()
    newcomer.goto(f"{base}/login/")
    newcomer.fill("#id_username", "qian.shi")
    newcomer.fill("#id_password", secret)
    newcomer.click("button[type=submit]")
    newcomer.wait_for_url(f"{base}/")
    assert "工作台首页" in newcomer.content()

    admin.get_by_role("link", name="查看用户").click()
    admin.get_by_role("button", name="停用用户").click()
    dialog = admin.get_by_role("dialog")
    assert "确认停用用户 qian.shi" in dialog.inner_text()
    dialog.get_by_role("button", name="确认停用").click()
    admin.wait_for_selector("text=已停用用户 qian.shi")
    assert admin.get_by_test_id("user-state").inner_text() == "已停用"
    assert not User.objects.get(username="qian.shi").is_active

    newcomer.reload()
    assert newcomer.url.startswith(f"{base}/login/")


def test_admin_and_rectification_pages_pass_axe(live_server, admin_a, clerk, browser):  # noqa: F811
    from shebao.core.activity import KIND_SEARCH, activity_record

    activity_record(clerk, KIND_SEARCH, what="registration:person-list 张三", count=3)
    task = rectification_create(
        actor=admin_a,
        source="drill",
        title="演练发现的问题",
        description="恢复超时",
        owner_id=clerk.pk,
        deadline=timezone.localdate(),
    )
    RectificationTask.objects.filter(pk=task.pk).update(deadline=timezone.localdate() - dt.timedelta(days=1))
    base = live_server.url
    owner = login(browser, base, "clerk_a", bypass_csp=True)
    owner.goto(f"{base}/operations/rectifications/{task.pk}/")
    assert _axe(owner) == []  # with the start and submit forms
    admin = login(browser, base, "admin_a", bypass_csp=True)
    admin.goto(base + "/")
    assert "整改任务已超期" in admin.get_by_test_id("rectification-overdue").inner_text()
    for url in (
        "/",
        f"/operations/admin/users/{clerk.pk}/",
        "/operations/admin/users/?q=没有这个人",
        "/operations/admin/agencies/",
        "/operations/admin/parameters/?q=operations.query",
        f"/operations/admin/activity/?user={clerk.pk}",
        "/operations/rectifications/",
        "/operations/rectifications/new/",
    ):
        admin.goto(base + url)
        assert _axe(admin) == [], url

"""Browser test (Playwright + Debian's chromium): a clerk records a counter payment, a reviewer confirms it, the
unit's user sees its bill, pays online, and the arrears page shows the rest with its ageing."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from shebao.conftest import make_user
from shebao.contributions.models import Payment
from shebao.contributions.tests.collection.factories import receivable
from shebao.core.choices import Role
from shebao.registration.tests.factories import PersonFactory
from shebao.tests.conftest import browser, login, needs_chromium  # noqa: F401

ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts"

pytestmark = [pytest.mark.browser, pytest.mark.catalog("020402", "020501"), needs_chromium]


def test_counter_payment_bill_online_payment_and_arrears(browser, live_server, transactional_db, agencies):  # noqa: F811
    from shebao.registration.tests.factories import EmployerFactory

    ARTIFACTS.mkdir(exist_ok=True)
    clerk = make_user(Role.CLERK, agencies["a"], username="clerk_a")
    make_user(Role.REVIEWER, agencies["a"], username="reviewer_a")
    unit = EmployerFactory(agency=agencies["a"], name="杭州演示征缴有限公司")
    make_user(Role.EMPLOYER, None, username="unit_a", employer=unit)
    this = timezone.localdate().replace(day=1)
    last = (this - timezone.timedelta(days=1)).replace(day=1)
    for person in (PersonFactory(employer=unit), PersonFactory(employer=unit)):
        receivable(employer=unit, person=person, period=last, employer_amount="160.00", individual_amount="80.00")
        receivable(employer=unit, person=person, period=this, employer_amount="160.00", individual_amount="80.00")
    base = live_server.url

    page = login(browser, base, clerk.username)
    page.goto(f"{base}/contributions/collection/employers/{unit.pk}/")
    assert page.get_by_test_id("total").inner_text() == "960.00"
    page.screenshot(path=str(ARTIFACTS / "collection-unit.png"), full_page=True)
    page.get_by_role("link", name="窗口缴费登记").click()
    page.fill("#id_amount", "300.00")
    page.select_option("#id_method", "pos")
    page.fill("#id_reference", "POS20261127001")
    page.get_by_role("button", name="提交缴费登记").click()
    page.wait_for_selector("text=等待复核")
    number = page.locator("h1").first.inner_text()
    assert not Payment.objects.exists()

    reviewer = login(browser, base, "reviewer_a")
    reviewer.goto(page.url)
    reviewer.get_by_role("button", name="复核通过").click()
    reviewer.get_by_role("dialog").get_by_role("button", name="确认复核通过").click()
    reviewer.wait_for_selector("text=复核通过：业务流水号")
    assert Payment.objects.get().amount == 300, number

    portal = login(browser, base, "unit_a")
    portal.goto(f"{base}/contributions/collection/portal/bill/")
    assert portal.get_by_test_id("bill-total").inner_text() == "660.00"
    portal.screenshot(path=str(ARTIFACTS / "collection-portal-bill.png"), full_page=True)
    portal.get_by_role("link", name="网上缴费").first.click()
    portal.fill("#id_amount", "400.00")
    portal.get_by_role("button", name="确认缴费").click()
    portal.wait_for_selector("text=缴费成功")
    assert Payment.objects.filter(channel="online").count() == 1
    portal.goto(f"{base}/contributions/collection/portal/arrears/")
    assert portal.get_by_test_id("arrears-total").inner_text() == "260.00"
    portal.screenshot(path=str(ARTIFACTS / "collection-portal-arrears.png"), full_page=True)

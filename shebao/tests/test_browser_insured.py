"""Browser test (Playwright + Debian's chromium): an insured person changes their phone number online (01010202),
a clerk accepts and a reviewer approves in their own sessions, and the person sees the new number on 我的社保."""

from __future__ import annotations

import re

import pytest

from shebao.conftest import make_user
from shebao.core.choices import Role
from shebao.tests.conftest import PASSWORD
from shebao.tests.test_browser import ARTIFACTS
from shebao.tests.test_browser import pytestmark as _browser_marks

pytestmark = [*(m for m in _browser_marks if m.name != "catalog"), pytest.mark.catalog("01010202")]

NEW_PHONE = "13722223333"


@pytest.fixture
def insured_person(make_employer, make_person):
    """An employee of a unit with an insured-person account (created before the browser starts)."""
    person = make_person(make_employer(), name="王小明", phone="13900139000")
    make_user(Role.INSURED, None, username="wangxm", person=person)
    return person


def _login(browser, base_url: str, username: str, landing: str):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto(f"{base_url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base_url}{landing}")
    return page


def test_insured_person_changes_phone_online(live_server, insured_person, browser):
    # Only the browser and the live server below: no ORM calls inside Playwright's greenlet.
    base = live_server.url
    ARTIFACTS.mkdir(exist_ok=True)

    # 1. The insured person logs in, lands on 我的社保 and opens 变更联系方式.
    me = _login(browser, base, "wangxm", "/registration/me/")
    assert me.get_by_test_id("my-phone").inner_text() == "13900139000"
    me.get_by_role("link", name="变更联系方式").first.click()
    me.wait_for_url(f"{base}/registration/me/change/")
    assert me.input_value("#id_phone") == "13900139000"

    # 2. A wrong number and an empty address are both reported at once, next to their fields.
    me.fill("#id_phone", "12345")
    me.fill("#id_address", "")
    me.get_by_role("button", name="提交变更申请").click()
    assert "联系电话格式不正确" in me.locator("#id_phone_errors").inner_text()
    assert "居住地址不能为空" in me.locator("#id_address_errors").inner_text()
    me.screenshot(path=str(ARTIFACTS / "insured-change-errors.png"), full_page=True)

    # 3. The corrected form is submitted: the case page shows it as 已申报, waiting for the agency.
    me.fill("#id_phone", NEW_PHONE)
    me.fill("#id_address", "杭州市上城区清波街道2号")
    me.get_by_role("button", name="提交变更申请").click()
    me.wait_for_selector("text=请等待经办机构受理")
    number = re.search(r"业务流水号 (\d+)", me.locator(".alert-success").inner_text()).group(1)
    assert me.get_by_test_id("case-status").inner_text() == "已申报"
    case_url = me.url
    me.screenshot(path=str(ARTIFACTS / "insured-change-submitted.png"), full_page=True)
    me.get_by_role("link", name="我的社保").first.click()
    assert number in me.get_by_test_id("my-cases").inner_text()
    assert me.get_by_test_id("my-phone").inner_text() == "13900139000"  # not before the review

    # 4. The clerk accepts (受理) and the reviewer approves (复核通过), each in their own session.
    clerk = _login(browser, base, "clerk_a", "/")
    clerk.goto(case_url)
    clerk.get_by_role("button", name="受理").click()
    clerk.wait_for_selector("text=已受理：业务流水号")
    reviewer = _login(browser, base, "reviewer_a", "/")
    reviewer.goto(case_url)
    reviewer.get_by_role("button", name="复核通过").click()
    reviewer.get_by_role("dialog").get_by_role("button", name="确认复核通过").click()  # the confirmation
    reviewer.wait_for_selector("text=复核通过：业务流水号")
    assert reviewer.get_by_test_id("case-status").inner_text() == "已办结"

    # 5. The person sees the new number and the completed application on 我的社保.
    me.reload()
    assert me.get_by_test_id("my-phone").inner_text() == NEW_PHONE
    row = me.get_by_test_id("my-cases").locator("tr", has_text=number)
    assert "已办结" in row.inner_text()
    me.screenshot(path=str(ARTIFACTS / "insured-home-after-change.png"), full_page=True)

    for page in (me, clerk, reviewer):
        page.context.close()

"""Browser test (Playwright + Debian's chromium): a clerk registers an employer and a person through the forms,
a reviewer approves both in a separate session, and the employer and person pages show the result."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from shebao.conftest import make_user
from shebao.core.choices import Role
from shebao.core.synthetic import citizen_id, uscc
from shebao.core.tests.samples import PDF  # a real one-page PDF: uploads are parsed
from shebao.tests.conftest import login, needs_chromium

ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.catalog("01010101", "01010201"),
    needs_chromium,
]


@pytest.fixture
def staff(agencies):
    """A clerk and a reviewer of the 上城区 agency (created before the browser starts)."""
    users = {}
    for role, username, name in ((Role.CLERK, "clerk_a", "张经办"), (Role.REVIEWER, "reviewer_a", "李复核")):
        user = make_user(role, agencies["a"], username=username)
        user.display_name = name
        user.save(update_fields=["display_name"])
        users[role] = user
    return users


def _login(browser, base_url: str, username: str):
    page = login(browser, base_url, username)
    page.wait_for_url(f"{base_url}/")
    assert page.locator("h1").first.inner_text() == "工作台首页"
    return page


def _approve(page, base_url: str, number: str, *, shots: str = "") -> None:
    """The reviewer opens the case from the 待我复核 queue and approves it."""
    page.goto(f"{base_url}/")
    if shots:
        page.screenshot(path=str(ARTIFACTS / f"{shots}-dashboard.png"), full_page=True)
    page.locator("#queue-review").get_by_role("link", name=number).click()
    page.get_by_role("button", name="复核通过").click()
    page.get_by_role("dialog").get_by_role("button", name="确认复核通过").click()  # the confirmation
    page.wait_for_selector("text=复核通过：业务流水号")
    assert page.get_by_test_id("case-status").inner_text() == "已办结"
    if shots:
        page.screenshot(path=str(ARTIFACTS / f"{shots}-case-detail.png"), full_page=True)


def test_clerk_enrols_employer_and_person_reviewer_approves(live_server, staff, browser):
    # Everything below goes through the browser and the live server: no ORM calls here, since this code runs
    # inside Playwright's greenlet, where Django would open (and leak) a second database connection.
    base = live_server.url
    month = f"{timezone.localdate():%Y-%m}"
    unit_name = "杭州钱塘江数字科技有限公司"
    id_number = citizen_id("330102", timezone.localdate().replace(year=1991, month=6, day=18), 37)

    ARTIFACTS.mkdir(exist_ok=True)

    # 1. The clerk registers the employer at the window (a first, empty submission shows the errors).
    clerk = _login(browser, base, "clerk_a")
    assert "张经办" in clerk.get_by_test_id("current-user").inner_text()
    clerk.get_by_role("link", name="单位参保登记").first.click()
    clerk.get_by_role("button", name="提交登记").click()
    assert "统一社会信用代码不能为空" in clerk.locator("#id_uscc_errors").inner_text()
    clerk.screenshot(path=str(ARTIFACTS / "employer-form-errors.png"), full_page=True)
    clerk.fill("#id_uscc", uscc("330102", 4242))
    clerk.fill("#id_name", unit_name)
    clerk.select_option("#id_unit_type", "10")
    clerk.fill("#id_legal_rep", "周树人")
    clerk.select_option("#id_region", "330102")
    clerk.fill("#id_address", "浙江省杭州市上城区钱江路58号")
    clerk.fill("#id_industry_code", "I6510")
    clerk.select_option("#id_injury_risk_class", "1")
    clerk.fill("#id_contact_name", "许广平")
    clerk.fill("#id_contact_phone", "13900001111")
    assert clerk.input_value("#id_start_month") == month
    # The business licence (申请材料, required at the window) goes with the declaration.
    licence = {"name": "营业执照.pdf", "mimeType": "application/pdf", "buffer": PDF}
    clerk.set_input_files("#id_material_1", files=[licence])
    clerk.get_by_role("button", name="提交登记").click()
    clerk.wait_for_selector("text=已受理「单位登记·参保登记」")
    employer_case = re.search(r"业务流水号 (\d+)", clerk.locator(".alert-success").inner_text()).group(1)
    assert clerk.get_by_test_id("case-status").inner_text() == "已受理"
    assert "营业执照.pdf" in clerk.locator("#materials").inner_text()
    # A further material is attached in place (htmx, CSRF token sent from <body hx-headers>).
    clerk.fill("#id_kind", "单位银行开户证明")
    clerk.set_input_files("#id_file", files=[{**licence, "name": "开户许可证.pdf"}])
    clerk.get_by_role("button", name="上传").click()
    clerk.wait_for_selector("text=材料已上传。")
    assert "开户许可证.pdf" in clerk.locator("#materials").inner_text()

    # 2. A reviewer, in a separate session, approves it.
    reviewer = _login(browser, base, "reviewer_a")
    _approve(reviewer, base, employer_case, shots="reviewer")

    # 3. The clerk finds the unit and enrols a person in it (增员).
    clerk.get_by_role("link", name="单位查询").click()
    clerk.fill("#q", "钱塘江")
    clerk.locator("#employer-results").get_by_role("link", name=unit_name).click()
    clerk.get_by_role("link", name="增员", exact=True).click()
    clerk.fill("#id_id_number", id_number)
    clerk.fill("#id_name", "鲁迅")
    clerk.fill("#id_phone", "13800002222")
    clerk.fill("#id_address", "杭州市上城区清波街道")
    assert clerk.locator("input[name=insurances][value='110']").is_checked()
    clerk.get_by_role("button", name="提交登记").click()
    clerk.wait_for_selector("text=已受理「个人登记·参保登记」")
    person_case = re.search(r"业务流水号 (\d+)", clerk.locator(".alert-success").inner_text()).group(1)

    # 4. The reviewer approves the enrolment.
    _approve(reviewer, base, person_case)

    # 5. The employer page lists the employee; the person page shows the enrolments.
    clerk.goto(f"{base}/registration/employers/")
    clerk.fill("#q", unit_name)
    clerk.locator("#employer-results").get_by_role("link", name=unit_name).click()
    employees = clerk.get_by_test_id("employees")
    assert "鲁迅" in employees.inner_text()
    assert id_number not in employees.inner_text()  # masked in the list
    clerk.screenshot(path=str(ARTIFACTS / "employer-detail.png"), full_page=True)

    employees.get_by_role("link", name="鲁迅").click()
    assert clerk.get_by_test_id("id-number").inner_text() == id_number  # full on the detail page for a clerk
    enrolments = clerk.get_by_test_id("enrolments").inner_text()
    for name in ("企业职工基本养老保险", "失业保险", "职工基本医疗保险", "工伤保险", "生育保险"):
        assert name in enrolments
    assert enrolments.count("参保缴费") == 5
    assert "个人参保登记" in clerk.get_by_test_id("change-history").inner_text()
    clerk.screenshot(path=str(ARTIFACTS / "person-detail.png"), full_page=True)

    reviewer.context.close()
    clerk.context.close()

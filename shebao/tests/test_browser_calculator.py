"""Browser test (Playwright + Debian's chromium): someone without an account opens 社保费试算 from the login page,
works out a back-payment across the 2019-05-01 pension rate cut, reads the trace, and corrects a bad input."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings

from shebao.tests.conftest import login, needs_chromium

ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts"

pytestmark = [pytest.mark.browser, needs_chromium]


def test_anonymous_visitor_calculates_a_back_payment_and_reads_the_trace(live_server, browser):
    # Only the browser and the live server below: no ORM calls inside Playwright's greenlet.
    base = live_server.url
    ARTIFACTS.mkdir(exist_ok=True)
    page = login(browser, base, None)

    page.get_by_role("link", name="社保费试算").click()
    page.wait_for_url(f"{base}/calculate/")
    assert page.locator("h1").inner_text() == "社保费试算"
    page.get_by_role("link", name="补缴试算").click()
    page.wait_for_url(f"{base}/calculate/back-payment/")

    page.get_by_label("补缴起始月份").fill("2019-03")
    page.get_by_label("补缴截止月份").fill("2019-06")
    page.get_by_label("缴费基数").fill("5000")
    page.get_by_label("110 企业职工基本养老保险").check()
    page.get_by_label("缴纳日期").fill("2019-07-15")
    assert page.get_by_label("加收滞纳金").is_checked()
    page.get_by_role("button", name="试算").click()

    result = page.get_by_test_id("calc-result")
    result.wait_for()
    assert "应补缴合计" in result.inner_text() and "5403.70" in result.inner_text()
    months = page.get_by_role("table", name="逐月明细")
    assert months.locator("tbody tr").count() == 4
    assert "2019-03-15" in months.locator("tbody tr").first.inner_text()
    trace = page.get_by_test_id("calc-trace")
    assert "国办发〔2019〕13号《降低社会保险费率综合方案》" in trace.inner_text()
    assert "2019-05-01" in trace.inner_text() and "社会保险法第八十六条" in trace.inner_text()
    # The form keeps what was typed, so the next question starts from it.
    assert page.get_by_label("缴费基数").input_value() == "5000"
    page.screenshot(path=str(ARTIFACTS / "calculator-back-payment.png"), full_page=True)

    # A negative amount for the late fee: the error sits under the field, nothing is calculated.
    page.get_by_role("link", name="滞纳金试算").click()
    page.get_by_label("欠缴金额").fill("-100")
    page.get_by_label("滞纳天数").fill("30")
    page.get_by_role("button", name="试算").click()
    page.wait_for_selector("[data-testid=form-errors]")
    assert "欠缴金额不能为负数" in page.locator("#id_principal_errors").inner_text()
    assert page.get_by_test_id("calc-result").count() == 0
    page.screenshot(path=str(ARTIFACTS / "calculator-late-fee-error.png"), full_page=True)

    page.get_by_label("欠缴金额").fill("1000")
    page.get_by_role("button", name="试算").click()
    page.get_by_test_id("calc-result").wait_for()
    assert "15.00" in page.get_by_test_id("calc-result").inner_text()
    page.context.close()

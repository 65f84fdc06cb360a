"""Browser test (Playwright + Debian's chromium): 申请材料清单 at the window.

A clerk's 单位参保登记 without the business licence is refused with the other field errors; with the licence
uploaded in the form it is accepted and nothing is owed. A second unit is accepted with 容缺受理: the case shows the
reason and 尚欠材料 until the clerk uploads the licence on the case page (under the checklist's name).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings

from shebao.conftest import make_user
from shebao.core.choices import Role
from shebao.core.synthetic import uscc
from shebao.core.tests.samples import PDF  # a real one-page PDF: uploads are parsed
from shebao.tests.conftest import login, needs_chromium

ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts"
LICENCE = "营业执照或其他核准执业证件"

pytestmark = [pytest.mark.browser, pytest.mark.catalog("01010101"), needs_chromium]


@pytest.fixture
def clerk_login(agencies):
    make_user(Role.CLERK, agencies["a"], username="clerk_a")
    return "clerk_a"


def _fill_declaration(page, n: int, name: str) -> None:
    page.fill("#id_uscc", uscc("330102", 6100 + n))
    page.fill("#id_name", name)
    page.select_option("#id_unit_type", "10")
    page.fill("#id_legal_rep", "周树人")
    page.select_option("#id_region", "330102")
    page.fill("#id_address", "浙江省杭州市上城区钱江路58号")
    page.fill("#id_industry_code", "I6510")
    page.select_option("#id_injury_risk_class", "1")
    page.fill("#id_contact_name", "许广平")
    page.fill("#id_contact_phone", "13900001111")


def test_clerk_uploads_the_licence_with_the_declaration_or_records_a_waiver(live_server, clerk_login, browser):
    # No ORM calls below: this runs inside Playwright's greenlet (see test_browser.py).
    base = live_server.url
    ARTIFACTS.mkdir(exist_ok=True)
    pdf = {"name": "营业执照.pdf", "mimeType": "application/pdf", "buffer": PDF}
    clerk = login(browser, base, clerk_login)

    # The form lists the item's materials: the licence is required (*), the bank proof is not.
    clerk.goto(f"{base}/registration/employers/new/")
    assert clerk.locator("form.card").get_attribute("enctype") == "multipart/form-data"
    assert clerk.locator("label[for=id_material_1]").inner_text().startswith(LICENCE)
    assert clerk.locator("label[for=id_material_1] .sb-req").count() == 1
    assert clerk.locator("label[for=id_material_2] .sb-req").count() == 0

    # 1. Without the licence and with a bad phone number: both are reported at once, nothing is saved.
    _fill_declaration(clerk, 1, "杭州材料齐全科技有限公司")
    clerk.fill("#id_contact_phone", "12345")
    clerk.get_by_role("button", name="提交登记").click()
    assert "联系电话格式不正确" in clerk.locator("#id_contact_phone_errors").inner_text()
    assert f"缺少申请材料：{LICENCE}" in clerk.locator("#id_materials_errors").inner_text()
    clerk.screenshot(path=str(ARTIFACTS / "materials-missing.png"), full_page=True)

    # 2. The corrected declaration with the licence scanned as a PDF: accepted, nothing owed.
    clerk.fill("#id_contact_phone", "13900001111")
    clerk.set_input_files("#id_material_1", files=[pdf])
    clerk.get_by_role("button", name="提交登记").click()
    clerk.wait_for_selector("text=已受理「单位登记·参保登记」")
    materials = clerk.locator("#materials")
    assert LICENCE in materials.inner_text() and "营业执照.pdf" in materials.inner_text()
    assert clerk.locator("#materials-owed").count() == 0
    clerk.screenshot(path=str(ARTIFACTS / "materials-accepted.png"), full_page=True)

    # 3. Another unit, its licence at the annual inspection: 容缺受理 with the reason.
    clerk.goto(f"{base}/registration/employers/new/")
    _fill_declaration(clerk, 2, "杭州容缺受理科技有限公司")
    clerk.check("#id_materials_waiver_on")
    clerk.fill("#id_materials_waiver", "营业执照正本在办理年报，申请人书面承诺5个工作日内补交")
    clerk.get_by_role("button", name="提交登记").click()
    clerk.wait_for_selector("text=已受理「单位登记·参保登记」")
    assert "营业执照正本在办理年报" in clerk.locator("#materials-waiver").inner_text()
    assert clerk.locator("#materials-owed").inner_text() == f"尚欠材料：{LICENCE}"
    clerk.screenshot(path=str(ARTIFACTS / "materials-waiver.png"), full_page=True)

    # 4. The licence arrives: uploaded on the case page under the name offered first, the owed list clears.
    assert clerk.input_value("#id_kind") == LICENCE
    clerk.set_input_files("#id_file", files=[pdf])
    clerk.get_by_role("button", name="上传").click()
    clerk.wait_for_selector("text=材料已上传。")
    assert clerk.locator("#materials-owed").count() == 0
    assert "材料已补齐" in clerk.locator("#materials-waiver").inner_text()

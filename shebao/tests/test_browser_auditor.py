"""Browser test (Playwright + Debian's chromium): an auditor filters the audit log by an action, runs the chain
verification and sees it pass, then checks a receipt's verification page (masked content) and a forged code (无效)."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings

from shebao.conftest import make_user
from shebao.core.choices import Role
from shebao.core.identifiers import mask_id
from shebao.core.items import get_item
from shebao.core.models import Case, IssuedDocument
from shebao.core.verification import verification_path
from shebao.tests.conftest import login, needs_chromium

ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.catalog("01010201"),
    needs_chromium,
]


@pytest.fixture
def receipt(agencies, make_employer, make_person):
    """An auditor of 上城区, and a completed 个人参保登记 whose receipt was printed (made before the browser starts)."""
    make_user(Role.AUDITOR, agencies["a"], username="auditor_a")
    person = make_person(make_employer(), name="林觉民")
    case = Case.objects.get(item_id="01010201", person=person)
    get_item("01010201").receipt(case)
    doc = IssuedDocument.objects.get(case=case)
    return {"path": verification_path(doc), "id_number": person.id_number, "number": case.number}


def test_auditor_walks_the_audit_log_and_verifies_a_receipt(live_server, receipt, browser):
    # Only the browser talks to the live server below (no ORM inside Playwright's greenlet).
    base = live_server.url
    ARTIFACTS.mkdir(exist_ok=True)
    page = login(browser, base, "auditor_a")

    # 1. The audit log, filtered by one action: every row shows that action's Chinese name.
    page.goto(f"{base}/audit/")
    page.select_option("#id_action", "person.enrol")
    page.get_by_role("button", name="查询", exact=True).click()
    page.wait_for_url("**/audit/?*action=person.enrol*")
    table = page.get_by_test_id("audit-table")
    actions = table.locator("tbody tr td:nth-child(6)").all_inner_texts()
    assert actions and set(actions) == {"个人参保登记"}
    assert receipt["id_number"] not in table.inner_text()  # masked in audit before/after

    # 2. The chain verification runs from the page and passes.
    page.get_by_test_id("verify-chain").click()
    result = page.get_by_test_id("verify-result")
    assert "审计链校验通过" in result.inner_text()
    page.screenshot(path=str(ARTIFACTS / "auditor-audit-log.png"), full_page=True)

    # 3. The receipt's QR code leads to the public page: valid, what it certified, masked.
    public = login(browser, base, None)  # a citizen or a bank clerk: no login
    public.goto(f"{base}{receipt['path']}")
    assert "核验结果：有效" in public.get_by_test_id("verify-result").inner_text()
    body = public.locator("main").inner_text()
    assert "个人参保登记回执" in body and receipt["number"] in body and "林觉民" in body
    assert mask_id(receipt["id_number"]) in body and receipt["id_number"] not in body
    public.screenshot(path=str(ARTIFACTS / "verify-valid.png"), full_page=True)

    # 4. A forged code (one character of the signature changed) is 无效.
    path = receipt["path"].rstrip("/")
    forged = path[:-1] + ("A" if path[-1] != "A" else "B") + "/"
    response = public.goto(f"{base}{forged}")
    assert response.status == 400
    assert "核验结果：无效" in public.get_by_test_id("verify-result").inner_text()
    public.screenshot(path=str(ARTIFACTS / "verify-forged.png"), full_page=True)
    public.context.close()
    page.context.close()

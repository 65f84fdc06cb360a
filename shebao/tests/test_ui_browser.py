"""Keyboard, zoom, 长辈模式, print and confirmation behaviour of the pages, in Debian's chromium."""

from __future__ import annotations

import pytest

from shebao.conftest import make_user
from shebao.core.choices import Role
from shebao.testing import material_files
from shebao.tests.conftest import login, needs_chromium

pytestmark = [pytest.mark.browser, pytest.mark.catalog("01010101"), needs_chromium]


@pytest.fixture
def site(agencies, clerk, reviewer, make_employer, make_person):
    """An employer with one employee, an open and a completed case, and an insured person's account."""
    from shebao.conftest import employer_data
    from shebao.core.models import Case
    from shebao.registration.services import employer_enrol

    employer = make_employer(name="杭州打印测试有限公司")
    person = make_person(employer, name="赵长辈")
    open_case = employer_enrol(
        actor=clerk, data=employer_data(name="杭州待复核二号有限公司"), materials=material_files("01010101")
    )
    make_user(Role.INSURED, None, username="insured_a", person=person)
    completed = Case.objects.filter(item_id="01010101", status="completed").order_by("pk").first()
    return {"employer": employer.pk, "person": person.pk, "open": open_case.pk, "completed": completed.pk}


def _focused(page) -> dict:
    return page.evaluate(
        """() => { const e = document.activeElement; const s = getComputedStyle(e);
            return {id: e.id, tag: e.tagName, text: (e.innerText || '').trim(),
                    outlineWidth: parseFloat(s.outlineWidth), outlineStyle: s.outlineStyle}; }"""
    )


def test_skip_link_is_first_and_the_focus_ring_is_visible(live_server, site, browser):
    page = login(browser, live_server.url, "clerk_a")
    page.goto(f"{live_server.url}/registration/employers/new/")
    page.keyboard.press("Tab")
    first = _focused(page)
    assert first["text"] == "跳到主要内容"
    assert first["outlineStyle"] != "none" and first["outlineWidth"] >= 2
    assert page.get_by_role("link", name="跳到主要内容").is_visible()  # shown while focused
    page.keyboard.press("Enter")
    assert _focused(page)["id"] == "main"
    presses = 0
    while _focused(page)["id"] != "id_uscc" and presses < 30:
        page.keyboard.press("Tab")
        presses += 1
    # Skip link + Enter, then the page's own links before the form (25 presses reached the field before).
    assert presses <= 3, presses
    ring = _focused(page)
    assert ring["outlineStyle"] != "none" and ring["outlineWidth"] >= 2
    page.context.close()


def test_reviewer_confirms_before_approving_and_rejecting(live_server, site, browser):
    base = live_server.url
    page = login(browser, base, "reviewer_a")
    page.goto(f"{base}/cases/{site['open']}/")
    page.get_by_role("button", name="复核通过").click()
    dialog = page.get_by_role("dialog")
    dialog.wait_for(state="visible")
    assert "确认复核通过" in dialog.inner_text()
    dialog.get_by_role("button", name="取消").click()
    assert not dialog.is_visible()
    page.reload()
    assert page.get_by_test_id("case-status").inner_text() == "已受理"  # nothing was sent

    page.get_by_role("button", name="退回", exact=True).click()
    page.wait_for_selector("#reject-panel.show")  # the panel has finished opening
    page.fill("#reject_reason", "材料不齐")
    page.get_by_role("button", name="确认退回").click()
    dialog.wait_for(state="visible")
    assert "确认退回" in dialog.inner_text()
    dialog.get_by_role("button", name="确认退回").click()
    page.wait_for_selector("[data-testid=case-status]:has-text('已退回')")
    page.context.close()


def test_at_200_percent_zoom_the_menu_button_opens_the_sidebar(live_server, site, browser, tmp_path):
    page = login(browser, live_server.url, "clerk_a", viewport=(640, 800))
    page.goto(f"{live_server.url}/cases/")
    sidebar = page.locator(".sb-sidebar")
    menu = page.get_by_role("button", name="菜单", exact=True)
    logout = page.get_by_role("button", name="退出")
    assert menu.is_visible() and logout.is_visible()
    box = logout.bounding_box()
    assert box["x"] + box["width"] <= 640 and box["y"] < 60  # on the bar, not pushed off it
    assert not sidebar.is_visible() or sidebar.bounding_box()["x"] + sidebar.bounding_box()["width"] <= 0
    menu.click()
    assert menu.get_attribute("aria-expanded") == "true"
    link = page.locator(".sb-sidebar").get_by_role("link", name="单位查询")
    link.wait_for(state="visible")
    page.wait_for_function("() => document.querySelector('#sb-menu').getBoundingClientRect().left >= 0")  # slid in
    box = page.locator(".sb-sidebar").bounding_box()
    assert box["x"] >= 0 and box["width"] > 200
    page.keyboard.press("Escape")
    assert menu.get_attribute("aria-expanded") == "false"
    menu.click()
    link.click()
    page.wait_for_url("**/registration/employers/")
    page.screenshot(path=str(tmp_path / "zoom-640.png"))
    page.context.close()


def test_elder_mode_enlarges_text_and_is_remembered(live_server, site, browser, tmp_path):
    page = login(browser, live_server.url, "insured_a")
    page.goto(f"{live_server.url}/registration/me/")

    def sizes():
        return page.evaluate(
            """() => ({text: parseFloat(getComputedStyle(document.querySelector('dd')).fontSize),
                       button: document.querySelector('[data-sb-elder-toggle]').getBoundingClientRect().height})"""
        )

    before = sizes()
    toggle = page.get_by_role("button", name="长辈模式")
    assert toggle.get_attribute("aria-pressed") == "false"
    toggle.click()
    after = sizes()
    assert after["text"] >= 1.25 * before["text"]
    assert after["button"] >= 40 > before["button"]
    assert page.locator("[data-sb-elder-toggle]").get_attribute("aria-pressed") == "true"
    page.screenshot(path=str(tmp_path / "elder.png"), full_page=True)
    page.goto(f"{live_server.url}/cases/")
    assert page.evaluate("document.documentElement.classList.contains('sb-elder')")  # remembered
    page.get_by_role("button", name="标准模式").click()
    page.reload()
    assert not page.evaluate("document.documentElement.classList.contains('sb-elder')")
    page.context.close()


@pytest.mark.parametrize("kind", ["case", "employer", "person"])
def test_print_shows_the_record_without_navigation(live_server, site, browser, tmp_path, kind):
    urls = {
        "case": f"/cases/{site['completed']}/",
        "employer": f"/registration/employers/{site['employer']}/",
        "person": f"/registration/persons/{site['person']}/",
    }
    page = login(browser, live_server.url, "clerk_a")
    page.goto(live_server.url + urls[kind])
    assert page.locator(".sb-sidebar").is_visible()
    page.emulate_media(media="print")
    shot = tmp_path / f"print-{kind}.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 5_000
    assert page.locator("h1").first.is_visible()  # the record itself is printed
    for selector in (".sb-sidebar", ".sb-user", "#sb-menu-btn", "main .btn", "main form", ".sb-skip"):
        for element in page.locator(selector).all():
            assert not element.is_visible(), selector
            assert element.bounding_box() is None, selector
    page.context.close()

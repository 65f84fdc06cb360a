"""Browser-test kit: Debian's chromium driven by Playwright, and logging in through the real login form."""

from __future__ import annotations

from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
PASSWORD = "Shebao@2026!"
needs_chromium = pytest.mark.skipif(
    not Path(CHROMIUM).exists(),
    reason=f"{CHROMIUM} is not installed (apt-get install -y chromium fonts-wqy-microhei)",
)


@pytest.fixture
def browser(monkeypatch):
    """One headless chromium for the test (never a downloaded browser)."""
    sync_api = pytest.importorskip("playwright.sync_api")
    # Playwright's sync API runs an event loop in this thread; the ORM calls of the test are still synchronous.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_api.sync_playwright() as pw:
        chromium = pw.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield chromium
        chromium.close()


def login(browser, base_url: str, username: str | None, *, viewport=(1440, 1000), **context_options):
    """A new browser context (its own cookies) signed in as `username` through the login form (None: anonymous)."""
    context = browser.new_context(
        viewport={"width": viewport[0], "height": viewport[1]}, locale="zh-CN", **context_options
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto(f"{base_url}/login/")
    if username:
        page.fill("#id_username", username)
        page.fill("#id_password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(lambda url: not url.endswith("/login/"))
    return page

"""Real-browser fixtures: Debian's chromium driven by Playwright's sync API against
pytest-django's live server.

Playwright's sync API runs an event loop in the test thread, which makes Django's
async-safety check refuse ORM calls from the test itself; the tests only touch the
database from that thread between browser steps, so the check is switched off here.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

# Chromium reports Content-Security-Policy violations on the console; this listener
# makes sure every violation (also ones Chromium reports only as an event) is logged.
_CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", function (event) {
  console.error("Content Security Policy violation: Refused to load "
    + event.blockedURI + " (" + event.violatedDirective + ")");
});
"""


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} does not exist: install Debian's chromium "
            "(apt-get install chromium) to run the browser tests.",
            pytrace=False,
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def console_messages() -> list[str]:
    """Console messages and uncaught page errors of the test's page."""
    return []


@pytest.fixture
def page(browser: Any, live_server: Any, console_messages: list[str]) -> Iterator[Any]:
    """A fresh browser context (no cookies, Swedish locale) and page per test."""
    context = browser.new_context(locale="sv-SE", base_url=live_server.url)
    context.set_default_timeout(15_000)
    context.add_init_script(_CSP_LISTENER)
    page = context.new_page()
    page.on("console", lambda message: console_messages.append(f"{message.type}: {message.text}"))
    page.on("pageerror", lambda error: console_messages.append(f"pageerror: {error}"))
    try:
        yield page
    finally:
        context.close()

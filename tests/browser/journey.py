"""Steps shared by the browser journeys."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlparse

PASSWORD = "correct-horse-battery-staple"
LOGIN_PATH = "/konto/logga-in/"


def current_path(page: Any) -> str:
    return urlparse(page.url).path


def sign_in(page: Any, username: str) -> None:
    page.goto(LOGIN_PATH)
    form = page.locator("main form[method=post]")
    form.locator("input[name=username]").fill(username)
    form.locator("input[name=password]").fill(PASSWORD)
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    assert current_path(page) != LOGIN_PATH, page.locator("main").inner_text()

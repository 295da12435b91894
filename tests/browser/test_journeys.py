"""User journeys in a real browser: two-factor sign-in, isolation between
organisations, language switching, keyboard access and audited person look-ups."""

from __future__ import annotations

import base64
import csv
import io
import json
from typing import Any
from urllib.parse import urlparse

import pytest
from django_otp.oath import TOTP, hotp
from django_otp.plugins.otp_totp.models import TOTPDevice
from journey import LOGIN_PATH, current_path, sign_in
from playwright.sync_api import expect

from samverkan.audit.models import AuditEntry
from samverkan.cases import services as case_services
from samverkan.core.identity import is_valid_person_number
from samverkan.organisations.roles import Confidentiality, Role

pytestmark = pytest.mark.browser

TWO_FACTOR_PATH = "/konto/tvafaktor/"
CSP_MARKERS = ("Content Security Policy", "Content-Security-Policy", "Refused to")


# --- helpers ---------------------------------------------------------------------


def path_is(path: str) -> Any:
    return lambda url: urlparse(url).path == path


def sign_out(page: Any) -> None:
    with page.expect_navigation():
        page.locator("form[action='/konto/logga-ut/'] button[type=submit]").click()
    page.wait_for_url(path_is(LOGIN_PATH))


def submit_main_form(page: Any) -> None:
    with page.expect_navigation():
        page.locator("main form[method=post] button[type=submit]").click()


def expect_start_page(page: Any) -> None:
    page.wait_for_url(path_is("/"))
    expect(page.locator("main h1")).to_be_visible()


def assert_no_csp_violations(console_messages: list[str]) -> None:
    violations = [m for m in console_messages if any(k in m for k in CSP_MARKERS)]
    assert not violations, "CSP violations:\n" + "\n".join(violations)


def main_text(page: Any) -> str:
    return page.locator("main").inner_text()


# --- 1. two-factor sign-in --------------------------------------------------------------


def test_coordinator_enrols_and_uses_totp(
    transactional_db: Any, world: Any, settings: Any, page: Any, console_messages: list[str]
) -> None:
    settings.REQUIRE_2FA = True
    user = world.user("linkoping", Role.COORDINATOR)

    sign_in(page, user.username)
    page.wait_for_url(path_is(TWO_FACTOR_PATH))

    # Nothing else is reachable before the second factor is given.
    page.goto("/arenden/")
    page.wait_for_url(path_is(TWO_FACTOR_PATH))
    assert "/arenden/" not in current_path(page)

    page.goto("/")
    page.wait_for_url(path_is(TWO_FACTOR_PATH))
    secret_box = page.locator("#totp-secret")
    expect(secret_box).to_be_visible()
    expect(page.locator("main .qr svg")).to_be_visible()
    secret = secret_box.inner_text().strip()
    key = base64.b32decode(secret)
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    assert device.bin_key == key

    totp = TOTP(key, device.step, device.t0, device.digits, device.drift)
    page.locator("input[name=otp_token]").fill(f"{totp.token():0{device.digits}d}")
    submit_main_form(page)
    expect_start_page(page)
    assert TOTPDevice.objects.get(user=user).confirmed

    sign_out(page)

    sign_in(page, user.username)
    page.wait_for_url(path_is(TWO_FACTOR_PATH))
    expect(page.locator("input[name=otp_token]")).to_be_visible()
    expect(page.locator("#totp-secret")).to_have_count(0)

    # django-otp refuses a token from a time step that has already been used; use the
    # first unused step (still within the device's tolerance of one step).
    device = TOTPDevice.objects.get(user=user, confirmed=True)
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    step = max(totp.t(), device.last_t + 1)
    page.locator("input[name=otp_token]").fill(
        f"{hotp(device.bin_key, step, digits=device.digits):0{device.digits}d}"
    )
    submit_main_form(page)
    expect_start_page(page)

    page.goto("/arenden/")
    page.wait_for_url(path_is("/arenden/"))
    assert_no_csp_violations(console_messages)


# --- 2. isolation between organisations ----------------------------------------------------


def test_partner_sees_only_what_is_shared(
    transactional_db: Any, world: Any, settings: Any, page: Any, console_messages: list[str]
) -> None:
    settings.REQUIRE_2FA = False
    secret = world.case("norrkoping", title="NKPG-HEMLIG-1")
    confidential = world.case(
        "norrkoping", title="NKPG-HEMLIG-2", confidentiality=Confidentiality.CONFIDENTIAL
    )
    shared = world.case("norrkoping", title="NKPG-DELAD", shared_with=("stangastaden",))
    hidden_titles = ("NKPG-HEMLIG-1", "NKPG-HEMLIG-2")

    sign_in(page, world.user("stangastaden", Role.CASE_OFFICER).username)
    expect_start_page(page)

    def assert_only_shared_visible(text: str, where: str) -> None:
        for title in hidden_titles:
            assert title not in text, f"{title} leaks into {where}"
        assert "NKPG-DELAD" in text, f"the shared case is missing from {where}"

    assert_only_shared_visible(main_text(page), "the start page")
    expect(page.locator("section[aria-labelledby=panel-cases_shared-heading]")).to_contain_text(
        "NKPG-DELAD"
    )

    page.goto("/arenden/")
    expect(page.locator("#case-table table")).to_be_visible()
    assert_only_shared_visible(main_text(page), "the case list")

    page.goto("/arenden/?q=NKPG")
    expect(page.locator("#case-table table")).to_be_visible()
    assert_only_shared_visible(main_text(page), "the case search")

    export = page.request.get("/arenden/export.csv")
    assert export.ok, export.status
    rows = list(csv.reader(io.StringIO(export.text().lstrip("\ufeff")), delimiter=";"))
    export_titles = [row[1] for row in rows[1:]]
    assert_only_shared_visible(export.text(), "the CSV export")
    assert export_titles == ["NKPG-DELAD"]

    api = page.request.get("/api/v1/cases/")
    assert api.status == 200, api.text()
    payload = json.loads(api.text())
    api_titles = [item["title"] for item in payload["results"]]
    assert_only_shared_visible(api.text(), "the API")
    assert api_titles == ["NKPG-DELAD"]

    for case in (secret, confidential):
        for url in (f"/arenden/{case.pk}/", f"/arenden/{case.pk}/personer/"):
            response = page.goto(url)
            assert response is not None and response.status == 404, url
            expect(page.locator("#error-heading")).to_be_visible()
            assert case.title not in page.content()

    response = page.goto(f"/arenden/{shared.pk}/")
    assert response is not None and response.status == 200
    expect(page.locator("main")).to_contain_text("NKPG-DELAD")

    # Norrköping withdraws the sharing: the case disappears for Stångåstaden at once.
    case_services.set_case_sharing(
        actor=world.user("norrkoping", Role.COORDINATOR), case=shared, organisations=[]
    )
    page.goto("/arenden/")
    assert "NKPG-DELAD" not in main_text(page)
    page.goto("/")
    assert "NKPG-DELAD" not in main_text(page)
    assert "NKPG-DELAD" not in page.request.get("/arenden/export.csv").text()
    assert "NKPG-DELAD" not in page.request.get("/api/v1/cases/").text()
    response = page.goto(f"/arenden/{shared.pk}/")
    assert response is not None and response.status == 404
    assert "NKPG-DELAD" not in page.content()

    assert_no_csp_violations(console_messages)


# --- 3. language ------------------------------------------------------------------------


def test_language_can_be_changed_and_back(
    transactional_db: Any, world: Any, settings: Any, page: Any, console_messages: list[str]
) -> None:
    settings.REQUIRE_2FA = False
    sign_in(page, world.user("linkoping", Role.CASE_OFFICER).username)
    expect_start_page(page)
    html = page.locator("html")
    expect(html).to_have_attribute("lang", "sv")

    page.locator("#language-select").select_option("en")
    with page.expect_navigation():
        page.locator("#language-submit").click()
    expect(html).to_have_attribute("lang", "en")
    assert current_path(page) == "/"
    expect(page.locator("form[action='/konto/logga-ut/'] button[type=submit]")).to_have_text(
        "Sign out"
    )

    page.locator("#language-select").select_option("sv")
    with page.expect_navigation():
        page.locator("#language-submit").click()
    expect(html).to_have_attribute("lang", "sv")
    assert current_path(page) == "/"
    assert_no_csp_violations(console_messages)


# --- 4. keyboard -------------------------------------------------------------------------


def test_skip_link_is_first_and_moves_focus_to_main(
    transactional_db: Any, world: Any, settings: Any, page: Any, console_messages: list[str]
) -> None:
    settings.REQUIRE_2FA = False
    sign_in(page, world.user("linkoping", Role.CASE_OFFICER).username)
    expect_start_page(page)
    page.wait_for_load_state("load")

    page.keyboard.press("Tab")
    skip_link = page.locator("a.skip-link")
    expect(skip_link).to_be_focused()
    expect(skip_link).to_have_attribute("href", "#main")
    expect(skip_link).to_be_visible()

    page.keyboard.press("Enter")
    main = page.locator("#main")
    expect(main).to_be_focused()
    expect(main).to_be_in_viewport()
    assert_no_csp_violations(console_messages)


# --- 5. person look-up with a purpose -----------------------------------------------------------


def test_person_lookup_requires_purpose_and_is_audited(
    transactional_db: Any, world: Any, settings: Any, page: Any, console_messages: list[str]
) -> None:
    settings.REQUIRE_2FA = False
    person_number = "19811218-9876"
    assert is_valid_person_number(person_number)
    case = world.case("linkoping", title="Ärende med person")
    case_services.add_person(
        actor=world.user("linkoping", Role.COORDINATOR),
        case=case,
        name="Testa Testsson",
        person_number=person_number,
        role="Berörd",
    )
    officer = world.user("linkoping", Role.CASE_OFFICER)

    sign_in(page, officer.username)
    expect_start_page(page)
    page.goto(f"/arenden/{case.pk}/personer/")
    purpose_field = page.locator("main textarea[name=purpose]")
    expect(purpose_field).to_be_visible()
    assert "Testa Testsson" not in page.content()

    purpose_field.fill("x")
    submit_main_form(page)
    field_group = page.locator("main .form-field", has=page.locator("[name=purpose]"))
    expect(field_group.locator(".errorlist")).to_be_visible()
    expect(field_group).to_have_class("form-field has-error")
    assert "Testa Testsson" not in page.content()
    assert not AuditEntry.objects.filter(action="view", purpose="x").exists()

    purpose = "Uppföljning av orosanmälan"
    page.locator("main textarea[name=purpose]").fill(purpose)
    submit_main_form(page)
    page.wait_for_url(path_is(f"/arenden/{case.pk}/personer/"))
    expect(page.locator("main table")).to_contain_text("Testa Testsson")
    expect(page.locator("main")).to_contain_text(purpose)

    entries = AuditEntry.objects.filter(action="view", purpose=purpose)
    assert entries.count() == 1
    assert entries.get().actor_username == officer.username
    assert_no_csp_violations(console_messages)

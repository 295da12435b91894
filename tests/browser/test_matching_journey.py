"""Matching in a real browser: two housing companies upload their encoded tenant
registers, a coordinator starts a run that the worker executes, one housing company
investigates its match (an exchange with its legal basis, then closing with an outcome and
an amount), and the other sees only its own side of the same match."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from journey import current_path, sign_in
from playwright.sync_api import expect
from test_ros_journey import assert_no_csp_violations, click_and_wait, sign_out

from matchkit import Record, encoded, make_match_world, person
from samverkan.matching.models import Match
from samverkan.organisations.roles import Role

pytestmark = pytest.mark.browser


def upload(page: Any, owner: Any, code: str, path: Path) -> None:
    page.goto("/matchning/datamangder/ladda-upp/")
    form = page.locator("main form[method=post]")
    form.locator("select[name=owner]").select_option(value=str(owner.pk))
    form.locator("select[name=dataset_type]").select_option(value="hyresgaster")
    form.locator("input[name=period_start]").fill("2026-10-01")
    form.locator("input[name=period_end]").fill("2026-10-31")
    form.locator("select[name=municipality_code]").select_option(value=code)
    form.locator("input[type=file][name=file]").set_input_files(str(path))
    click_and_wait(page, "#upload")
    assert current_path(page) == "/matchning/datamangder/", page.locator("main").inner_text()
    expect(page.locator("#dataset-table")).to_contain_text("Hyresgäster")


def test_matching_from_upload_to_outcome(
    transactional_db: Any,
    world: Any,
    settings: Any,
    page: Any,
    console_messages: list[str],
    tmp_path: Path,
) -> None:
    settings.REQUIRE_2FA = False
    mw = make_match_world(world)
    shared = person(1)
    files = {}
    for key, others in (("stangastaden", (2, 3)), ("hyresbostader", (4, 5))):
        path = tmp_path / f"{key}.json"
        path.write_bytes(encoded([Record(person(n)) for n in others] + [Record(shared)]))
        files[key] = path

    # 1. Each housing company uploads its own encoded register.
    for key in ("stangastaden", "hyresbostader"):
        sign_in(page, mw.user(key, Role.CASE_OFFICER).username)
        upload(page, mw.org(key), mw.codes[key], files[key])
        sign_out(page)

    # 2. A coordinator starts a run; the worker executes it.
    sign_in(page, mw.user("linkoping", Role.COORDINATOR).username)
    page.goto("/matchning/korningar/ny/")
    form = page.locator("main form[method=post]")
    form.locator("input[name=period_start]").fill("2026-10-01")
    form.locator("input[name=period_end]").fill("2026-10-31")
    for box in form.locator("input[name=match_types]").all():
        box.uncheck()
    form.locator("input[name=match_types][value=dubbla_hyreskontrakt]").check()
    click_and_wait(page, "#start-run")
    assert current_path(page).startswith("/matchning/korningar/")
    call_command("db_worker", batch=True, no_startup_delay=True, verbosity=0)
    page.reload()
    expect(page.locator("#run-status")).to_have_text("Klart")
    sign_out(page)

    # 3. Stångåstaden investigates its side of the match.
    mine = Match.objects.get(owner=mw.org("stangastaden"))
    theirs = Match.objects.get(owner=mw.org("hyresbostader"))
    sign_in(page, mw.user("stangastaden", Role.CASE_OFFICER).username)
    page.goto("/matchning/")
    expect(page.locator("#inconsistency-notice")).to_contain_text("aldrig ett bevis")
    table = page.locator("#match-table")
    expect(table).to_contain_text("Hyresbostäder")
    expect(table).to_contain_text(mine.ref)
    expect(table).not_to_contain_text(theirs.ref)
    click_and_wait(page, f"a[href='/matchning/traffar/{mine.pk}/']")
    expect(page.locator("#band")).to_contain_text("Exakt")

    exchange = page.locator(f"form[action='/matchning/traffar/{mine.pk}/utbyte/']")
    exchange.locator("select[name=direction]").select_option(value="sent")
    exchange.locator("textarea[name=text]").fill("Frågade om kontraktets startdatum")
    click_and_wait(page, "#save-exchange")  # no legal basis chosen
    expect(exchange.locator(".errorlist")).to_be_visible()
    exchange.locator("select[name=legal_basis]").select_option(value="osl_10_15a")
    exchange.locator("textarea[name=text]").fill("Frågade om kontraktets startdatum")
    click_and_wait(page, "#save-exchange")
    expect(page.locator("#history")).to_contain_text("OSL 10 kap. 15 a §")

    status = page.locator(f"form[action='/matchning/traffar/{mine.pk}/status/']")
    status.locator("select[name=status]").select_option(value="avslutad")
    status.locator("select[name=outcome]").select_option(value="felaktig_utbetalning")
    status.locator("input[name=amount_recovered]").fill("36000")
    click_and_wait(page, "#save-status")
    expect(page.locator("#status")).to_contain_text("Felaktig utbetalning")
    page.goto("/matchning/utfall/")
    expect(page.locator("#outcome-table")).to_contain_text("36000")
    sign_out(page)

    # 4. Hyresbostäder sees its own side only, still new.
    sign_in(page, mw.user("hyresbostader", Role.CASE_OFFICER).username)
    page.goto(f"/matchning/traffar/{theirs.pk}/")
    expect(page.locator("#status")).to_have_text("Ny")
    expect(page.locator("main")).not_to_contain_text(mine.ref)
    expect(page.locator("main")).not_to_contain_text("Frågade om kontraktets startdatum")
    response = page.goto(f"/matchning/traffar/{mine.pk}/")
    assert response is not None and response.status == 404
    assert_no_csp_violations(console_messages)

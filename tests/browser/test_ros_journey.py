"""The ROS module in a real browser, end to end: a case officer imports a permit
register (preview first, then all rows), opens the highest-risk premises and reads why it
scores high; a coordinator plans a joint operation with targets in two municipalities;
two authorities record their own inspection results; the coordinator sees the outcome
figures and fetches the briefing pack."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest
from django.utils import timezone, translation
from journey import LOGIN_PATH, current_path, sign_in
from playwright.sync_api import expect

from riskkit import risk_seen_by
from samverkan.core.tabular import Row
from samverkan.organisations.roles import Role
from samverkan.ros import riskfacts, services
from samverkan.ros.models import (
    ActivityKind,
    Business,
    InspectionRecord,
    Operation,
    OperationTarget,
    Participation,
    Permit,
    Premises,
)

pytestmark = pytest.mark.browser

CSP_MARKERS = ("Content Security Policy", "Content-Security-Policy", "Refused to")
HEADER = (
    "adress;postnummer;kommun;verksamhetstyp;namn;organisationsnummer;företagsnamn;"
    "tillståndstyp;status;giltigt till;lat;lon"
)
RESTAURANT_ADDRESS = "Storgatan 12"
KIOSK_ADDRESS = "Ågatan 3"
NORRKOPING_ADDRESS = "Drottninggatan 5"


# --- helpers ---------------------------------------------------------------------


def swedish(text: str) -> str:
    """The text as the Swedish-language pages show it (English where untranslated)."""
    with translation.override("sv"):
        return translation.gettext(text)


def click_and_wait(page: Any, selector: str) -> None:
    with page.expect_navigation():
        page.locator(selector).click()


def sign_out(page: Any) -> None:
    with page.expect_navigation():
        page.locator("form[action='/konto/logga-ut/'] button[type=submit]").click()
    page.wait_for_url(lambda url: urlparse(url).path == LOGIN_PATH)


def assert_no_csp_violations(console_messages: list[str]) -> None:
    violations = [m for m in console_messages if any(k in m for k in CSP_MARKERS)]
    assert not violations, "CSP violations:\n" + "\n".join(violations)


def create_kinds() -> dict[str, ActivityKind]:
    """The activity kinds of tests/ros/conftest.py (that fixture is local to tests/ros)."""
    return {
        "restaurant": ActivityKind.objects.create(
            key="restaurant",
            name="Restaurang",
            cash_intensive=True,
            required_permits=["alcohol", "food"],
        ),
        "kiosk": ActivityKind.objects.create(
            key="kiosk", name="Kiosk", cash_intensive=True, required_permits=["tobacco"]
        ),
        "office": ActivityKind.objects.create(key="office", name="Kontor"),
    }


def write_register(path: Path) -> Path:
    rows = [
        # A restaurant whose alcohol licence has lapsed and that has no food registration.
        f"{RESTAURANT_ADDRESS};582 24;Linköping;restaurant;Krogen Ankaret;556036-0793;"
        "Ankaret Restaurang AB;serveringstillstånd;utgånget;2025-06-30;58.4108;15.6214",
        # A kiosk with a valid tobacco licence.
        f"{KIOSK_ADDRESS};582 22;Linköpings kommun;kiosk;Kiosken;556016-0680;"
        "Kiosken i Linköping AB;tobak;gällande;2030-12-31;58.4120;15.6230",
    ]
    path.write_text(HEADER + "\n" + "\n".join(rows) + "\n", "utf-8")
    return path


# --- the journey ------------------------------------------------------------------------


def test_ros_from_register_to_outcome_figures(
    transactional_db: Any,
    world: Any,
    settings: Any,
    page: Any,
    console_messages: list[str],
    tmp_path: Path,
) -> None:
    settings.REQUIRE_2FA = False
    create_kinds()
    linkoping = world.orgs["linkoping"]
    norrkoping = world.orgs["norrkoping"]
    polis = world.orgs["polis"]
    officer = world.user("linkoping", Role.CASE_OFFICER)
    coordinator = world.user("linkoping", Role.COORDINATOR)
    police_officer = world.user("polis", Role.CASE_OFFICER)

    # 1. Import the permit register in the browser: preview first, nothing stored yet.
    sign_in(page, officer.username)
    page.goto("/ros/import/")
    form = page.locator("main form[method=post]")
    form.locator("select[name=owner]").select_option(value=str(linkoping.pk))
    form.locator("input[type=file][name=file]").set_input_files(
        str(write_register(tmp_path / "tillstandsregister.csv"))
    )
    click_and_wait(page, "#preview-import")
    assert current_path(page) == "/ros/import/"
    expect(page.locator("#import-problems")).to_have_count(0)
    preview = page.locator("#import-preview")
    expect(preview).to_be_visible()
    preview_items = [" ".join(t.split()) for t in preview.locator("li").all_inner_texts()]
    with translation.override("sv"):
        expected_preview = [
            translation.gettext("%(n)s rows") % {"n": 2},
            translation.gettext("%(new)s new premises, %(old)s rows matched existing premises")
            % {"new": 2, "old": 0},
            translation.gettext("%(new)s new businesses, %(old)s rows matched existing businesses")
            % {"new": 2, "old": 0},
            translation.gettext("%(new)s new permits, %(old)s already registered")
            % {"new": 2, "old": 0},
        ]
    assert preview_items == expected_preview, preview_items
    assert Premises.objects.count() == 0
    assert Business.objects.count() == 0
    assert Permit.objects.count() == 0

    click_and_wait(page, "#confirm-import")
    page.wait_for_url(lambda url: urlparse(url).path == "/ros/")
    restaurant = Premises.objects.get(owner=linkoping, address=RESTAURANT_ADDRESS)
    kiosk = Premises.objects.get(owner=linkoping, address=KIOSK_ADDRESS)
    assert restaurant.municipality == linkoping and kiosk.municipality == linkoping
    assert restaurant.kind is not None and restaurant.kind.key == "restaurant"
    assert restaurant.postal_code == "58224"
    assert restaurant.latitude == pytest.approx(58.4108)
    assert sorted(Business.objects.values_list("organisation_number", flat=True)) == [
        "556016-0680",
        "556036-0793",
    ]
    assert sorted(Permit.objects.values_list("type", "status")) == [
        ("alcohol", "expired"),
        ("tobacco", "active"),
    ]

    # 2. Norrköping's own premises, shared with Linköping (through the services).
    services.import_register(
        actor=world.user("norrkoping", Role.CASE_OFFICER),
        owner=norrkoping,
        rows=[
            Row(
                2,
                {
                    "address": NORRKOPING_ADDRESS,
                    "postal_code": "602 32",
                    "municipality": "Norrköping",
                    "kind": "kiosk",
                    "name": "Hörnkiosken",
                    "organisation_number": "556703-7485",
                    "business_name": "Hörnkiosken i Norrköping AB",
                    "permit_type": "tobak",
                    "permit_status": "gällande",
                    "valid_to": "2030-12-31",
                },
            )
        ],
        commit=True,
    )
    norrkoping_premises = Premises.objects.get(owner=norrkoping)
    services.set_sharing(
        actor=world.user("norrkoping", Role.COORDINATOR),
        record=norrkoping_premises,
        organisations=[linkoping],
    )
    riskfacts.recompute()
    # As Linköping sees them.
    mine, kiosk_risk, theirs = (
        risk_seen_by(p, linkoping) for p in (restaurant, kiosk, norrkoping_premises)
    )
    assert mine is not None and kiosk_risk is not None and theirs is not None
    assert mine.score > theirs.score
    assert mine.score > kiosk_risk.score
    assert mine.level in ("medium", "high"), mine.fired
    fired = {f["key"] for f in mine.fired}
    assert {"permit_missing", "permit_expired"} <= fired, fired

    # 3. The risk list shows the restaurant first; its explanation names the permits.
    page.goto("/ros/")
    rows = page.locator("#premises-table table.data tbody tr")
    expect(rows).to_have_count(3)
    first_link = rows.first.locator("td").first.locator("a")
    expect(first_link).to_have_attribute("href", f"/ros/lokaler/{restaurant.pk}/")
    expect(first_link).to_contain_text(RESTAURANT_ADDRESS)
    listed = [a.get_attribute("href") for a in rows.locator("td:first-child a").all()]
    assert f"/ros/lokaler/{norrkoping_premises.pk}/" in listed, listed

    click_and_wait(page, f"#premises-table a[href='/ros/lokaler/{restaurant.pk}/']")
    assert current_path(page) == f"/ros/lokaler/{restaurant.pk}/"
    explanation = page.locator("#risk-explanation")
    expect(explanation).to_be_visible()
    explanation_text = explanation.inner_text()
    assert "serveringstillstånd" in explanation_text.lower(), explanation_text
    assert "registrering av livsmedelsanläggning" in explanation_text, explanation_text
    assert "saknas" in explanation_text, explanation_text
    assert "har löpt ut" in explanation_text and "2025-06-30" in explanation_text, explanation_text
    sign_out(page)

    # 4. The coordinator plans the operation with three authorities.
    sign_in(page, coordinator.username)
    page.goto("/ros/insatser/ny/")
    form = page.locator("main form[method=post]")
    expect(form.locator("select[name=owner]")).to_have_value(str(linkoping.pk))
    form.locator("input[name=title]").fill("Gemensam krogkontroll december")
    form.locator("input[name=starts_at]").fill("2026-12-04T18:00")
    form.locator("input[name=areas]").fill("Linköping centrum, Norrköping centrum")
    form.locator(f"select[name=participant_{linkoping.pk}]").select_option(
        value="environment_health"
    )
    form.locator(f"select[name=participant_{polis.pk}]").select_option(value="police")
    form.locator(f"select[name=participant_{norrkoping.pk}]").select_option(
        value="alcohol_licensing"
    )
    click_and_wait(page, "#save-operation")
    operation = Operation.objects.get(title="Gemensam krogkontroll december")
    assert current_path(page) == f"/ros/insatser/{operation.pk}/", page.locator("main").inner_text()
    assert operation.owner == linkoping
    starts = timezone.localtime(operation.starts_at)
    assert (starts.year, starts.month, starts.day, starts.hour, starts.minute) == (
        2026,
        12,
        4,
        18,
        0,
    )
    assert sorted(operation.participations.values_list("organisation__name", "authority")) == [
        ("Linköpings kommun", "environment_health"),
        ("Norrköpings kommun", "alcohol_licensing"),
        ("Polisen LPO Linköping", "police"),
    ]
    assert set(operation.shared_with.all()) == {polis, norrkoping}

    click_and_wait(page, f"main a[href='/ros/insatser/{operation.pk}/mal/']")
    assert current_path(page) == f"/ros/insatser/{operation.pk}/mal/"
    page.locator(f"[id='t-{restaurant.pk}']").check()
    page.locator(f"[id='t-{norrkoping_premises.pk}']").check()
    click_and_wait(page, "#add-targets")
    assert current_path(page) == f"/ros/insatser/{operation.pk}/"
    targets = page.locator("section[aria-labelledby=targets-heading]")
    expect(targets).to_contain_text(RESTAURANT_ADDRESS)
    expect(targets).to_contain_text(NORRKOPING_ADDRESS)
    expect(targets.locator("article")).to_have_count(2)
    assert sorted(operation.targets.values_list("premises__address", flat=True)) == sorted(
        [RESTAURANT_ADDRESS, NORRKOPING_ADDRESS]
    )
    restaurant_target = OperationTarget.objects.get(operation=operation, premises=restaurant)
    norrkoping_target = OperationTarget.objects.get(
        operation=operation, premises=norrkoping_premises
    )
    sign_out(page)

    # 5a. Environment and health (Linköping) records its inspection of the restaurant.
    environment = Participation.objects.get(operation=operation, authority="environment_health")
    police = Participation.objects.get(operation=operation, authority="police")
    sign_in(page, officer.username)
    page.goto(f"/ros/insatser/{operation.pk}/")
    record_link = f"main a[href='/ros/insatser/{operation.pk}/protokoll/{environment.uid}/']"
    # Only the participation of the officer's own organisation has the link.
    expect(
        page.locator(f"main a[href='/ros/insatser/{operation.pk}/protokoll/{police.uid}/']")
    ).to_have_count(0)
    click_and_wait(page, record_link)
    form = page.locator("main form[method=post]")
    form.locator("select[name=target]").select_option(value=str(restaurant_target.uid))
    form.locator("input[name=findings][value=unregistered_food_business]").check()
    form.locator("input[name=sanctions][value=closure]").check()
    form.locator("input[name=money_identified]").fill("0")
    form.locator("input[name=money_stopped]").fill("12000")
    form.locator("textarea[name=notes]").fill("Ingen livsmedelsregistrering; stängt i väntan.")
    click_and_wait(page, "#save-inspection")
    assert current_path(page) == f"/ros/insatser/{operation.pk}/", page.locator("main").inner_text()
    environment_record = InspectionRecord.objects.get(authority="environment_health")
    assert environment_record.owner == linkoping
    assert environment_record.target == restaurant_target
    assert environment_record.findings == ["unregistered_food_business"]
    assert environment_record.sanctions == ["closure"]
    assert environment_record.money_stopped == 12000
    sign_out(page)

    # 5b. The police record theirs at the Norrköping premises.
    sign_in(page, police_officer.username)
    page.goto(f"/ros/insatser/{operation.pk}/")
    expect(page.locator("main h1")).to_have_text("Gemensam krogkontroll december")
    click_and_wait(page, f"main a[href='/ros/insatser/{operation.pk}/protokoll/{police.uid}/']")
    form = page.locator("main form[method=post]")
    form.locator("select[name=target]").select_option(value=str(norrkoping_target.uid))
    form.locator("input[name=findings][value=suspected_offence]").check()
    form.locator("input[name=sanctions][value=police_report]").check()
    form.locator("input[name=money_identified]").fill("25000")
    form.locator("input[name=money_stopped]").fill("0")
    click_and_wait(page, "#save-inspection")
    assert current_path(page) == f"/ros/insatser/{operation.pk}/", page.locator("main").inner_text()
    police_record = InspectionRecord.objects.get(authority="police")
    assert police_record.owner == polis
    assert police_record.target == norrkoping_target
    assert police_record.sanctions == ["police_report"]
    assert police_record.money_identified == 25000
    # Shared by default with the organisation that planned the operation.
    assert list(police_record.shared_with.all()) == [linkoping]
    sign_out(page)

    # 6. The coordinator sees the outcome figures and fetches the briefing pack.
    sign_in(page, coordinator.username)
    response = page.goto("/ros/resultat/")
    assert response is not None and response.status == 200
    table = page.locator("#outcome-table table")
    expect(table).to_be_visible()
    headers = [" ".join(t.split()) for t in table.locator("thead th").all_inner_texts()]
    column = {name: i for i, name in enumerate(headers)}

    def figures(municipality: str) -> dict[str, str]:
        row = table.locator("tbody tr").filter(
            has=page.locator("th", has_text=re.compile(rf"^{re.escape(municipality)}$"))
        )
        expect(row).to_have_count(1)
        cells = [" ".join(t.split()) for t in row.locator("th, td").all_inner_texts()]
        return {name: cells[i] for name, i in column.items()}

    joint = figures(swedish("All municipalities"))
    assert joint[swedish("Operations")] == "1", joint
    assert joint[swedish("Premises visited")] == "2", joint
    assert joint[swedish("Closures")] == "1", joint
    assert joint[swedish("Revoked permits")] == "0", joint
    assert joint[swedish("Money identified (SEK)")] == "25000", joint
    assert joint[swedish("Payments stopped (SEK)")] == "12000", joint
    in_linkoping = figures("Linköpings kommun")
    assert in_linkoping[swedish("Closures")] == "1", in_linkoping
    assert in_linkoping[swedish("Money identified (SEK)")] == "0", in_linkoping
    in_norrkoping = figures("Norrköpings kommun")
    assert in_norrkoping[swedish("Closures")] == "0", in_norrkoping
    assert in_norrkoping[swedish("Money identified (SEK)")] == "25000", in_norrkoping
    body_rows = table.locator("tbody tr")
    expect(body_rows).to_have_count(3)
    # The joint row comes last.
    expect(body_rows.last.locator("th")).to_have_text(swedish("All municipalities"))

    pdf = page.request.get(f"/ros/insatser/{operation.pk}/underlag.pdf")
    assert pdf.status == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.body().startswith(b"%PDF")

    # 7. No Content Security Policy violations anywhere on the way.
    assert_no_csp_violations(console_messages)

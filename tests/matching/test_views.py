"""The matching pages: what each organisation sees, the investigation forms, re-identification
in the demo, runs, uploads and the outcome report."""

from __future__ import annotations

import io
from typing import Any

import pytest
from pypdf import PdfReader

from matchkit import MatchWorld, Record, encoded, person
from samverkan.audit.models import AuditAction, AuditEntry
from samverkan.matching.models import DemoRecord, EncodedDataset, Match
from samverkan.organisations import services as org_services
from samverkan.organisations.models import OrganisationType
from samverkan.organisations.roles import Role

pytestmark = pytest.mark.django_db


def _named(content: bytes, name: str) -> io.BytesIO:
    upload = io.BytesIO(content)
    upload.name = name
    return upload


@pytest.fixture
def matched(mw: MatchWorld, settings: Any) -> tuple[Match, Match]:
    settings.REQUIRE_2FA = False
    shared = person(1)
    mw.upload("linkoping", "ekonomiskt_bistand", [Record(shared), Record(person(2))])
    mw.upload("norrkoping", "ekonomiskt_bistand", [Record(person(3)), Record(shared)])
    mw.run(["bistand_tva_kommuner"])
    return (
        Match.objects.get(owner=mw.org("linkoping")),
        Match.objects.get(owner=mw.org("norrkoping")),
    )


def test_work_list_shows_own_reference_and_counterpart_only(
    mw: MatchWorld, matched: tuple[Match, Match], client: Any, login: Any
) -> None:
    mine, theirs = matched
    login(mw.user("linkoping", Role.CASE_OFFICER))
    page = client.get("/matchning/").content.decode()
    assert mine.ref in page and theirs.ref not in page
    assert "Norrköpings kommun" in page and mine.number in page
    assert "aldrig ett bevis" in page
    assert AuditEntry.objects.filter(
        action=AuditAction.VIEW,
        object_type="matching.match",
        actor_username="linkoping.handlaggare",
    ).exists()
    export = client.get("/matchning/export.csv").content.decode()
    assert mine.ref in export and theirs.ref not in export
    detail = client.get(f"/matchning/traffar/{mine.pk}/").content.decode()
    assert mine.ref in detail and theirs.ref not in detail
    assert AuditEntry.objects.filter(action=AuditAction.VIEW, object_id=str(mine.pk)).exists()
    assert client.get(f"/matchning/traffar/{theirs.pk}/").status_code == 404


def test_closing_through_the_page_and_bad_input(
    mw: MatchWorld, matched: tuple[Match, Match], client: Any, login: Any
) -> None:
    mine, _theirs = matched
    login(mw.user("linkoping", Role.CASE_OFFICER))
    url = f"/matchning/traffar/{mine.pk}/"
    no_outcome = client.post(url + "status/", {"status": "avslutad"})
    assert no_outcome.status_code == 400 and "errorlist" in no_outcome.content.decode()
    for path, payload in (
        ("status/", {"status": "avslutad", "outcome": "x", "amount_recovered": "-5"}),
        ("status/", {"status": "okand", "amount_stopped": "12,5"}),
        ("utbyte/", {"direction": "sent", "legal_basis": "", "text": "Frågade"}),
        ("utbyte/", {"direction": "x" * 10_000, "legal_basis": "okand", "text": ""}),
        ("anteckning/", {"text": ""}),
        ("tilldela/", {"assignee": "00000000-0000-0000-0000-000000000000"}),
    ):
        response = client.post(url + path, payload)
        assert response.status_code == 400, (path, payload)
        assert "errorlist" in response.content.decode()
    ok = client.post(
        url + "status/",
        {
            "status": "avslutad",
            "outcome": "felaktig_utbetalning",
            "amount_recovered": "48200",
            "amount_stopped": "0",
        },
    )
    assert ok.status_code == 302
    exchange = client.post(
        url + "utbyte/",
        {"direction": "received", "legal_basis": "lag_2008_206", "text": "Besked om utbetalning"},
    )
    assert exchange.status_code == 302
    page = client.get(url).content.decode()
    assert "Felaktig utbetalning" in page and "Lag (2008:206)" in page


def test_reveal_on_the_server_only_in_the_demo(
    mw: MatchWorld, matched: tuple[Match, Match], client: Any, login: Any, settings: Any
) -> None:
    mine, _theirs = matched
    DemoRecord.objects.create(
        dataset_id=mine.dataset_id, ref=mine.ref, data={"namn": "Anna Andersson"}
    )
    login(mw.user("linkoping", Role.CASE_OFFICER))
    url = f"/matchning/traffar/{mine.pk}/visa-post/"
    settings.DEMO_MODE = False
    assert client.post(url, {"purpose": "Utredning"}).status_code == 403
    settings.DEMO_MODE = True
    assert client.post(url, {"purpose": ""}).status_code == 400
    response = client.post(url, {"purpose": "Utredning av träffen"})
    assert response.status_code == 200 and "Anna Andersson" in response.content.decode()
    entry = AuditEntry.objects.get(action=AuditAction.REVEAL)
    assert entry.purpose == "Utredning av träffen" and entry.object_id == str(mine.pk)
    # The counterpart cannot reveal the other side's record.
    client.logout()
    login(mw.user("norrkoping", Role.CASE_OFFICER))
    assert client.post(url, {"purpose": "Nyfiken"}).status_code == 404


def test_run_page_shows_own_counts_and_only_to_the_collaboration(
    mw: MatchWorld, matched: tuple[Match, Match], client: Any, login: Any
) -> None:
    run = matched[0].run
    outsider_org = org_services.create_organisation(
        actor=None, name="Annan kommun", type=OrganisationType.MUNICIPALITY.value
    )
    outsider = org_services.create_user(
        actor=None, username="annan", password="correct-horse-battery-staple"
    )
    org_services.add_membership(
        actor=None, user=outsider, organisation=outsider_org, role=Role.COORDINATOR
    )
    login(mw.user("stangastaden", Role.CASE_OFFICER))
    page = client.get(f"/matchning/korningar/{run.pk}/")
    assert page.status_code == 200
    assert [t["own"] for t in page.context["types"]] == [0]
    client.logout()
    login(mw.user("linkoping", Role.CASE_OFFICER))
    assert [t["own"] for t in client.get(f"/matchning/korningar/{run.pk}/").context["types"]] == [1]
    client.logout()
    login(outsider)
    assert client.get(f"/matchning/korningar/{run.pk}/").status_code == 404
    assert str(run.pk) not in client.get("/matchning/korningar/").content.decode()


def test_upload_and_run_through_the_pages(
    mw: MatchWorld, client: Any, login: Any, settings: Any
) -> None:
    settings.REQUIRE_2FA = False
    shared = person(5)
    login(mw.user("stangastaden", Role.CASE_OFFICER))
    bad = client.post(
        "/matchning/datamangder/ladda-upp/",
        {
            "owner": mw.org("stangastaden").pk,
            "dataset_type": "hyresgaster",
            "period_start": "2026-10-01",
            "period_end": "2026-10-31",
            "municipality_code": "0580",
            "file": _named(b"namn,personnummer\nAnna,198001011234\n", "register.csv"),
        },
    )
    assert bad.status_code == 400 and "Klartextfiler tas aldrig emot" in bad.content.decode()
    for key in ("stangastaden", "hyresbostader"):
        client.logout()
        login(mw.user(key, Role.CASE_OFFICER))
        upload = _named(encoded([Record(shared)]), "data.json")
        response = client.post(
            "/matchning/datamangder/ladda-upp/",
            {
                "owner": mw.org(key).pk,
                "dataset_type": "hyresgaster",
                "period_start": "2026-10-01",
                "period_end": "2026-10-31",
                "municipality_code": mw.codes[key],
                "file": upload,
            },
        )
        assert response.status_code == 302, response.content.decode()[:2000]
    assert EncodedDataset.objects.count() == 2
    client.logout()
    login(mw.user("linkoping", Role.CASE_OFFICER))
    assert client.get("/matchning/korningar/ny/").status_code == 403
    client.logout()
    login(mw.user("linkoping", Role.COORDINATOR))
    response = client.post(
        "/matchning/korningar/ny/",
        {
            "collaboration": mw.world.orgs["linkoping"].collaborations.get().pk,
            "period_start": "2026-10-01",
            "period_end": "2026-10-31",
            "match_types": ["dubbla_hyreskontrakt"],
        },
    )
    assert response.status_code == 302 and "/matchning/korningar/" in response["Location"]
    nothing = client.post(
        "/matchning/korningar/ny/",
        {
            "collaboration": mw.world.orgs["linkoping"].collaborations.get().pk,
            "period_start": "2026-01-01",
            "period_end": "2026-01-31",
            "match_types": ["dubbla_hyreskontrakt"],
        },
    )
    assert nothing.status_code == 400 and "errorlist" in nothing.content.decode()


def test_outcome_report_counts_own_matches_in_csv_and_pdf(
    mw: MatchWorld, matched: tuple[Match, Match], client: Any, login: Any
) -> None:
    from samverkan.matching import services as match_services

    mine, _theirs = matched
    officer = mw.user("linkoping", Role.CASE_OFFICER)
    match_services.change_status(
        actor=officer,
        match=mine,
        status="avslutad",
        outcome="misstankt_brott",
        amount_stopped=12000,  # type: ignore[arg-type]
    )
    login(officer)
    csv_text = client.get(
        "/matchning/utfall.csv", {"period_start": "2026-10-01", "period_end": "2026-10-31"}
    ).content.decode("utf-8-sig")
    line = next(r for r in csv_text.splitlines() if r.startswith("Ekonomiskt bistånd från två"))
    assert line.split(";")[1:3] == ["1", "1"] and line.endswith("12000")
    pdf = client.get("/matchning/utfall.pdf")
    assert pdf["Content-Type"] == "application/pdf"
    pages = PdfReader(io.BytesIO(pdf.content)).pages
    text = " ".join(" ".join(page.extract_text() for page in pages).split())
    assert "Ekonomiskt bistånd från två kommuner" in text and "12000" in text
    assert "aldrig ett bevis" in text
    stats = client.get("/matchning/statistik/").content.decode()
    assert "Ekonomiskt bistånd från två kommuner samma månad" in stats
    assert (
        AuditEntry.objects.filter(
            action=AuditAction.EXPORT, object_type="matching.outcome_report"
        ).count()
        == 2
    )
    # Another municipality's report does not count Linköping's outcome.
    client.logout()
    login(mw.user("norrkoping", Role.CASE_OFFICER))
    other = client.get("/matchning/utfall.csv").content.decode("utf-8-sig")
    line = next(r for r in other.splitlines() if r.startswith("Ekonomiskt bistånd från två"))
    assert line.split(";")[1:3] == ["1", "0"]


def test_catalogue_page_lists_the_shipped_match_types(
    mw: MatchWorld, client: Any, login: Any, settings: Any
) -> None:
    settings.REQUIRE_2FA = False
    login(mw.user("linkoping", Role.CASE_OFFICER))
    page = client.get("/matchning/matchningstyper/").content.decode()
    for label in (
        "Hyreskontrakt hos två bostadsbolag",
        "Ekonomiskt bistånd från två kommuner samma månad",
        "Ekonomiskt bistånd i en kommun och hyreskontrakt i en annan",
        "Sökande i bostadskön har redan ett hyreskontrakt",
        "Hyresgäst registrerad som avliden",
        "Anställd som samtidigt får ekonomiskt bistånd",
    ):
        assert label in page


def test_api_gives_own_matches_and_changes_status(
    mw: MatchWorld, matched: tuple[Match, Match]
) -> None:
    from rest_framework.test import APIClient

    mine, theirs = matched
    api = APIClient()
    api.force_authenticate(mw.user("linkoping", Role.CASE_OFFICER))
    listing = api.get("/api/v1/matching/matches/").json()
    assert [row["ref"] for row in listing["results"]] == [mine.ref]
    assert "score" not in listing["results"][0]
    assert api.get(f"/api/v1/matching/matches/{theirs.pk}/").status_code == 404
    url = f"/api/v1/matching/matches/{mine.pk}/status/"
    refused = api.post(url, {"status": "avslutad"}, format="json")
    assert refused.status_code == 400 and "outcome" in refused.json()
    closed = api.post(
        url, {"status": "avslutad", "outcome": "redan_kant", "amount_stopped": 500}, format="json"
    )
    assert closed.status_code == 200 and closed.json()["outcome"] == "redan_kant"
    analyst = APIClient()
    analyst.force_authenticate(mw.user("linkoping", Role.ANALYST))
    assert analyst.get("/api/v1/matching/matches/").json()["count"] == 0


def test_english_pages_show_english_labels(
    mw: MatchWorld, matched: tuple[Match, Match], client: Any, login: Any, settings: Any
) -> None:
    login(mw.user("linkoping", Role.CASE_OFFICER))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get("/matchning/").content.decode()
    assert "Financial assistance from two municipalities in the same month" in page
    assert "never proof" in page
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "sv"
    page = client.get("/matchning/").content.decode()
    assert "Ekonomiskt bistånd från två kommuner samma månad" in page

"""When results exist and who sees what: nothing before the close, the same stored figures
in every channel after it, the trend only for organisations that took part in the earlier
wave, and free text only for the running organisation, with a purpose."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from test_waves import _invite, _wave, answer

from samverkan.audit.models import AuditAction, AuditEntry
from samverkan.organisations.roles import Role
from samverkan.surveys import services
from samverkan.surveys.models import WaveResults, WaveStatus
from samverkan.surveys.publishing import protected_rates
from samverkan.surveys.reporting import results_csv
from worldkit import api_token

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_second_factor(settings: Any) -> None:
    settings.REQUIRE_2FA = False


def _answered_wave(world: Any, settings: Any, *, slug: str = "pub", n: int = 12, **kw: Any) -> Any:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    wave = _wave(world, slug=slug, **kw)
    tokens = _invite(world, wave, n=n)
    for index, token in enumerate(tokens):
        raw = answer(threat="once" if index % 2 else "never")
        if index == 3:
            raw["comment"] = "Kanariefågel i fritexten"
        services.submit_response(token=token, raw_answers=raw)
    return wave


def test_no_results_in_any_channel_while_a_wave_is_open(
    world: Any, settings: Any, client: Any, login: Any
) -> None:
    wave = _answered_wave(world, settings)
    assert wave.status == WaveStatus.OPEN
    coordinator = world.user("linkoping", Role.COORDINATOR)
    login(coordinator)
    page = client.get(reverse("surveys:results", args=[wave.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="results-pending"' in html
    assert "Response rate so far" in html or "Svarsfrekvens hittills" in html
    for fmt in ("csv", "json"):
        download = client.get(reverse("surveys:results_export", args=[wave.pk, fmt]))
        assert download.status_code == 302
    assert client.get(reverse("surveys:report_pdf", args=[wave.pk])).status_code == 302
    api = client.get(
        f"/api/v1/surveys/waves/{wave.pk}/results/",
        HTTP_AUTHORIZATION=f"Token {api_token(coordinator)}",
    )
    assert api.status_code == 409 and "detail" in api.json()
    assert not WaveResults.objects.exists()


def test_interim_response_rate_hides_small_groups() -> None:
    # 3 of 4 answered: the one who did not answer would be pointed out.
    assert protected_rates({"a": 4, "b": 20}, {"a": 3, "b": 10}, 5) == {"a": None, "b": None}
    assert protected_rates({"a": 20, "b": 20, "c": 9}, {"a": 10, "b": 12, "c": 0}, 5) == {
        "a": 10,
        "b": 12,
        "c": 0,
    }
    # One answered out of twenty: hidden, and never alone beside the total.
    shown = protected_rates({"a": 20, "b": 30, "c": 40}, {"a": 1, "b": 15, "c": 20}, 5)
    assert shown["a"] is None and list(shown.values()).count(None) == 2


def test_closed_wave_results_are_stored_once_and_every_reading_is_audited(
    world: Any, settings: Any, client: Any, login: Any
) -> None:
    wave = _answered_wave(world, settings)
    coordinator = world.user("linkoping", Role.COORDINATOR)
    services.close_wave(actor=coordinator, wave=wave)
    login(world.user("norrkoping", Role.COORDINATOR))
    before = AuditEntry.objects.count()
    page = client.get(reverse("surveys:results", args=[wave.pk]))
    assert page.status_code == 200 and 'id="results-pending"' not in page.content.decode()
    assert set(WaveResults.objects.filter(wave=wave).values_list("language", flat=True)) == {
        "sv",
        "en",
    }
    data = json.loads(
        b"".join(client.get(reverse("surveys:results_export", args=[wave.pk, "json"]))).decode()
    )
    assert data["respondents"] == 12
    actions = list(
        AuditEntry.objects.filter(seq__gt=0)
        .order_by("seq")
        .values_list("action", flat=True)[before:]
    )
    assert AuditAction.VIEW_RESULTS in actions and AuditAction.EXPORT in actions
    # A second reading uses the stored figures.
    stored = WaveResults.objects.get(wave=wave, language="sv")
    client.get(reverse("surveys:results", args=[wave.pk]))
    assert WaveResults.objects.get(wave=wave, language="sv").computed_at == stored.computed_at


def test_trend_only_against_closed_comparable_waves(world: Any, settings: Any) -> None:
    earlier = _answered_wave(world, settings, slug="tidigare")
    with pytest.raises(ValidationError) as error:
        _wave(world, slug="senare", previous_wave=earlier)
    assert "previous_wave" in error.value.message_dict
    services.close_wave(actor=world.user("linkoping", Role.COORDINATOR), wave=earlier)
    later = _wave(world, slug="senare", previous_wave=earlier)
    assert later.previous_wave == earlier


def test_trend_is_shown_only_to_organisations_that_took_part_in_the_earlier_wave(
    world: Any, settings: Any, client: Any, login: Any
) -> None:
    coordinator = world.user("linkoping", Role.COORDINATOR)
    earlier = _answered_wave(world, settings, slug="tidigare", n=12)
    services.close_wave(actor=coordinator, wave=earlier)
    later = _wave(world, slug="senare", previous_wave=earlier)
    services.set_wave_partners(
        actor=coordinator, wave=later, partners=[world.orgs["norrkoping"], world.orgs["polis"]]
    )
    tokens = _invite(world, later, n=12)
    for index, token in enumerate(tokens):
        services.submit_response(
            token=token, raw_answers=answer(threat="once" if index % 3 else "never")
        )
    services.close_wave(actor=coordinator, wave=later)

    participant = services.read_results(actor=coordinator, wave=later, language="sv", channel="api")
    assert any(i.trend is not None for i in participant.exposure)
    police = world.user("polis", Role.COORDINATOR)
    outsider = services.read_results(actor=police, wave=later, language="sv", channel="api")
    assert all(i.trend is None for i in outsider.exposure)
    login(police)
    for url in (
        reverse("surveys:wave_detail", args=[later.pk]),
        reverse("surveys:results", args=[later.pk]),
    ):
        assert earlier.name not in client.get(url).content.decode()


def test_free_text_only_for_the_running_organisation_with_a_purpose(
    world: Any, settings: Any, client: Any, login: Any
) -> None:
    wave = _answered_wave(world, settings)
    coordinator = world.user("linkoping", Role.COORDINATOR)
    url = reverse("surveys:free_text", args=[wave.pk])
    login(coordinator)
    # Not before the close.
    assert client.get(url).status_code == 302
    services.close_wave(actor=coordinator, wave=wave)
    form = client.get(url)
    assert "Kanariefågel" not in form.content.decode()
    assert 'id="free-text-warning"' in form.content.decode()
    shown = client.post(url, {"purpose": "Underlag för handlingsplanen"}, follow=True)
    assert "Kanariefågel i fritexten" in shown.content.decode()
    entry = AuditEntry.objects.filter(action=AuditAction.VIEW).order_by("-seq").first()
    assert entry is not None and entry.purpose == "Underlag för handlingsplanen"
    # Never in the exports.
    result = services.read_results(actor=coordinator, wave=wave, language="sv", channel="csv")
    assert "Kanariefågel" not in results_csv(result)
    assert "Kanariefågel" not in json.dumps(result.as_dict(), ensure_ascii=False)
    # A participating organisation's coordinator cannot read them.
    with pytest.raises(PermissionDenied):
        services.read_free_text(
            actor=world.user("norrkoping", Role.COORDINATOR), wave=wave, purpose="Nyfiken på svaren"
        )
    client.logout()
    login(world.user("norrkoping", Role.COORDINATOR))
    assert client.get(url).status_code in (403, 404)


def test_free_text_labels_follow_the_page_language(
    world: Any, settings: Any, client: Any, login: Any
) -> None:
    wave = _answered_wave(world, settings, slug="pub-lang")
    coordinator = world.user("linkoping", Role.COORDINATOR)
    services.close_wave(actor=coordinator, wave=wave)
    url = reverse("surveys:free_text", args=[wave.pk])
    login(coordinator)
    client.post(url, {"purpose": "Underlag för handlingsplanen"})
    swedish = "Vill du berätta något mer om otillåten påverkan i ditt uppdrag eller arbete?"
    english = "Is there anything else you would like to tell us about undue influence"
    page = client.get(url).content.decode()
    assert swedish in page and english not in page
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(url).content.decode()
    assert '<html lang="en">' in page
    assert english in page and swedish not in page
    assert "Kanariefågel i fritexten" in page
    assert "Free-text answers" in page

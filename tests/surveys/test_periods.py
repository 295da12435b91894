"""The wave's reference period: two dates, written out in Swedish and English, filling the
questionnaire's "{period}", validated when the wave is created, changed and opened."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from samverkan.organisations.roles import Role
from samverkan.surveys import periods, services
from samverkan.surveys.forms import WaveSettingsForm
from samverkan.surveys.models import Wave
from samverkan.surveys.rendering import wave_questionnaire

START, END = date(2025, 12, 1), date(2026, 11, 30)


# --- pure ---------------------------------------------------------------------------------


def test_the_period_is_written_out_in_swedish_and_english() -> None:
    assert periods.format_period(START, END, "sv") == "1 december 2025–30 november 2026"
    assert periods.format_period(START, END, "en") == "1 December 2025–30 November 2026"
    assert periods.period_texts(START, END) == {
        "sv": "1 december 2025–30 november 2026",
        "en": "1 December 2025–30 November 2026",
    }


@pytest.mark.parametrize(
    ("start", "end", "months", "days"),
    [
        (date(2025, 12, 1), date(2026, 11, 30), 12, 365),
        (date(2024, 1, 1), date(2024, 12, 31), 12, 366),
        (date(2026, 1, 15), date(2026, 4, 14), 3, 90),
        (date(2026, 1, 1), date(2026, 6, 30), 6, 181),
        (date(2024, 1, 1), date(2025, 12, 31), 24, 731),
    ],
)
def test_the_periods_length_for_trend_comparisons(
    start: date, end: date, months: int, days: int
) -> None:
    assert periods.period_months(start, end) == months
    assert periods.period_days(start, end) == days


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025", (date(2025, 1, 1), date(2025, 12, 31))),
        ("2025-12-01–2026-11-30", (START, END)),
        ("2025-12-01 - 2026-11-30", (START, END)),
        ("1 december 2025–30 november 2026", (START, END)),
        ("1 December 2025 to 30 November 2026", (START, END)),
        ("de senaste tolv månaderna", (date(2025, 3, 15), date(2026, 3, 14))),
        ("the past twelve months", (date(2025, 3, 15), date(2026, 3, 14))),
        ("senaste 6 månaderna", (date(2025, 9, 15), date(2026, 3, 14))),
        ("det senaste året", (date(2025, 3, 15), date(2026, 3, 14))),
        ("x", None),
        ("", None),
        ("2026-11-30–2025-12-01", None),
        ("31 februari 2025–1 mars 2025", None),
    ],
)
def test_old_free_text_periods_are_read_best_effort(
    text: str, expected: tuple[date, date] | None
) -> None:
    assert periods.parse_period(text, today=date(2026, 3, 15)) == expected


def test_months_are_added_within_the_month() -> None:
    assert periods.add_months(date(2026, 3, 31), -1) == date(2026, 2, 28)
    assert periods.add_months(date(2024, 2, 29), 12) == date(2025, 2, 28)
    assert periods.add_months(date(2026, 1, 15), -13) == date(2024, 12, 15)


# --- the wave -------------------------------------------------------------------------------


def _wave(world: Any, start: date = START, end: date = END, slug: str = "p") -> Wave:
    owner = world.user("linkoping", Role.COORDINATOR)
    return services.create_wave(
        actor=owner,
        owner=world.orgs["linkoping"],
        name="Enkät",
        slug=slug,
        questionnaire=services.ensure_default_questionnaire(
            actor=owner, organisation=world.orgs["linkoping"]
        ),
        partners=[],
        period_start=start,
        period_end=end,
    )


@pytest.mark.django_db
def test_the_wave_fills_the_questions_with_its_period(world: Any) -> None:
    wave = _wave(world)
    assert (wave.period_start, wave.period_end, wave.period_months) == (START, END, 12)
    with translation.override("sv"):
        assert wave.reference_period == "1 december 2025–30 november 2026"
    with translation.override("en"):
        assert wave.reference_period == "1 December 2025–30 November 2026"
    q = wave_questionnaire(wave)
    assert q.item("exposure_online").text["sv"] == (
        "Hur ofta har någon under 1 december 2025–30 november 2026 hotat eller trakasserat "
        "dig via internet eller sociala medier?"
    )
    assert "1 December 2025–30 November 2026" in q.item("exposure_online").text["en"]
    other = _wave(world, date(2024, 1, 1), date(2024, 12, 31), slug="q")
    assert other.questionnaire == wave.questionnaire  # one version, one fingerprint
    assert "1 januari 2024–31 december 2024" in wave_questionnaire(other).sections[1].title["sv"]


@pytest.mark.django_db
def test_the_period_must_end_after_it_starts(world: Any) -> None:
    with pytest.raises(ValidationError) as info:
        _wave(world, END, START)
    assert "period_end" in info.value.message_dict
    with pytest.raises(ValidationError):
        _wave(world, START, START)
    form = WaveSettingsForm(
        {"period_start": "2026-11-30", "period_end": "2025-12-01", "min_cell_size": 5}
    )
    assert not form.is_valid()
    assert "period_end" in form.errors
    wave = _wave(world)
    with pytest.raises(ValidationError):
        services.update_wave_settings(
            actor=world.user("linkoping", Role.COORDINATOR),
            wave=wave,
            min_cell_size=5,
            weighting=True,
            period_start=END,
            period_end=START,
        )


@pytest.mark.django_db
def test_a_wave_cannot_open_before_its_period_has_ended(world: Any) -> None:
    today = timezone.localdate()
    coordinator = world.user("linkoping", Role.COORDINATOR)
    wave = _wave(world, today - timedelta(days=30), today + timedelta(days=1))
    with pytest.raises(ValidationError) as info:
        services.open_wave(actor=coordinator, wave=wave)
    assert "framtiden" in str(info.value)
    services.update_wave_settings(
        actor=coordinator,
        wave=wave,
        min_cell_size=5,
        weighting=True,
        period_start=today - timedelta(days=30),
        period_end=today,
    )
    services.open_wave(actor=coordinator, wave=wave)
    assert Wave.objects.get(pk=wave.pk).status == "open"


@pytest.mark.django_db
def test_older_callers_may_still_give_the_period_in_words(world: Any) -> None:
    owner = world.user("linkoping", Role.COORDINATOR)
    wave = services.create_wave(
        actor=owner,
        owner=world.orgs["linkoping"],
        name="Enkät",
        slug="ord",
        questionnaire=services.ensure_default_questionnaire(
            actor=owner, organisation=world.orgs["linkoping"]
        ),
        partners=[],
        reference_period="de senaste tolv månaderna",
    )
    today = timezone.localdate()
    assert wave.period_end == today - timedelta(days=1)
    assert wave.period_months == 12
    with pytest.raises(ValidationError):
        services.create_wave(
            actor=owner,
            owner=world.orgs["linkoping"],
            name="Enkät",
            slug="ord2",
            questionnaire=wave.questionnaire,
            partners=[],
            reference_period="någon gång",
        )


@pytest.mark.django_db
def test_the_settings_page_and_api_show_and_change_the_dates(
    world: Any, login: Any, settings: Any
) -> None:
    from rest_framework.test import APIClient

    settings.REQUIRE_2FA = False
    wave = _wave(world)
    coordinator = world.user("linkoping", Role.COORDINATOR)
    client = login(coordinator)
    with translation.override("sv"):
        page = client.get(f"/enkater/{wave.pk}/").content.decode()
    assert "1 december 2025–30 november 2026 (12 månader)" in page
    settings_page = client.get(f"/enkater/{wave.pk}/installningar/").content.decode()
    assert 'type="date"' in settings_page and 'value="2025-12-01"' in settings_page
    response = client.post(
        f"/enkater/{wave.pk}/installningar/",
        {"period_start": "2025-01-01", "period_end": "2025-06-30", "min_cell_size": 5},
    )
    assert response.status_code == 302
    wave.refresh_from_db()
    assert (wave.period_start, wave.period_end, wave.period_months) == (
        date(2025, 1, 1),
        date(2025, 6, 30),
        6,
    )
    api = APIClient()
    api.force_authenticate(coordinator)
    data = api.get(f"/api/v1/surveys/waves/{wave.pk}/", HTTP_ACCEPT_LANGUAGE="en").json()
    assert data["period_start"] == "2025-01-01" and data["period_end"] == "2025-06-30"
    assert data["period_months"] == 6
    changed = api.patch(
        f"/api/v1/surveys/waves/{wave.pk}/",
        {"period_start": "2025-12-01", "period_end": "2026-11-30"},
        format="json",
    )
    assert changed.status_code == 200, changed.content
    assert changed.json()["period_months"] == 12
    refused = api.patch(
        f"/api/v1/surveys/waves/{wave.pk}/", {"period_end": "2024-01-01"}, format="json"
    )
    assert refused.status_code == 400

"""The respondent page as the server renders it (also what a browser without JavaScript
gets): parts with their introductions, follow-ups hidden as the server's rule says, required
and invalid fields marked for assistive technology, the error summary, the language switch."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.urls import reverse
from test_drafts import _open_wave, complete

from samverkan.surveys.models import BufferedResponse, Response, ResponseDraft

pytestmark = pytest.mark.django_db


def _attributes(page: str, element_id: str) -> str:
    match = re.search(rf'<[a-z]+ [^>]*id="{element_id}"[^>]*>', page)
    assert match, element_id
    return match.group(0)


def test_parts_introductions_and_hidden_follow_ups(world: Any, settings: Any, client: Any) -> None:
    _wave, (token, *_rest) = _open_wave(world, settings)
    page = client.get(f"/enkat/svar/{token}/", HTTP_ACCEPT_LANGUAGE="sv").content.decode()
    assert page.count('class="survey-section"') == 4
    assert "Del 1 av 4" in page and "Del 4 av 4" in page
    # The section introductions are shown, with the wave's period in them.
    assert page.count('class="section-intro"') == 2
    assert "Frågorna gäller händelser under 1 januari 2025–31 december 2025" in page
    # Before a role is chosen the questions for elected officials are hidden, and so is the
    # follow-up part; without JavaScript a stylesheet shows them (the server drops answers).
    assert " hidden" in _attributes(page, "item-chair")
    assert " hidden" in _attributes(page, "item-party")
    assert " hidden" in _attributes(page, "part-3")
    assert "hidden" not in _attributes(page, "item-role")
    assert "survey-nojs.css" in page
    assert 'role="radiogroup" aria-required="true"' in page
    assert "{period}" not in page


def test_a_failed_submission_leads_to_each_problem(world: Any, settings: Any, client: Any) -> None:
    _wave, (token, *_rest) = _open_wave(world, settings)
    raw = complete(role="elected")
    del raw["worry"]
    page = client.post(f"/enkat/svar/{token}/", {**raw, "action": "submit"}).content.decode()
    summary = re.search(r'<div class="error-summary".*?</div>', page, re.S)
    assert summary, page[:2000]
    links = re.findall(r'href="#([^"]+)"', summary.group(0))
    assert links == ["chair-chair", "worry-not_at_all"]
    for target in links:
        assert f'id="{target}"' in page
    assert "autofocus" in _attributes(page, "error-summary")
    assert 'aria-invalid="true"' in page and 'aria-describedby="err-worry"' in page
    assert 'id="err-worry"' in page
    assert "<title>Fel:" in page
    # The answers given are kept, and the chair question is now shown.
    assert re.search(r'id="role-elected" value="elected"[^>]* checked', page)
    assert "hidden" not in _attributes(page, "item-chair")
    assert 'data-part="1"' in _attributes(page, "survey-form")
    assert not Response.objects.exists()


def test_the_language_switch_posts_the_answers_back(world: Any, settings: Any, client: Any) -> None:
    _wave, (token, *_rest) = _open_wave(world, settings)
    page = client.post(
        f"/enkat/svar/{token}/",
        {"role": "employee", "worry": "very", "part": "4", "switch_language": "en"},
    )
    assert page.status_code == 200
    assert page["Content-Language"] == "en"
    assert page.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    text = page.content.decode()
    assert '<html lang="en">' in text and "Survey on undue influence" in text
    assert "The questions concern the period 1 January 2025–31 December 2025." in text
    assert re.search(r'id="role-employee" value="employee"[^>]* checked', text)
    assert re.search(r'id="worry-very" value="very"[^>]* checked', text)
    assert 'data-part="4"' in text
    assert not Response.objects.exists() and not ResponseDraft.objects.exists()
    # An unknown language is ignored: the answers are sent as they are.
    sent = client.post(
        f"/enkat/svar/{token}/", {**complete(), "switch_language": "xx", "action": "submit"}
    )
    assert sent.status_code == 302 and BufferedResponse.objects.count() == 1


def test_the_header_language_switch_belongs_to_the_form(
    world: Any, settings: Any, client: Any
) -> None:
    """Without JavaScript the header's switch must send the answers too: on the respondent
    page its buttons submit the survey form, and the site-wide switch (which would drop
    them) is not there."""
    _wave, (token, *_rest) = _open_wave(world, settings)
    page = client.get(f"/enkat/svar/{token}/", HTTP_ACCEPT_LANGUAGE="sv").content.decode()
    header = page[page.index("<header") : page.index("</header>")]
    assert reverse("set_language") not in page and 'name="language"' not in page
    button = _attributes(header, "header-language-en")
    assert 'form="survey-form"' in button and 'type="submit"' in button
    assert 'name="switch_language" value="en"' in button and 'lang="en"' in button
    assert 'id="survey-form"' in page and "header-language-sv" not in page
    # What that button sends: the form's fields with switch_language=en.
    switched = client.post(
        f"/enkat/svar/{token}/",
        {
            "role": "employee",
            "worry": "very",
            "part": "2",
            "form_language": "sv",
            "switch_language": "en",
        },
    )
    text = switched.content.decode()
    assert switched.status_code == 200 and '<html lang="en">' in text
    assert re.search(r'id="worry-very" value="very"[^>]* checked', text)
    assert 'id="header-language-sv"' in text and 'name="form_language" value="en"' in text
    assert not Response.objects.exists() and not BufferedResponse.objects.exists()
    # Other pages keep the site-wide switch.
    assert reverse("set_language") in client.get("/enkat/tack/").content.decode()


def _summary(page: str) -> str:
    summary = re.search(r'<div class="error-summary".*?</div>', page, re.S)
    assert summary, page[:2000]
    return summary.group(0)


SWEDISH_ERRORS = ("Välj ett av alternativen", "Ange ett heltal", "kan inte kombineras", "Värdet")


def test_error_messages_follow_the_form_language(world: Any, settings: Any, client: Any) -> None:
    _wave, (token, *_rest) = _open_wave(world, settings)
    url = f"/enkat/svar/{token}/"
    raw = complete(role="elected", exposure_threat="once")
    del raw["worry"]
    raw.update(
        {
            "perpetrator": ["resident"],
            "support_needed": ["training", "none"],  # "none" is exclusive
            "gender": "nobody",
            "action": "submit",
        }
    )
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.post(url, {**raw, "form_language": "en"}).content.decode()
    summary = _summary(page)
    assert "<title>Error:" in page
    assert "Some answers need your attention" in summary
    assert "Choose one of the options." in summary
    assert 'The option "I do not need any support" cannot be combined with other options.' in (
        summary.replace("&quot;", '"')
    )
    assert 'The value "nobody" is not one of the options.' in summary.replace("&quot;", '"')
    assert "Choose one of the options." in page.split('id="err-worry"')[1][:300]
    for swedish in SWEDISH_ERRORS:
        assert swedish not in page, swedish
    # The form's language decides, even when the site's language changed meanwhile.
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "sv"
    page = client.post(url, {**raw, "form_language": "en"}).content.decode()
    assert '<html lang="en">' in page and "Choose one of the options." in _summary(page)
    # The Swedish form has the Swedish messages.
    page = client.post(url, {**raw, "form_language": "sv"}).content.decode()
    summary = _summary(page).replace("&quot;", '"')
    assert "Välj ett av alternativen." in summary
    assert 'Alternativet "Jag behöver inget stöd" kan inte kombineras' in summary
    assert "Choose one of the options." not in page
    assert not Response.objects.exists() and not BufferedResponse.objects.exists()


def test_a_number_out_of_range_is_explained_in_english(world: Any, settings: Any) -> None:
    from django.utils import translation

    from samverkan.surveys import questionnaire as qn
    from samverkan.surveys.answer_messages import MESSAGES, answer_message

    problem = qn.AnswerProblem("number_range", {"min": 0, "max": 99})
    assert problem.swedish() == "Ange ett heltal mellan 0 och 99."
    with translation.override("en"):
        assert answer_message(problem) == "Enter a whole number between 0 and 99."
    with translation.override("sv"):
        assert answer_message(problem) == "Ange ett heltal mellan 0 och 99."
        # Every code's Swedish message is the pure module's own text.
        for code in MESSAGES:
            values = {"limit": 2000, "value": "x", "min": 1, "max": 2, "option": {"sv": "Nej"}}
            sample = qn.AnswerProblem(code, values)
            assert answer_message(sample) == sample.swedish(), code

"""Survey waves end to end: invitees, one-time links, anonymity, locking, results."""

from __future__ import annotations

import csv
import io
import json
import re
import threading
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection, models
from pypdf import PdfReader

from samverkan.core.tabular import Row, TableError
from samverkan.organisations.roles import Role
from samverkan.surveys import services
from samverkan.surveys.models import (
    BufferedResponse,
    Invitee,
    InviteeToken,
    QuestionnaireVersion,
    Response,
    Wave,
    WaveStatus,
)
from samverkan.surveys.reporting import render_pdf, results_csv, wave_results

pytestmark = pytest.mark.django_db

LINK = re.compile(r"https?://\S+/enkat/svar/(\S+)/")


def _wave(world: Any, slug: str = "test", **kwargs: Any) -> Wave:
    owner = world.user("linkoping", Role.COORDINATOR)
    questionnaire = services.ensure_default_questionnaire(
        actor=owner, organisation=world.orgs["linkoping"]
    )
    return services.create_wave(
        actor=owner,
        owner=world.orgs["linkoping"],
        name=f"Enkät {slug}",
        slug=slug,
        questionnaire=questionnaire,
        partners=[world.orgs["norrkoping"]],
        reference_period="de senaste tolv månaderna",
        **kwargs,
    )


def _rows(org_name: str, count: int, start: int = 0, role: str = "elected") -> list[Row]:
    return [
        Row(
            i + 2,
            {
                "email": f"p{start + i}@{org_name[:3].lower()}.example",
                "municipality": org_name,
                "role": role,
                "gender": "woman" if i % 2 else "man",
                "age_band": "30_49",
            },
        )
        for i in range(count)
    ]


def answer(
    municipality: str = "linkopings_kommun", *, threat: str = "never", gender: str = "woman"
) -> dict[str, Any]:
    raw: dict[str, Any] = {
        "role": "elected",
        "municipality": municipality,
        "unit_type": "council",
        "gender": gender,
        "age_band": "30_49",
        "chair": "neither",
        "exposure_threat": threat,
        "exposure_harassment": "never",
        "exposure_violence": "never",
        "exposure_property": "never",
        "exposure_bribe": "never",
        "exposure_relatives": "never",
        "exposure_online": "never",
        "worry": "slightly",
    }
    if threat != "never":
        raw |= {
            "perpetrator": ["resident"],
            "channel": ["email"],
            "reported_to": ["police"],
            **{
                f"consequences__{r}": "no"
                for r in (
                    "hesitated",
                    "decided_differently",
                    "avoided_issue",
                    "considered_leaving",
                    "changed_routines",
                )
            },
        }
    return raw


def _invite(world: Any, wave: Wave, n: int = 6) -> list[str]:
    services.import_invitees(
        actor=world.user("linkoping", Role.COORDINATOR),
        wave=wave,
        rows=_rows("Linköpings kommun", n),
    )
    services.open_wave(actor=world.user("linkoping", Role.COORDINATOR), wave=wave)
    mail.outbox.clear()
    services.send_invitations(
        actor=world.user("linkoping", Role.COORDINATOR), wave=wave, base_url="http://testserver/"
    )
    return [LINK.search(m.body).group(1) for m in mail.outbox]  # type: ignore[union-attr]


def test_response_table_cannot_link_answers_to_invitees() -> None:
    """No column, key, ordering or timestamp ties a response to an invitee."""
    fields = {f.name: f for f in Response._meta.get_fields()}
    assert set(fields) == {"id", "wave", "answers", "source"}
    assert isinstance(fields["id"], models.UUIDField)
    assert not any(isinstance(f, (models.DateTimeField, models.DateField)) for f in fields.values())
    assert Response._meta.ordering == ["id"]
    invitee_fields = {f.name for f in Invitee._meta.get_fields()}
    assert not invitee_fields & {"response", "responses", "submitted_at", "answered_at"}


def test_one_time_link_stores_exactly_one_anonymous_response(
    world: Any, client: Any, settings: Any
) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    wave = _wave(world)
    tokens = _invite(world, wave)
    assert len(tokens) == 6
    stored = set(InviteeToken.objects.values_list("token_hash", flat=True))
    assert len(stored) == 6
    assert not any(t in stored for t in tokens), "tokens are stored only as hashes"
    form = client.get(f"/enkat/svar/{tokens[0]}/")
    assert form.status_code == 200
    body = {k: v for k, v in answer(threat="once").items()}
    first = client.post(f"/enkat/svar/{tokens[0]}/", body)
    assert first.status_code == 302 and first["Location"] == "/enkat/tack/"
    again = client.post(f"/enkat/svar/{tokens[0]}/", body)
    assert again.status_code == 410
    # Held encrypted in the buffer until a batch is full or the wave closes.
    assert BufferedResponse.objects.count() == 1 and Response.objects.count() == 0
    assert Invitee.objects.filter(responded=True).count() == 1
    # The used invitee has no link left: nothing maps the token to the address.
    assert InviteeToken.objects.count() == 5
    services.close_wave(actor=world.user("linkoping", Role.COORDINATOR), wave=wave)
    assert Response.objects.count() == 1 and BufferedResponse.objects.count() == 0
    stored_answers = json.dumps(Response.objects.get().answers)
    assert "@" not in stored_answers and tokens[0] not in stored_answers


def test_bad_answers_give_field_errors_and_keep_the_link(
    world: Any, client: Any, settings: Any
) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    wave = _wave(world)
    token = _invite(world, wave)[0]
    response = client.post(f"/enkat/svar/{token}/", {"role": "kung", "exposure_threat": "x" * 5000})
    assert response.status_code == 200
    assert "errorlist" in response.content.decode()
    assert Response.objects.count() == 0
    assert client.get(f"/enkat/svar/{token}/").status_code == 200


def test_follow_up_answers_of_unexposed_are_dropped(world: Any, settings: Any) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    wave = _wave(world)
    token = _invite(world, wave)[0]
    raw = answer(threat="never") | {"perpetrator": ["criminal"]}
    services.submit_response(token=token, raw_answers=raw)
    services.close_wave(actor=world.user("linkoping", Role.COORDINATOR), wave=wave)
    assert "perpetrator" not in Response.objects.get().answers


def test_concurrent_double_submit_stores_one_response(
    transactional_db: Any, world: Any, settings: Any
) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    wave = _wave(world)
    token = _invite(world, wave, n=1)[0]
    outcomes: list[str] = []

    def submit() -> None:
        try:
            services.submit_response(token=token, raw_answers=answer())
            outcomes.append("stored")
        except services.TokenUsed:
            outcomes.append("used")
        except Exception as exc:
            outcomes.append(type(exc).__name__)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count("stored") == 1, outcomes
    assert BufferedResponse.objects.count() == 1


def test_reminders_go_only_to_those_who_have_not_answered(world: Any, settings: Any) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    wave = _wave(world)
    tokens = _invite(world, wave, n=3)
    services.submit_response(token=tokens[0], raw_answers=answer())
    mail.outbox.clear()
    sent = services.send_invitations(
        actor=world.user("linkoping", Role.COORDINATOR),
        wave=wave,
        base_url="http://x/",
        reminders=True,
    )
    assert sent == 2 and len(mail.outbox) == 2
    assert {m.to[0] for m in mail.outbox} == set(
        Invitee.objects.filter(responded=False).values_list("email", flat=True)
    )


def test_opened_wave_refuses_changes_in_ui_api_and_services(
    world: Any, login: Any, settings: Any
) -> None:
    from rest_framework.test import APIClient

    settings.REQUIRE_2FA = False
    wave = _wave(world)
    coordinator = world.user("linkoping", Role.COORDINATOR)
    services.open_wave(actor=coordinator, wave=wave)
    questionnaire = QuestionnaireVersion.objects.get(pk=wave.questionnaire_id)
    assert questionnaire.locked
    with pytest.raises(ValidationError):
        services.update_questionnaire(
            actor=coordinator, questionnaire=questionnaire, document=questionnaire.document
        )
    with pytest.raises(ValidationError):
        services.update_wave_settings(
            actor=coordinator, wave=wave, min_cell_size=10, weighting=False, reference_period="x"
        )
    api = APIClient()
    api.force_authenticate(coordinator)
    refused = api.patch(f"/api/v1/surveys/waves/{wave.pk}/", {"min_cell_size": 10}, format="json")
    assert refused.status_code == 400
    assert "anonymity" in json.dumps(refused.json()) or "anonym" in json.dumps(
        refused.json(), ensure_ascii=False
    )
    client = login(coordinator)
    page = client.post(
        f"/enkater/{wave.pk}/installningar/", {"reference_period": "x", "min_cell_size": 10}
    )
    assert page.status_code == 200 and "errorlist" in page.content.decode()
    edit = client.post(
        f"/enkater/formular/{questionnaire.uid}/andra/", {"document": questionnaire.document}
    )
    assert edit.status_code == 200 and "errorlist" in edit.content.decode()
    assert Wave.objects.get(pk=wave.pk).min_cell_size == 5


def test_minimum_group_size_cannot_go_below_five(world: Any) -> None:
    with pytest.raises(ValidationError):
        _wave(world, min_cell_size=3)


def test_invitee_import_is_all_or_nothing_with_row_errors(world: Any) -> None:
    wave = _wave(world)
    rows = _rows("Linköpings kommun", 3)
    rows.append(
        Row(
            5,
            {
                "email": "inte-en-adress",
                "municipality": "Okänd kommun",
                "role": "kung",
                "gender": "woman",
            },
        )
    )
    with pytest.raises(TableError) as error:
        services.import_invitees(
            actor=world.user("linkoping", Role.COORDINATOR), wave=wave, rows=rows
        )
    text = [str(p) for p in error.value.problems]
    assert any(t.startswith("Rad 5") and "email" in t for t in text)
    assert any("municipality" in t for t in text) and any("role" in t for t in text)
    assert Invitee.objects.count() == 0


def test_coordinators_import_only_their_own_invitees(world: Any) -> None:
    wave = _wave(world)
    with pytest.raises(TableError) as error:
        services.import_invitees(
            actor=world.user("linkoping", Role.COORDINATOR),
            wave=wave,
            rows=_rows("Norrköpings kommun", 2),
        )
    assert "egen" in str(error.value) or "own" in str(error.value)


def test_small_groups_are_suppressed_in_every_channel(world: Any, settings: Any) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    wave = _wave(world)
    tokens = _invite(world, wave, n=3)
    for token in tokens:
        services.submit_response(token=token, raw_answers=answer(threat="once"))
    services.close_wave(actor=world.user("linkoping", Role.COORDINATOR), wave=wave)
    result = wave_results(wave=wave)
    assert result.exposure[0].overall.suppressed and result.exposure[0].overall.share is None
    assert all(r.responded is None for r in result.response_rates)
    csv_text = results_csv(result)
    assert ";1.0000;" not in csv_text and "0.0000" not in csv_text.split("\n", 1)[1]
    pdf = render_pdf(request=None, wave=wave, result=result)
    assert pdf.startswith(b"%PDF")


def test_results_with_enough_respondents(world: Any, settings: Any) -> None:
    settings.LANGUAGE_CODE = "sv"
    wave = _wave(world)
    coordinator = world.user("linkoping", Role.COORDINATOR)
    services.import_invitees(actor=coordinator, wave=wave, rows=_rows("Linköpings kommun", 40))
    services.import_invitees(
        actor=world.user("norrkoping", Role.COORDINATOR),
        wave=wave,
        rows=_rows("Norrköpings kommun", 40, 100),
    )
    services.open_wave(actor=coordinator, wave=wave)
    for index, invitee in enumerate(Invitee.objects.order_by("email")):
        if index % 4 == 3:
            continue
        token = services.issue_link(invitee=invitee).token
        Invitee.objects.filter(pk=invitee.pk).update(invited=True)
        municipality = (
            "linkopings_kommun" if invitee.email.endswith("lin.example") else "norrkopings_kommun"
        )
        services.submit_response(
            token=token,
            raw_answers=answer(
                municipality, threat="once" if index % 3 == 0 else "never", gender=invitee.gender
            ),
        )
    services.close_wave(actor=coordinator, wave=wave)
    result = wave_results(wave=wave)
    assert result.respondents == 60
    any_exposure = result.exposure[0]
    assert not any_exposure.overall.suppressed
    assert any_exposure.overall.low < any_exposure.overall.share < any_exposure.overall.high
    assert any_exposure.overall.weighted_share is not None
    assert len(any_exposure.municipality_differences) == 1
    assert any_exposure.municipality_differences[0].p_value is not None
    assert {r.responded for r in result.response_rates} == {15}
    pdf = render_pdf(request=None, wave=wave, result=result)
    assert pdf.startswith(b"%PDF")
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    for heading in ("Sammanfattning", "Metod", "Linköpings kommun", "Norrköpings kommun"):
        assert heading in text, heading
    assert "Jämställdhetsperspektiv" in text


def test_command_line_import_and_results(world: Any, tmp_path: Any, capsys: Any) -> None:
    from django.core.management.base import CommandError

    wave = _wave(world, slug="papper")
    coordinator = world.user("linkoping", Role.COORDINATOR)
    services.import_invitees(actor=coordinator, wave=wave, rows=_rows("Linköpings kommun", 7))
    services.open_wave(actor=coordinator, wave=wave)
    codes = [services.issue_link(invitee=i).code for i in Invitee.objects.order_by("email")]
    keys = ["svarskod", *answer(threat="once")]

    def write(path: Any, rows: list[dict[str, Any]]) -> None:
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, delimiter=";")
            writer.writerow(keys)
            for row in rows:
                writer.writerow(
                    [";".join(row[k]) if isinstance(row[k], list) else row[k] for k in keys]
                )

    good = tmp_path / "svar.csv"
    write(good, [answer(threat="once") | {"svarskod": code.lower()} for code in codes[:6]])
    bad = tmp_path / "fel.csv"
    write(bad, [answer(threat="once") | {"role": "kung", "svarskod": codes[6]}])
    with pytest.raises(CommandError):
        call_command("survey", "import-responses", "papper", str(bad))
    assert "Rad 2" in capsys.readouterr().err
    assert Invitee.objects.filter(responded=True).count() == 0
    call_command("survey", "import-responses", "papper", str(good))
    assert Invitee.objects.filter(responded=True).count() == 6
    with pytest.raises(CommandError):
        call_command("survey", "import-responses", "papper", str(good))
    assert "svarskod" in capsys.readouterr().err
    capsys.readouterr()
    # Results are published only after the close.
    with pytest.raises(CommandError, match="inte stängd"):
        call_command("survey", "results", "papper", "--format", "json")
    services.close_wave(actor=coordinator, wave=wave)
    assert Response.objects.filter(wave=wave, source="paper").count() == 6
    call_command("survey", "results", "papper", "--format", "json")
    data = json.loads(capsys.readouterr().out)
    assert data["respondents"] == 6 and data["min_cell_size"] == 5
    call_command("survey", "results", "papper", "--format", "csv")
    assert capsys.readouterr().out.startswith("section;indicator")


def test_closing_rewrites_rows_so_transactions_do_not_link(
    transactional_db: Any, world: Any, settings: Any
) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    wave = _wave(world)
    tokens = _invite(world, wave, n=3)
    for token in tokens:
        services.submit_response(token=token, raw_answers=answer())
    services.close_wave(actor=world.user("linkoping", Role.COORDINATOR), wave=wave)
    assert Wave.objects.get(pk=wave.pk).status == WaveStatus.CLOSED
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT DISTINCT xmin::text FROM surveys_response WHERE wave_id = %s", [wave.pk]
            )
            response_xmins = {row[0] for row in cursor.fetchall()}
            cursor.execute(
                "SELECT DISTINCT xmin::text FROM surveys_invitee WHERE wave_id = %s", [wave.pk]
            )
            invitee_xmins = {row[0] for row in cursor.fetchall()}
        assert len(response_xmins) == 1 and response_xmins == invitee_xmins


def test_invitees_import_from_excel_through_the_page(world: Any, login: Any, settings: Any) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile
    from openpyxl import Workbook

    settings.REQUIRE_2FA = False
    wave = _wave(world)
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["E-post", "Kommun", "Roll", "Kön", "Åldersgrupp"])
    sheet.append(["a@lin.example", "Linköpings kommun", "Anställd", "Kvinna", "30–49 år"])
    sheet.append(["b@lin.example", "Linköpings kommun", "elected", "man", ""])
    buffer = io.BytesIO()
    workbook.save(buffer)
    client = login(world.user("linkoping", Role.COORDINATOR))
    upload = SimpleUploadedFile("inbjudna.xlsx", buffer.getvalue())
    response = client.post(f"/enkater/{wave.pk}/inbjudna/", {"file": upload})
    assert response.status_code == 302, response.content.decode()[:2000]
    stored = {i.email: (i.role, i.gender, i.age_band) for i in Invitee.objects.all()}
    assert stored == {
        "a@lin.example": ("employee", "woman", "30_49"),
        "b@lin.example": ("elected", "man", ""),
    }
    broken = client.post(
        f"/enkater/{wave.pk}/inbjudna/", {"file": SimpleUploadedFile("x.xlsx", b"not a workbook")}
    )
    assert broken.status_code == 200 and "Excel" in broken.content.decode()
    assert Invitee.objects.count() == 2

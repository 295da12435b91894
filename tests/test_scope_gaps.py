"""Gaps in the scoping found by testing from outside: questionnaires read by organisations
outside the collaboration, records created at a level their creator cannot read, and the
matching export answering roles without matching access."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from rest_framework.test import APIClient

from samverkan.audit.models import AuditEntry
from samverkan.cases import services as case_services
from samverkan.cases.models import Case
from samverkan.organisations import services as org_services
from samverkan.organisations.models import OrganisationType
from samverkan.organisations.roles import Confidentiality, Role
from samverkan.surveys import services as survey_services
from samverkan.surveys.models import QuestionnaireVersion

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery-staple"


@pytest.fixture
def outsider(world: Any) -> Any:
    """A coordinator of a municipality in no collaboration with the others."""
    org = org_services.create_organisation(
        actor=None, name="Annan kommun", type=OrganisationType.MUNICIPALITY.value
    )
    user = org_services.create_user(actor=None, username="annan.samordnare", password=PASSWORD)
    org_services.add_membership(actor=None, user=user, organisation=org, role=Role.COORDINATOR)
    user.organisation = org
    return user


# --------------------------------------------------------------------------- questionnaires


@pytest.fixture
def questionnaire(world: Any) -> QuestionnaireVersion:
    return survey_services.ensure_default_questionnaire(
        actor=world.user("linkoping"), organisation=world.orgs["linkoping"]
    )


def _urls(version: QuestionnaireVersion) -> list[str]:
    detail = reverse("surveys:questionnaire_detail", kwargs={"uid": version.uid})
    edit = reverse("surveys:questionnaire_edit", kwargs={"uid": version.uid})
    return [detail, detail + "?format=yaml", edit]


def test_questionnaires_are_read_within_the_collaboration_only(
    world: Any, questionnaire: QuestionnaireVersion, outsider: Any, login: Any, settings: Any
) -> None:
    settings.REQUIRE_2FA = False
    client = login(world.user("norrkoping", Role.REPORTER))
    for url in _urls(questionnaire)[:2]:
        assert client.get(url).status_code == 200, url
    assert questionnaire.title in client.get("/enkater/formular/").content.decode()
    client.logout()
    login(outsider)
    for url in _urls(questionnaire):
        assert client.get(url).status_code == 404, url
    assert client.post(_urls(questionnaire)[2], {"document": "x"}).status_code == 404
    listing = client.get("/enkater/formular/").content.decode()
    assert questionnaire.title not in listing and str(questionnaire.uid) not in listing
    form = client.get("/enkater/ny/").content.decode()
    assert questionnaire.title not in form and str(questionnaire.uid) not in form


def test_the_wave_form_refers_to_questionnaires_without_counting_ids(
    world: Any, questionnaire: QuestionnaireVersion, login: Any, settings: Any
) -> None:
    settings.REQUIRE_2FA = False
    client = login(world.user("norrkoping", Role.COORDINATOR))
    form = client.get("/enkater/ny/").content.decode()
    select = re.search(r'<select name="questionnaire".*?</select>', form, re.S)
    assert select is not None
    assert re.findall(r'value="([^"]*)"', select.group(0)) == ["", str(questionnaire.uid)]


def test_an_outsider_uses_its_own_copy_and_not_another_organisations(
    world: Any, questionnaire: QuestionnaireVersion, outsider: Any
) -> None:
    own = survey_services.ensure_default_questionnaire(
        actor=outsider, organisation=outsider.organisation
    )
    assert own.pk != questionnaire.pk
    assert own.created_by_organisation == outsider.organisation
    with pytest.raises(ValidationError) as error:
        survey_services.create_wave(
            actor=outsider,
            owner=outsider.organisation,
            name="Enkät",
            slug="annan",
            questionnaire=questionnaire,
            partners=[],
            reference_period="2026",
        )
    assert "questionnaire" in error.value.message_dict
    # A partner in the collaboration reuses the owner's version.
    partner = survey_services.ensure_default_questionnaire(
        actor=world.user("norrkoping"), organisation=world.orgs["norrkoping"]
    )
    assert partner.pk == questionnaire.pk


# --------------------------------------------------------------------------- levels


def test_no_one_creates_a_record_at_a_level_their_role_cannot_read(world: Any) -> None:
    analyst = world.user("linkoping", Role.ANALYST)
    with pytest.raises(ValidationError) as error:
        case_services.create_case(
            actor=analyst,
            owner=world.orgs["linkoping"],
            title="Hemligt",
            confidentiality=Confidentiality.CONFIDENTIAL,
        )
    assert "sekretessnivå" in " ".join(error.value.message_dict["confidentiality"])
    assert not Case.objects.exists()
    case = world.case("linkoping", confidentiality=Confidentiality.RESTRICTED, role=Role.ANALYST)
    assert case.confidentiality == Confidentiality.RESTRICTED
    world.case("linkoping", confidentiality=Confidentiality.CONFIDENTIAL, role=Role.CASE_OFFICER)


def test_the_case_form_and_api_refuse_the_level_with_a_field_error(
    world: Any, login: Any, settings: Any
) -> None:
    settings.REQUIRE_2FA = False
    analyst = world.user("linkoping", Role.ANALYST)
    client = login(analyst)
    page = client.post(
        "/arenden/nytt/",
        {"owner": world.orgs["linkoping"].pk, "title": "Hemligt", "confidentiality": "sekretess"},
    )
    assert page.status_code in (200, 400) and "sekretessnivå" in page.content.decode()
    api = APIClient()
    api.force_authenticate(analyst)
    response = api.post(
        "/api/v1/cases/",
        {"owner": world.orgs["linkoping"].pk, "title": "Hemligt", "confidentiality": "sekretess"},
        format="json",
    )
    assert response.status_code == 400 and "confidentiality" in response.json()
    assert not Case.objects.exists()


def test_signals_are_not_recorded_above_their_creators_level(world: Any) -> None:
    from samverkan.ros import services as ros_services

    with pytest.raises(ValidationError) as error:
        ros_services.record_signal(
            actor=world.user("polis", Role.ANALYST),
            owner=world.orgs["polis"],
            business=None,
            premises=None,
            person=None,
            description="Iakttagelse",
            observed_on=date(2026, 1, 1),
            reliability="B",
            credibility="2",
            confidentiality=Confidentiality.CONFIDENTIAL,
        )
    assert "confidentiality" in error.value.message_dict


# --------------------------------------------------------------------------- matching export


@pytest.mark.parametrize("role", [Role.ANALYST, Role.REPORTER, Role.AUDITOR, Role.ADMINISTRATOR])
def test_the_matching_export_refuses_roles_without_matching_access(
    world: Any, login: Any, settings: Any, role: Role
) -> None:
    settings.REQUIRE_2FA = False
    client = login(world.user("linkoping", role))
    before = AuditEntry.objects.count()
    assert client.get("/matchning/").status_code == 403
    assert client.get("/matchning/export.csv").status_code == 403
    assert AuditEntry.objects.count() == before


def test_the_matching_export_still_serves_case_officers(
    world: Any, login: Any, settings: Any
) -> None:
    settings.REQUIRE_2FA = False
    client = login(world.user("linkoping", Role.CASE_OFFICER))
    assert client.get("/matchning/export.csv").status_code == 200


def test_update_checks_the_level_too(world: Any) -> None:
    case = world.case("linkoping", confidentiality=Confidentiality.INTERNAL)
    with pytest.raises(PermissionDenied):
        case_services.update_case(
            actor=world.user("linkoping", Role.ANALYST),
            case=case,
            title="x",
            description="",
            confidentiality=Confidentiality.CONFIDENTIAL,
        )

"""The start page is built from panels that each module registers (``core/panels.py``):
the core imports no feature app, each panel shows only what the viewer's organisations
see, and the page's query count does not grow with the number of records."""

from __future__ import annotations

import ast
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from matchkit import Record, make_match_world, person
from samverkan.core import panels
from samverkan.core.tabular import Row
from samverkan.matching.models import Match
from samverkan.matching.workflow import MatchStatus
from samverkan.organisations import services as org_services
from samverkan.organisations.roles import Role
from samverkan.ros import operations
from samverkan.ros import services as ros_services
from samverkan.ros.models import ActivityKind, Operation, Premises
from samverkan.ros.workflow import Stage
from samverkan.surveys import services as survey_services
from samverkan.surveys.models import Wave, WaveStatus

CORE = Path(panels.__file__).resolve().parent
FEATURE_APPS = ("cases", "surveys", "ros", "matching")


# --- the core knows no feature ---------------------------------------------------


def _imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute | ast.Name)
            and getattr(node.func, "attr", getattr(node.func, "id", "")) == "import_module"
            and node.args
            and isinstance(node.args[0], ast.Constant)
        ):
            names.add(str(node.args[0].value))
    return names


def test_the_core_imports_no_feature_app() -> None:
    """No module of the core (views, selectors, the panel registry, template tags,
    commands) imports cases, surveys, ROS or matching, nor names their URLs."""
    offending = {}
    for path in sorted(CORE.rglob("*.py")):
        bad = {
            name
            for name in _imported_modules(path)
            if any(
                name == f"samverkan.{app}" or name.startswith(f"samverkan.{app}.")
                for app in FEATURE_APPS
            )
        }
        if bad:
            offending[str(path.relative_to(CORE))] = sorted(bad)
    assert not offending, f"the core imports feature apps: {offending}"
    for template in CORE.rglob("*.html"):
        text = template.read_text(encoding="utf-8")
        for app in FEATURE_APPS:
            assert f"'{app}:" not in text and f'"{app}:' not in text, (template, app)


def test_every_module_registers_its_panels_from_its_own_package() -> None:
    registered = {panel.key: panel for panel in panels.registered()}
    expected = {
        "cases": "samverkan.cases",
        "cases_shared": "samverkan.cases",
        "surveys_to_close": "samverkan.surveys",
        "ros_follow_ups": "samverkan.ros",
        "ros_operations": "samverkan.ros",
        "matching_open": "samverkan.matching",
        "audit": "samverkan.audit",
    }
    assert expected.keys() <= registered.keys()
    for key, package in expected.items():
        panel = registered[key]
        assert panel.data.__module__ == f"{package}.panels", key
        assert panel.template.startswith(package.removeprefix("samverkan.") + "/"), key


def test_the_registry_refuses_a_second_panel_under_a_taken_key() -> None:
    existing = next(p for p in panels.registered() if p.key == "cases")
    panels.register(existing)  # the same panel again (a second ready()) is harmless
    with pytest.raises(ImproperlyConfigured):
        panels.register(panels.Panel("cases", "Other", "x.html", lambda user: None))
    assert next(p for p in panels.registered() if p.key == "cases") is existing


# --- helpers -----------------------------------------------------------------------


def _shown(user: Any) -> dict[str, panels.PanelData]:
    return {shown.key: shown.data for shown in panels.panels_for(user)}


def _home(client: Any, login: Any, user: Any) -> str:
    client.logout()
    login(user)
    response = client.get("/")
    assert response.status_code == 200
    return response.content.decode()


def _wave(world: Any, slug: str, *, status: str, deadline: date | None) -> Wave:
    owner = world.user("linkoping", Role.COORDINATOR)
    questionnaire = survey_services.ensure_default_questionnaire(
        actor=owner, organisation=world.orgs["linkoping"]
    )
    wave = survey_services.create_wave(
        actor=owner,
        owner=world.orgs["linkoping"],
        name=f"Enkät {slug}",
        slug=slug,
        questionnaire=questionnaire,
        partners=[world.orgs["norrkoping"]],
        reference_period="de senaste tolv månaderna",
    )
    # Opening needs invitees and sent links; the panel reads only status and deadline.
    Wave.objects.filter(pk=wave.pk).update(status=status, deadline=deadline)
    wave.refresh_from_db()
    return wave


def _premises(world: Any, org: str, address: str) -> Premises:
    ActivityKind.objects.get_or_create(key="restaurant", defaults={"name": "Restaurang"})
    ros_services.import_register(
        actor=world.user(org, Role.CASE_OFFICER),
        owner=world.orgs[org],
        rows=[
            Row(2, {"address": address, "municipality": world.orgs[org].name, "kind": "restaurant"})
        ],
        commit=True,
    )
    return Premises.objects.get(owner=world.orgs[org], address=address)


def _operation(world: Any, title: str, starts_at: datetime) -> Operation:
    return operations.create_operation(
        actor=world.user("linkoping", Role.COORDINATOR),
        owner=world.orgs["linkoping"],
        title=title,
        starts_at=starts_at,
        ends_at=None,
        areas="Centrum",
        description="",
        participants=[
            (world.orgs["linkoping"], "environment_health"),
            (world.orgs["polis"], "police"),
            (world.orgs["norrkoping"], "alcohol_licensing"),
        ],
    )


# --- surveys -----------------------------------------------------------------------


@pytest.mark.django_db
def test_waves_to_close_are_the_runners_open_waves_past_their_last_day(
    world: Any, client: Any, login: Any, settings: Any
) -> None:
    settings.REQUIRE_2FA = False
    today = timezone.localdate()
    due = _wave(world, "forfallen", status=WaveStatus.OPEN, deadline=today - timedelta(days=1))
    _wave(world, "pagaende", status=WaveStatus.OPEN, deadline=today)
    _wave(world, "stangd", status=WaveStatus.CLOSED, deadline=today - timedelta(days=9))
    _wave(world, "utkast", status=WaveStatus.DRAFT, deadline=today - timedelta(days=9))

    coordinator = world.user("linkoping", Role.COORDINATOR)
    data = _shown(coordinator)["surveys_to_close"]
    assert [w.pk for w in data.items] == [due.pk] and data.count == 1
    assert "Enkät forfallen" in _home(client, login, coordinator)

    # Norrköping takes part in the wave (it is shared with it) but does not run it.
    partner = world.user("norrkoping", Role.COORDINATOR)
    assert Wave.objects.restrict(partner).filter(pk=due.pk).exists()
    data = _shown(partner)["surveys_to_close"]
    assert list(data.items) == [] and data.count == 0
    assert "Enkät forfallen" not in _home(client, login, partner)
    # Only coordinators close waves; an outsider sees nothing of it.
    assert "surveys_to_close" not in _shown(world.user("linkoping", Role.ANALYST))
    outsider = world.user("stangastaden", Role.COORDINATOR)
    assert _shown(outsider)["surveys_to_close"].count == 0
    assert "Enkät forfallen" not in _home(client, login, outsider)


# --- ROS ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_upcoming_operations_are_those_the_viewer_takes_part_in(
    world: Any, client: Any, login: Any, settings: Any
) -> None:
    settings.REQUIRE_2FA = False
    now = timezone.now()
    ahead = _operation(world, "Kommande insats", now + timedelta(days=3))
    _operation(world, "Gammal insats", now - timedelta(days=3))
    done = _operation(world, "Genomförd insats", now + timedelta(days=1))
    operations.set_stage(
        actor=world.user("linkoping", Role.COORDINATOR), operation=done, stage=Stage.CARRIED_OUT
    )
    for org in ("linkoping", "polis", "norrkoping"):
        data = _shown(world.user(org, Role.CASE_OFFICER))["ros_operations"]
        assert [o.pk for o in data.items] == [ahead.pk] and data.count == 1, org
    assert "Kommande insats" in _home(client, login, world.user("polis", Role.CASE_OFFICER))
    outsider = world.user("stangastaden", Role.COORDINATOR)
    assert _shown(outsider)["ros_operations"].count == 0
    assert "Kommande insats" not in _home(client, login, outsider)
    assert "ros_operations" not in _shown(world.user("linkoping", Role.REPORTER))


@pytest.mark.django_db
def test_overdue_follow_ups_follow_the_inspection_records_sharing(
    world: Any, client: Any, login: Any, settings: Any
) -> None:
    settings.REQUIRE_2FA = False
    target_premises = _premises(world, "linkoping", "Storgatan 1")
    operation = _operation(world, "Insats med uppföljning", timezone.now() - timedelta(days=20))
    operations.add_targets(
        actor=world.user("linkoping", Role.COORDINATOR),
        operation=operation,
        premises=[target_premises],
    )
    target = operation.targets.get()
    police = operation.participations.get(authority="police")
    health = operation.participations.get(authority="environment_health")
    inspected = timezone.localdate() - timedelta(days=20)
    # The police's record is shared with the planner (Linköping) only.
    police_record = operations.record_inspection(
        actor=world.user("polis", Role.CASE_OFFICER),
        operation=operation,
        target=target,
        participation=police,
        inspected_on=inspected,
        findings=[],
        sanctions=["police_report"],
        money_identified=Decimal(0),
    )
    # Linköping's own record is shared with nobody.
    own_record = operations.record_inspection(
        actor=world.user("linkoping", Role.CASE_OFFICER),
        operation=operation,
        target=target,
        participation=health,
        inspected_on=inspected,
        findings=[],
        sanctions=[],
        shared_with=[],
    )
    yesterday = timezone.localdate() - timedelta(days=1)

    def task(user: Any, record: Any, title: str, due_on: date | None) -> Any:
        return operations.add_follow_up(
            actor=user, inspection=record, title=title, owner=None, due_on=due_on
        )

    police_user = world.user("polis", Role.CASE_OFFICER)
    linkoping_user = world.user("linkoping", Role.CASE_OFFICER)
    task(police_user, police_record, "Polisens uppföljning", yesterday)
    task(linkoping_user, own_record, "Linköpings uppföljning", yesterday)
    task(linkoping_user, own_record, "Inte försenad", timezone.localdate())
    task(linkoping_user, own_record, "Utan datum", None)
    finished = task(linkoping_user, own_record, "Klar uppföljning", yesterday)
    operations.set_follow_up_done(actor=linkoping_user, task=finished, done=True)

    def titles(user: Any) -> list[str]:
        data = _shown(user)["ros_follow_ups"]
        assert data.count == len(data.items)
        return sorted(t.title for t in data.items)

    assert titles(linkoping_user) == ["Linköpings uppföljning", "Polisens uppföljning"]
    assert titles(police_user) == ["Polisens uppföljning"]
    # Norrköping takes part in the operation but sees neither record.
    norrkoping_user = world.user("norrkoping", Role.COORDINATOR)
    assert titles(norrkoping_user) == []
    page = _home(client, login, norrkoping_user)
    assert "Polisens uppföljning" not in page and "Linköpings uppföljning" not in page
    page = _home(client, login, linkoping_user)
    assert "Linköpings uppföljning" in page and "Polisens uppföljning" in page
    assert "Inte försenad" not in page and "Klar uppföljning" not in page


# --- matching ----------------------------------------------------------------------


@pytest.mark.django_db
def test_open_matches_count_the_viewers_own_sides_only(
    world: Any, client: Any, login: Any, settings: Any
) -> None:
    settings.REQUIRE_2FA = False
    mw = make_match_world(world)
    shared = person(1)
    mw.upload("linkoping", "ekonomiskt_bistand", [Record(shared), Record(person(2))])
    mw.upload("norrkoping", "ekonomiskt_bistand", [Record(person(3)), Record(shared)])
    mw.run(["bistand_tva_kommuner"])
    officer = world.user("linkoping", Role.CASE_OFFICER)
    Match.objects.filter(owner=world.orgs["linkoping"]).update(
        status=MatchStatus.INVESTIGATING.value, assignee=officer
    )

    def counts(user: Any) -> tuple[int, dict[str, int], int]:
        data = _shown(user)["matching_open"]
        return (
            data.count or 0,
            {row["status"]: row["count"] for row in data.items},
            data.extra["mine"],
        )

    total, by_status, mine = counts(officer)
    assert (total, mine) == (1, 1)
    assert by_status == {"ny": 0, "utreds": 1, "vantar": 0}
    total, by_status, mine = counts(world.user("norrkoping", Role.CASE_OFFICER))
    assert (total, mine) == (1, 0)
    assert by_status == {"ny": 1, "utreds": 0, "vantar": 0}
    assert counts(world.user("stangastaden", Role.COORDINATOR))[0] == 0
    # Roles that do not work with matches get no panel; no match number is ever shown.
    assert "matching_open" not in _shown(world.user("linkoping", Role.ANALYST))
    page = _home(client, login, officer)
    assert 'id="panel-matching_open-heading"' in page
    for match in Match.objects.all():
        assert match.number not in page and match.ref not in page


# --- the page ----------------------------------------------------------------------


@pytest.mark.django_db
def test_the_start_page_query_count_does_not_grow_with_records(
    world: Any, client: Any, login: Any, settings: Any, django_assert_max_num_queries: Any
) -> None:
    """A user with every panel (coordinator, case officer and auditor of Linköping): the
    page costs a bounded number of queries, and more records add none."""
    settings.REQUIRE_2FA = False
    user = world.user("linkoping", Role.COORDINATOR)
    for role in (Role.CASE_OFFICER, Role.AUDITOR):
        org_services.add_membership(
            actor=None, user=user, organisation=world.orgs["linkoping"], role=role
        )
    login(user)
    today = timezone.localdate()

    def add_records(index: int) -> None:
        world.case("linkoping", title=f"Ärende {index}")
        world.case("norrkoping", title=f"Delat {index}", shared_with=("linkoping",))
        _wave(world, f"w{index}", status=WaveStatus.OPEN, deadline=today - timedelta(days=1))
        _operation(world, f"Insats {index}", timezone.now() + timedelta(days=index + 1))

    add_records(0)
    first = client.get("/")
    assert first.status_code == 200
    keys = [
        "cases",
        "cases_shared",
        "surveys_to_close",
        "ros_follow_ups",
        "ros_operations",
        "matching_open",
        "audit",
    ]
    for key in keys:
        assert f'id="panel-{key}-heading"' in first.content.decode(), key
    # 19 today: the shell and session, then one or two per panel.
    with django_assert_max_num_queries(20) as few:
        client.get("/")
    for index in range(1, 12):
        add_records(index)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get("/").content.decode()
    assert "Insats 1" in page and "Enkät w1" in page

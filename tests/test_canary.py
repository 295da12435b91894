"""The canary crawler: nothing derived from another organisation's records leaks.

Linköping plants canary strings and numbers in records it shares with nobody (see
``canarykit``); every role of every other organisation, anonymous visitors and the
platform superuser then request every URL pattern and API route (see ``crawler``), and
every canary a viewer may not see is a failure naming the URL, the viewer, the canary and
where in the page it was found. Linköping's own roles are crawled too: they may not read
its secret records either. Each organisation's crawl also proves that the canaries it
should see really are shown, so the crawler cannot pass by requesting nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import transaction
from django.test import override_settings

from canarykit import HIDDEN, Canary, CanaryWorld, Viewer, members, plant, platform_viewers
from crawler import FILLERS, JOB_STARTERS, NOT_CRAWLED, Crawl, Report, unfillable
from endpoints import ALL, Endpoint
from samverkan.organisations.roles import Role

pytestmark = pytest.mark.django_db

SIGNALS_CANARY = "number of Linköping's signals ("
GROUPS = ["linkoping", "norrkoping", "polis", "stangastaden", "platform"]
FAST_HASHING = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="module")
def planted(django_db_setup: Any, django_db_blocker: Any) -> Iterator[CanaryWorld]:
    """One world for the whole module, rolled back at its end."""
    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=FAST_HASHING),
        transaction.atomic(),
    ):
        yield plant()
        transaction.set_rollback(True)


@pytest.fixture(autouse=True)
def _single_factor(settings: Any) -> None:
    settings.REQUIRE_2FA = False


@pytest.mark.parametrize("endpoint", ALL, ids=lambda e: e.route or "/")
def test_every_endpoint_is_crawled_or_declared(endpoint: Endpoint) -> None:
    reason = unfillable(endpoint)
    assert reason is None, (
        f"{endpoint.route} {reason}: give its model @scoped(Model) or a queryset, add a"
        " FILLERS entry in tests/crawler.py, or list it in NOT_CRAWLED with a reason"
    )


def test_declarations_name_real_endpoints() -> None:
    routes = {e.route for e in ALL}
    assert set(FILLERS) | set(NOT_CRAWLED) <= routes


def test_every_job_kind_has_a_starter() -> None:
    from samverkan.jobs import registry

    assert set(registry._KINDS) <= set(JOB_STARTERS), "add a starter to crawler.JOB_STARTERS"


def test_every_scoped_model_has_hidden_canary_records(planted: CanaryWorld) -> None:
    models = {e.scoped_model for e in ALL if e.scoped_model is not None}
    missing = {m.__name__ for m in models} - {m.__name__ for m in planted.hidden}
    assert not missing, f"plant hidden records of {missing} in canarykit.plant()"
    names = [c.name for c in planted.canaries]
    twice = {name for name in names if names.count(name) > 1}
    assert not twice, f"canary names must be unique: {twice}"


def _viewers(cw: CanaryWorld, group: str) -> list[Viewer]:
    if group == "platform":
        return platform_viewers()
    viewers = members(cw.world, group)
    if group == HIDDEN:
        # Linköping's own case officers read what its coordinators read: nothing to find.
        viewers = [v for v in viewers if v.role is not Role.CASE_OFFICER]
    return viewers


@pytest.mark.parametrize("group", GROUPS)
def test_no_canary_leaks(group: str, planted: CanaryWorld) -> None:
    report = Report()
    for viewer in _viewers(planted, group):
        Crawl(planted, viewer, report).run()
    unseen = [c.name for c in planted.canaries if c.witness == group]
    unseen = [name for name in unseen if name not in report.witnessed]
    if report.leaks or report.problems or unseen:
        pytest.fail(report.summary(group, unseen), pytrace=False)


def _share_with_housing(cw: CanaryWorld) -> None:
    """Linköping shares its case and its premises with everything registered about it,
    the way its coordinator would."""
    from samverkan.cases import services as case_services
    from samverkan.ros import riskfacts
    from samverkan.ros import services as ros_services
    from samverkan.ros.models import Business, Permit, PersonRole, Signal

    owner, partner = cw.user(HIDDEN), [cw.org("stangastaden")]
    case_services.set_case_sharing(actor=owner, case=cw.records["case"], organisations=partner)
    premises = cw.records["premises"]
    related: list[Any] = [
        premises,
        *Signal.objects.filter(premises=premises),
        *Permit.objects.filter(premises=premises),
        *Business.objects.filter(premises=premises),
        *PersonRole.objects.filter(business__premises=premises),
    ]
    for record in related:
        ros_services.set_sharing(actor=owner, record=record, organisations=partner)
    riskfacts.recompute(premises_ids=[premises.pk])


def test_shared_canaries_appear_where_they_should(planted: CanaryWorld) -> None:
    """Once shared, the canaries are found by the same crawl, in lists, detail pages,
    exports and derived outputs: the crawler is not passing by requesting nothing."""
    _share_with_housing(planted)
    wanted = {
        "title of Linköping's unshared case",
        "name of Linköping's unshared premises",
        "address of Linköping's unshared premises",
        "number of Linköping's signals (risk explanation)",
    }
    probes = [
        Canary(c.name, c.pattern, audience=lambda v: False, witness=None, hint=c.hint)
        for c in planted.canaries
        if c.name in wanted
    ]
    viewer = next(v for v in members(planted.world, "stangastaden") if v.role is Role.COORDINATOR)
    report = Report()
    crawl = Crawl(planted, viewer, report)
    crawl.canaries = probes
    crawl.run()
    found: dict[str, set[str]] = {}
    for leak in report.leaks:
        path = re.sub(r"[0-9a-f]{8}-[0-9a-f-]{27}", "<id>", leak.url.split("?")[0])
        found.setdefault(leak.canary, set()).add(path.split(" ")[1])
    case, premises = (
        "title of Linköping's unshared case",
        "name of Linköping's unshared premises",
    )
    expected = {
        case: {"/arenden/", "/arenden/<id>/", "/arenden/export.csv", "/api/v1/cases/", "/"},
        premises: {"/ros/", "/ros/lokaler/<id>/", "/ros/export.csv", "/ros/export.xlsx"},
        "address of Linköping's unshared premises": {"/ros/lokaler/<id>/", "/ros/export.csv"},
        "number of Linköping's signals (risk explanation)": {"/ros/lokaler/<id>/"},
    }
    missing = {name: paths - found.get(name, set()) for name, paths in expected.items()}
    assert not any(missing.values()), f"shared canaries not found: {missing}\nfound: {found}"


def test_sharing_a_premises_keeps_the_owners_risk_true(planted: CanaryWorld) -> None:
    """Sharing the premises alone shares neither its signals nor its permits: the partner
    sees no count of them, and the owner's own page still counts them (finding 3)."""
    from django.test import Client

    from samverkan.ros import riskfacts
    from samverkan.ros import services as ros_services

    premises = planted.records["premises"]
    ros_services.set_sharing(
        actor=planted.user(HIDDEN), record=premises, organisations=[planted.org("stangastaden")]
    )
    riskfacts.recompute(premises_ids=[premises.pk])
    signals = next(
        c for c in planted.canaries if c.name.startswith("number of Linköping's signals (")
    )
    pages = {}
    for org in (HIDDEN, "stangastaden"):
        client = Client()
        client.force_login(planted.user(org))
        response = client.get(f"/ros/lokaler/{premises.pk}/")
        assert response.status_code == 200
        pages[org] = re.sub(r"\s+", " ", response.content.decode())
    assert not signals.pattern.search(pages["stangastaden"]), "the partner sees the count"
    problems = []
    if not signals.pattern.search(pages[HIDDEN]):
        problems.append("the owner's page no longer counts its own 13 signals")
    if re.search(r"serveringstillstånd[^<]*saknas", pages[HIDDEN], re.IGNORECASE):
        problems.append("the owner's page says its valid alcohol licence is missing")
    assert not problems, problems

"""Property-based check of restrict(): for any memberships a user may hold, the single
SQL query returns exactly what the policy tables say, for every action."""

from __future__ import annotations

from itertools import combinations, product
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from samverkan.cases import services as case_services
from samverkan.cases.models import Case
from samverkan.core.scoping import forget_scope
from samverkan.organisations import services as org_services
from samverkan.organisations.models import Membership
from samverkan.organisations.roles import (
    OWNER_ACTIONS,
    Action,
    Confidentiality,
    Role,
    readable_levels,
)

pytestmark = pytest.mark.django_db

ORG_KEYS = ["linkoping", "norrkoping", "polis", "stangastaden"]


def oracle(
    memberships: set[tuple[str, Role]], action: Action, case: Any, orgs: dict[str, Any]
) -> bool:
    owner_key = next(k for k, o in orgs.items() if o.pk == case.owner_id)
    shared_keys = {k for k, o in orgs.items() if o.pk in case.shared_ids}
    level = Confidentiality(case.confidentiality)
    for org_key, role in memberships:
        if level not in readable_levels(role):
            continue
        if action is Action.VIEW:
            if org_key == owner_key or org_key in shared_keys:
                return True
        elif org_key == owner_key and role in OWNER_ACTIONS[action]:
            return True
    return False


@pytest.fixture
def grid(world: Any) -> tuple[Any, list[Case]]:
    """One case per owner × level × set of partners shared with (up to two)."""
    author = {k: world.user(k, Role.COORDINATOR) for k in ORG_KEYS}
    cases = []
    for owner, level in product(ORG_KEYS, Confidentiality):
        others = [k for k in ORG_KEYS if k != owner]
        for size in (0, 1, 2):
            for shared in combinations(others, size):
                case = case_services.create_case(
                    actor=author[owner],
                    owner=world.orgs[owner],
                    title=f"{owner}-{level}-{'+'.join(shared)}",
                    confidentiality=level,
                    shared_with=[world.orgs[s] for s in shared],
                )
                case.shared_ids = {world.orgs[s].pk for s in shared}
                cases.append(case)
    probe = org_services.create_user(actor=None, username="probe", password=None)
    return probe, cases


memberships_strategy = st.sets(
    st.tuples(st.sampled_from(ORG_KEYS), st.sampled_from(list(Role))), max_size=4
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(memberships=memberships_strategy, action=st.sampled_from(list(Action)))
def test_restrict_matches_the_policy(
    world: Any, grid: tuple[Any, list[Case]], memberships: set[tuple[str, Role]], action: Action
) -> None:
    probe, cases = grid
    Membership.objects.filter(user=probe).delete()
    for org_key, role in memberships:
        Membership.objects.create(user=probe, organisation=world.orgs[org_key], role=role.value)
    forget_scope(probe)
    got = set(Case.objects.restrict(probe, action).values_list("pk", flat=True))
    expected = {c.pk for c in cases if oracle(memberships, action, c, world.orgs)}
    assert got == expected


def test_restrict_is_one_query_whatever_the_number_of_rows(
    world: Any, django_assert_num_queries: Any
) -> None:
    user = world.user("linkoping", Role.CASE_OFFICER)
    for index in range(30):
        world.case("linkoping", title=f"Ärende {index}", shared_with=("norrkoping",))
    forget_scope(user)
    with django_assert_num_queries(2):  # memberships once, then the records
        rows = list(Case.objects.restrict(user, Action.VIEW))
    assert len(rows) == 30


def test_case_list_page_query_count_is_flat(
    world: Any, login: Any, settings: Any, django_assert_max_num_queries: Any
) -> None:
    """Query-count baseline for the case list: adding rows adds no queries."""
    settings.REQUIRE_2FA = False
    client = login(world.user("norrkoping", Role.CASE_OFFICER))
    for index in range(5):
        world.case("norrkoping", title=f"Ärende {index}")
    with django_assert_max_num_queries(14) as few:
        client.get("/arenden/")
    for index in range(40):
        world.case("linkoping", title=f"Delat {index}", shared_with=("norrkoping",))
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get("/arenden/")


def test_a_shared_organisation_can_read_but_not_change(world: Any) -> None:
    case = world.case("norrkoping", shared_with=("stangastaden",))
    reader = world.user("stangastaden", Role.COORDINATOR)
    assert Case.objects.allowed(reader, Action.VIEW, case.pk)
    for action in (Action.CHANGE, Action.DELETE, Action.SHARE):
        assert not Case.objects.allowed(reader, action, case.pk)


def test_confidential_records_need_a_role_cleared_for_them(world: Any) -> None:
    case = world.case("linkoping", confidentiality=Confidentiality.CONFIDENTIAL)
    assert Case.objects.allowed(world.user("linkoping", Role.CASE_OFFICER), Action.VIEW, case.pk)
    for role in (Role.REPORTER, Role.ANALYST, Role.ADMINISTRATOR, Role.AUDITOR):
        assert not Case.objects.allowed(world.user("linkoping", role), Action.VIEW, case.pk)


def test_sharing_is_limited_to_collaboration_partners(world: Any) -> None:
    from django.core.exceptions import ValidationError

    outsider = org_services.create_organisation(actor=None, name="Annan kommun", type="kommun")
    with pytest.raises(ValidationError) as error:
        world.case("linkoping", shared_with=()).shared_with  # noqa: B018
        case_services.create_case(
            actor=world.user("linkoping"),
            owner=world.orgs["linkoping"],
            title="x",
            shared_with=[outsider],
        )
    assert "shared_with" in error.value.message_dict

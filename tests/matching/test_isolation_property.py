"""Property: whatever registers four organisations upload, each organisation sees exactly
the matches the match types' rules give for its own records, and nothing else: no other
organisation's reference, and no match another organisation can read."""

from __future__ import annotations

import json
from collections import Counter

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from matchkit import MONTH, MatchWorld, Record, encoded, person
from samverkan.matching import services as match_services
from samverkan.matching.models import Match
from samverkan.organisations.roles import Action, Role

pytestmark = pytest.mark.django_db

PEOPLE = [person(100 + i) for i in range(6)]
HOUSING = {"stangastaden": "0580", "hyresbostader": "0581"}
MUNICIPALITIES = {"linkoping": "0580", "norrkoping": "0581"}
TYPES = ["dubbla_hyreskontrakt", "bistand_tva_kommuner", "bistand_och_hyresgast_annan_kommun"]

registers = st.fixed_dictionaries(
    {org: st.sets(st.integers(0, len(PEOPLE) - 1)) for org in [*HOUSING, *MUNICIPALITIES]}
)


def expected(members: dict[str, set[int]]) -> Counter[tuple[str, str, int]]:
    """(organisation, match type, person) for every match the rules give, from the spec."""
    result: Counter[tuple[str, str, int]] = Counter()

    def both(kind: str, a: str, b: str) -> None:
        for who in members[a] & members[b]:
            result[(a, kind, who)] += 1
            result[(b, kind, who)] += 1

    both("dubbla_hyreskontrakt", "stangastaden", "hyresbostader")
    both("bistand_tva_kommuner", "linkoping", "norrkoping")
    for municipality, code in MUNICIPALITIES.items():
        for housing, housing_code in HOUSING.items():
            if code != housing_code:
                both("bistand_och_hyresgast_annan_kommun", municipality, housing)
    return result


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(members=registers)
def test_each_organisation_sees_exactly_its_own_matches(
    mw: MatchWorld, members: dict[str, set[int]]
) -> None:
    with transaction.atomic():
        whose: dict[str, tuple[str, int]] = {}  # ref -> (organisation, person)
        uploaded = {org for org, people in members.items() if people}
        for org in uploaded:
            content = encoded([Record(PEOPLE[i]) for i in sorted(members[org])])
            refs = [r["ref"] for r in json.loads(content)["records"]]
            whose.update({ref: (org, i) for ref, i in zip(refs, sorted(members[org]), strict=True)})
            match_services.upload_dataset(
                actor=mw.user(org),
                owner=mw.org(org),
                content=content,
                dataset_type="hyresgaster" if org in HOUSING else "ekonomiskt_bistand",
                period_start=MONTH[0],
                period_end=MONTH[1],
                municipality_code=(HOUSING | MUNICIPALITIES)[org],
            )
        want = expected(members)
        if want:
            mw.run(TYPES)
        seen: Counter[tuple[str, str, int]] = Counter()
        for org in [*HOUSING, *MUNICIPALITIES]:
            for role in Role:
                visible = list(Match.objects.restrict(mw.user(org, role), Action.VIEW))
                if role not in (Role.COORDINATOR, Role.CASE_OFFICER):
                    assert visible == []
                    continue
                for match in visible:
                    owner_org, who = whose[match.ref]
                    assert owner_org == org, "a match shows another organisation's reference"
                    assert match.owner == mw.org(org) and match.dataset.owner == mw.org(org)
                    if role is Role.COORDINATOR:
                        seen[(org, match.match_type, who)] += 1
        assert seen == want
        transaction.set_rollback(True)

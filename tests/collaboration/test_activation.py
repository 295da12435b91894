"""The activation rule of a collaboration agreement, property-based, without a database."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from samverkan.collaboration.activation import Decision, Party, status_on

START = date(2022, 1, 1)
DAYS = 400


def _day(offset: int) -> date:
    return START + timedelta(days=offset)


@st.composite
def parties(draw: st.DrawFn, min_size: int = 0) -> list[Party]:
    keys = draw(st.lists(st.integers(1, 30), min_size=min_size, max_size=6, unique=True))
    result = []
    for key in keys:
        joined = draw(st.integers(0, DAYS))
        left = draw(st.none() | st.integers(joined + 1, DAYS + 1))
        result.append(
            Party(
                key=key,
                required=draw(st.booleans()),
                joined_on=_day(joined),
                left_on=None if left is None else _day(left),
            )
        )
    return result


@st.composite
def worlds(draw: st.DrawFn, min_parties: int = 0) -> tuple[list[Party], list[Decision], date]:
    ps = draw(parties(min_parties))
    keys = [p.key for p in ps] + [99]  # 99: a decision of an organisation that is no party
    decisions = draw(
        st.lists(
            st.builds(
                Decision,
                party=st.sampled_from(keys),
                decided_on=st.integers(0, DAYS).map(_day),
            ),
            max_size=10,
        )
    )
    return ps, decisions, _day(draw(st.integers(0, DAYS)))


def _decided(decisions: list[Decision], key: object, day: date) -> bool:
    return any(d.party == key and d.decided_on <= day for d in decisions)


@settings(max_examples=300, deadline=None)
@given(worlds())
def test_missing_is_exactly_the_required_active_parties_without_a_decision(
    world: tuple[list[Party], list[Decision], date],
) -> None:
    ps, decisions, day = world
    status = status_on(day, ps, decisions)
    for party in ps:
        active = party.joined_on <= day and (party.left_on is None or day < party.left_on)
        assert (party.key in status.active) == active
        should_miss = active and party.required and not _decided(decisions, party.key, day)
        assert (party.key in status.missing) == should_miss
    assert status.in_force == (bool(status.active) and not status.missing)
    assert list(status.missing) == [k for k in (p.key for p in ps) if k in status.missing]


@settings(max_examples=200, deadline=None)
@given(worlds(), st.integers(0, DAYS))
def test_decisions_after_the_day_count_for_nothing_and_more_decisions_never_hurt(
    world: tuple[list[Party], list[Decision], date], later: int
) -> None:
    ps, decisions, day = world
    before = status_on(day, ps, decisions)
    future = [Decision(p.key, day + timedelta(days=1 + later)) for p in ps]
    assert status_on(day, ps, decisions + future) == before
    on_time = status_on(day, ps, decisions + [Decision(p.key, day) for p in ps])
    assert on_time.missing == ()
    assert on_time.in_force == bool(before.active)
    for key in before.missing:
        fixed = status_on(day, ps, [*decisions, Decision(key, day)])
        assert fixed.missing == tuple(k for k in before.missing if k != key)


@settings(max_examples=200, deadline=None)
@given(worlds(min_parties=1), st.booleans(), st.integers(0, 30))
def test_a_party_joining_holds_the_agreement_back_until_it_decides_unless_not_required(
    world: tuple[list[Party], list[Decision], date], required: bool, days_before: int
) -> None:
    ps, decisions, day = world
    before = status_on(day, ps, decisions)
    newcomer = Party(key=1000, required=required, joined_on=day - timedelta(days=days_before))
    after = status_on(day, [*ps, newcomer], decisions)
    if required:
        assert not after.in_force
        assert after.missing == (*before.missing, 1000)
        decided = status_on(day, [*ps, newcomer], [*decisions, Decision(1000, day)])
        assert decided.missing == before.missing
        assert decided.in_force == (not before.missing)
    else:
        assert after.missing == before.missing
        assert after.in_force == (not before.missing)
    # Joining after the day changes nothing on the day.
    late = replace(newcomer, joined_on=day + timedelta(days=1))
    assert status_on(day, [*ps, late], decisions) == before


@settings(max_examples=200, deadline=None)
@given(worlds(min_parties=1), st.data())
def test_a_party_that_leaves_no_longer_holds_the_agreement_back(
    world: tuple[list[Party], list[Decision], date], data: st.DataObject
) -> None:
    ps, decisions, day = world
    index = data.draw(st.integers(0, len(ps) - 1))
    leaving = ps[index]
    if leaving.joined_on > day:
        return
    back = data.draw(st.integers(0, (day - leaving.joined_on).days))
    left = replace(leaving, left_on=day - timedelta(days=back))
    after = status_on(day, [*ps[:index], left, *ps[index + 1 :]], decisions)
    before = status_on(day, ps, decisions)
    assert leaving.key not in after.missing
    assert leaving.key not in after.active
    assert after.missing == tuple(k for k in before.missing if k != leaving.key)
    if after.active:
        assert after.in_force == (not after.missing)
    else:
        assert not after.in_force
    # The day before it left, it still counted.
    if left.left_on and left.left_on > leaving.joined_on:
        previous = left.left_on - timedelta(days=1)
        assert leaving.key in status_on(previous, [left], decisions).active


def test_the_founding_decision() -> None:
    """Linköping decides first ("under förutsättning att Norrköpings kommun fattar
    motsvarande beslut"); in force from Norrköping's decision; a third municipality that
    joins holds it back until it decides; one marked not required does not."""
    lkp = Party("Linköping", True, date(2022, 5, 1))
    nkp = Party("Norrköping", True, date(2022, 5, 1))
    decisions = [Decision("Linköping", date(2022, 5, 17))]
    waiting = status_on(date(2022, 6, 1), [lkp, nkp], decisions)
    assert not waiting.in_force and waiting.missing == ("Norrköping",)
    decisions.append(Decision("Norrköping", date(2022, 6, 7)))
    assert status_on(date(2022, 6, 7), [lkp, nkp], decisions).in_force
    assert not status_on(date(2022, 6, 6), [lkp, nkp], decisions).in_force
    mjolby = Party("Mjölby", True, date(2024, 1, 1))
    assert status_on(date(2023, 12, 31), [lkp, nkp, mjolby], decisions).in_force
    assert status_on(date(2024, 1, 1), [lkp, nkp, mjolby], decisions).missing == ("Mjölby",)
    assert status_on(date(2024, 1, 1), [lkp, nkp, replace(mjolby, required=False)], decisions)
    assert status_on(
        date(2024, 2, 1), [lkp, nkp, replace(mjolby, left_on=date(2024, 2, 1))], decisions
    ).in_force


def test_period_and_empty_agreement() -> None:
    lkp = Party("Linköping", True, date(2022, 5, 1))
    decisions = [Decision("Linköping", date(2022, 5, 17))]
    assert not status_on(date(2022, 6, 1), [], decisions).in_force
    assert status_on(date(2022, 6, 1), [], decisions).no_parties
    late = status_on(date(2027, 1, 1), [lkp], decisions, period_end=date(2026, 12, 31))
    assert not late.in_force and late.outside_period and late.missing == ()
    early = status_on(date(2022, 6, 1), [lkp], decisions, period_start=date(2023, 1, 1))
    assert not early.in_force and early.outside_period

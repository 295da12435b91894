"""The combine rule: the identity token decides where both records have one, the CLK only
where at least one has none; token-matched records take no CLK match."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from samverkan.matching.combine import Match, combine_pairs
from samverkan.matching.link import Pair, one_to_one, token_pairs


def test_token_pairs_are_matches_with_score_one() -> None:
    tokens_a = ["t1", "t2", ""]
    tokens_b = ["t2", "t1", ""]
    matches = combine_pairs([(1, 0), (0, 1)], [], tokens_a=tokens_a, tokens_b=tokens_b)
    assert matches == [Match(0, 1, 1.0, "token"), Match(1, 0, 1.0, "token")]


def test_different_tokens_veto_a_clk_pair() -> None:
    """Twins: nearly the same CLK, different identity numbers."""
    tokens_a = ["twin-1"]
    tokens_b = ["twin-2"]
    assert combine_pairs([], [(0, 0, 0.97)], tokens_a=tokens_a, tokens_b=tokens_b) == []


@pytest.mark.parametrize(("tokens_a", "tokens_b"), [([""], ["t"]), (["t"], [""]), ([""], [""])])
def test_clk_decides_when_a_token_is_missing(tokens_a: list[str], tokens_b: list[str]) -> None:
    matches = combine_pairs([], [(0, 0, 0.83)], tokens_a=tokens_a, tokens_b=tokens_b)
    assert matches == [Match(0, 0, 0.83, "clk")]


def test_none_counts_as_no_token() -> None:
    matches = combine_pairs([], [(0, 0, 0.9)], tokens_a=[None], tokens_b=["t"])
    assert matches == [Match(0, 0, 0.9, "clk")]


def test_token_matched_records_take_no_clk_match() -> None:
    tokens_a = ["t", ""]
    tokens_b = ["t", ""]
    clk = [(0, 1, 0.99), (1, 0, 0.95), (1, 1, 0.9)]
    matches = combine_pairs([(0, 0)], clk, tokens_a=tokens_a, tokens_b=tokens_b)
    assert matches == [Match(0, 0, 1.0, "token"), Match(1, 1, 0.9, "clk")]


def test_clk_pairs_are_selected_one_to_one_after_the_veto() -> None:
    # a1's best (b0) goes to a0; a2's best (b2) is vetoed and its next (b1) goes to a1.
    tokens_a = ["", "", "x"]
    tokens_b = ["", "", "y"]
    clk = [(0, 0, 0.95), (1, 0, 0.9), (1, 1, 0.85), (2, 2, 0.99), (2, 1, 0.8)]
    matches = combine_pairs([], clk, tokens_a=tokens_a, tokens_b=tokens_b)
    assert matches == [Match(0, 0, 0.95, "clk"), Match(1, 1, 0.85, "clk")]
    everything = combine_pairs(
        [], clk, tokens_a=tokens_a, tokens_b=tokens_b, select_one_to_one=False
    )
    assert [(m.a_index, m.b_index) for m in everything] == [(0, 0), (1, 0), (1, 1), (2, 1)]


def test_duplicate_tokens_keep_every_combination() -> None:
    tokens_a = ["t", "t"]
    tokens_b = ["t"]
    pairs = token_pairs(tokens_a, tokens_b)
    matches = combine_pairs(pairs + pairs, [], tokens_a=tokens_a, tokens_b=tokens_b)
    assert [(m.a_index, m.b_index) for m in matches] == [(0, 0), (1, 0)]


def test_position_outside_the_token_lists_is_an_error() -> None:
    with pytest.raises(IndexError):
        combine_pairs([], [(3, 0, 0.9)], tokens_a=[""], tokens_b=[""])


# --------------------------------------------------------------------------- properties

_TOKENS = st.lists(st.sampled_from(["", "", "t1", "t2", "t3", "t4"]), min_size=1, max_size=8)


@st.composite
def _cases(draw: st.DrawFn) -> tuple[list[str], list[str], list[Pair]]:
    tokens_a = draw(_TOKENS)
    tokens_b = draw(_TOKENS)
    scores = st.floats(min_value=0.5, max_value=1.0, allow_nan=False)
    pair = st.tuples(st.integers(0, len(tokens_a) - 1), st.integers(0, len(tokens_b) - 1), scores)
    clk = draw(st.lists(pair, max_size=20, unique_by=lambda p: (p[0], p[1])))
    return tokens_a, tokens_b, clk


@settings(max_examples=300, deadline=None)
@given(_cases(), st.randoms(use_true_random=False))
def test_combine_rule_properties(
    case: tuple[list[str], list[str], list[Pair]], shuffler: random.Random
) -> None:
    tokens_a, tokens_b, clk = case
    exact = token_pairs(tokens_a, tokens_b)
    matches = combine_pairs(exact, clk, tokens_a=tokens_a, tokens_b=tokens_b)
    by_token = [m for m in matches if m.source == "token"]
    by_clk = [m for m in matches if m.source == "clk"]

    # 1. Every token pair is a match, with score 1.0, and nothing else is a token match.
    assert [(m.a_index, m.b_index) for m in by_token] == sorted(exact)
    assert all(m.score == 1.0 for m in by_token)
    # 2. A CLK match never joins two records that both have a token.
    assert all(not (tokens_a[m.a_index] and tokens_b[m.b_index]) for m in by_clk)
    # 3. CLK matches come from the input and use no record of a token match, nor one
    #    record twice.
    assert {(m.a_index, m.b_index, m.score) for m in by_clk} <= set(clk)
    used_a = [m.a_index for m in by_token] + [m.a_index for m in by_clk]
    used_b = [m.b_index for m in by_token] + [m.b_index for m in by_clk]
    assert len({m.a_index for m in by_clk}) == len(by_clk)
    assert len({m.b_index for m in by_clk}) == len(by_clk)
    assert not {m.a_index for m in by_clk} & {m.a_index for m in by_token}
    assert not {m.b_index for m in by_clk} & {m.b_index for m in by_token}
    # 4. Greedy and maximal: an allowed CLK pair left out conflicts with a kept record
    #    whose match scored at least as high (or with a token match).
    kept = {(m.a_index, m.b_index) for m in by_clk}
    best_a = {m.a_index: m.score for m in by_clk}
    best_b = {m.b_index: m.score for m in by_clk}
    token_a = {m.a_index for m in by_token}
    token_b = {m.b_index for m in by_token}
    for a, b, score in clk:
        if (tokens_a[a] and tokens_b[b]) or (a, b) in kept:
            continue
        assert (
            a in token_a
            or b in token_b
            or best_a.get(a, -1.0) >= score
            or best_b.get(b, -1.0) >= score
        )
    assert len(used_a) == len(matches) == len(used_b)
    # 5. The order of the input pairs does not matter.
    shuffled = list(clk)
    shuffler.shuffle(shuffled)
    reversed_tokens = list(reversed(exact))
    assert combine_pairs(reversed_tokens, shuffled, tokens_a=tokens_a, tokens_b=tokens_b) == matches


@settings(max_examples=100, deadline=None)
@given(_cases())
def test_without_tokens_the_rule_is_plain_clk_matching(
    case: tuple[list[str], list[str], list[Pair]],
) -> None:
    tokens_a, tokens_b, clk = case
    empty_a, empty_b = [""] * len(tokens_a), [""] * len(tokens_b)
    matches = combine_pairs([], clk, tokens_a=empty_a, tokens_b=empty_b)
    assert [(m.a_index, m.b_index, m.score) for m in matches] == one_to_one(clk)

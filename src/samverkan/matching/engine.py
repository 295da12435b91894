"""The comparing side of a matching run: which datasets are compared under a match type,
and which record pairs match. Pure (no Django): encodings in, index pairs out.

A run holds encoded datasets of several organisations. :func:`plan` lists the dataset pairs
a match type compares (the types it names, the dataset-level conditions: different
organisations, different or the same municipality, overlapping dataset periods).
:func:`compare` finds the record pairs of one dataset pair: identity tokens and/or CLK
similarity as the match type says (combined by :func:`samverkan.matching.combine.combine_pairs`),
then the record-level period condition.

Periods are whole days counted from 1970-01-01, inclusive at both ends; each record's
period is already clipped to its dataset's period when it is stored.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from samverkan.matching import combine, link
from samverkan.matching.matchtypes import MatchType

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class DatasetInfo:
    """What the comparing side knows about a dataset besides its encodings."""

    key: str
    organisation: int
    municipality: str
    dataset_type: str
    start: int
    end: int
    size: int


@dataclass(frozen=True)
class Encodings:
    """One dataset's encodings; row i of every array is record i."""

    clks: NDArray[np.uint64]  # (N, words)
    tokens: Sequence[str]  # "" where the record has no identity number
    starts: NDArray[np.int32]
    ends: NDArray[np.int32]


@dataclass(frozen=True)
class Found:
    first: int
    second: int
    score: float
    token: bool


def _overlap(a_start: int, a_end: int, b_start: int, b_end: int) -> bool:
    return a_start <= b_end and b_start <= a_end


def dataset_pair_allowed(match_type: MatchType, first: DatasetInfo, second: DatasetInfo) -> bool:
    conditions = match_type.conditions
    if first.key == second.key:
        return False
    if conditions.different_organisations and first.organisation == second.organisation:
        return False
    if conditions.different_municipalities and first.municipality == second.municipality:
        return False
    if conditions.same_municipality and first.municipality != second.municipality:
        return False
    return not (
        conditions.overlapping_periods
        and not _overlap(first.start, first.end, second.start, second.end)
    )


def plan(match_type: MatchType, datasets: Sequence[DatasetInfo]) -> list[tuple[int, int]]:
    """The dataset pairs (positions in ``datasets``) the match type compares, in a stable
    order. For a match type of two equal types each unordered pair is compared once."""
    firsts = [i for i, d in enumerate(datasets) if d.dataset_type == match_type.first]
    seconds = [i for i, d in enumerate(datasets) if d.dataset_type == match_type.second]
    candidates = (
        list(itertools.combinations(firsts, 2))
        if match_type.same_types
        else [(i, j) for i in firsts for j in seconds]
    )
    return [
        (i, j) for i, j in candidates if dataset_pair_allowed(match_type, datasets[i], datasets[j])
    ]


def comparisons(match_type: MatchType, first: DatasetInfo, second: DatasetInfo) -> int:
    """Work units for progress: CLK comparisons if the type compares CLKs, else records."""
    if match_type.clk_threshold is not None:
        return first.size * second.size
    return first.size + second.size


def compare(
    match_type: MatchType,
    first: Encodings,
    second: Encodings,
    *,
    workers: int | None = None,
    progress: Progress | None = None,
) -> list[Found]:
    """The matching record pairs of two datasets under ``match_type``, sorted by position."""
    token_hits = link.token_pairs(first.tokens, second.tokens) if match_type.token else []
    clk_hits: list[link.Pair] = []
    if match_type.clk_threshold is not None and len(first.tokens) and len(second.tokens):
        clk_hits = link.candidate_pairs(
            first.clks,
            second.clks,
            match_type.clk_threshold,
            workers=workers,
            progress=progress,
        )
    elif progress is not None:
        progress(len(first.tokens) + len(second.tokens), len(first.tokens) + len(second.tokens))
    pairs = [
        Found(m.a_index, m.b_index, m.score, m.source == "token")
        for m in combine.combine_pairs(
            token_hits, clk_hits, tokens_a=first.tokens, tokens_b=second.tokens
        )
    ]
    pairs.sort(key=lambda pair: (pair.first, pair.second))
    if not match_type.conditions.overlapping_periods:
        return pairs
    return [
        pair
        for pair in pairs
        if _overlap(
            int(first.starts[pair.first]),
            int(first.ends[pair.first]),
            int(second.starts[pair.second]),
            int(second.ends[pair.second]),
        )
    ]

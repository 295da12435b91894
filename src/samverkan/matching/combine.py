"""Combine exact identity-token matches with Bloom-filter (CLK) matches.

The linkage party has, for each record, a CLK and, where the data owner had a valid
personnummer or samordningsnummer, a keyed identity token (empty otherwise). It gets token
pairs from :func:`samverkan.matching.link.token_pairs` and CLK candidate pairs from
:func:`samverkan.matching.link.candidate_pairs`; :func:`combine_pairs` turns both into the
final list of matches with the rule below. It is the rule the service uses, measured in
``benchmarks/matching_quality.py`` (see ``docs/matching/quality.md``).

Pure, standard library only (and :mod:`samverkan.matching.link`), no Django.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Literal, NamedTuple

from samverkan.matching.link import Pair, one_to_one

__all__ = ["Match", "combine_pairs"]

Source = Literal["token", "clk"]


class Match(NamedTuple):
    """A final match: positions in the two files, a score and what decided it.

    ``score`` is 1.0 for a token match and the Dice coefficient for a CLK match."""

    a_index: int
    b_index: int
    score: float
    source: Source


def combine_pairs(
    token_pairs: Iterable[tuple[int, int]],
    clk_pairs: Iterable[Pair],
    *,
    tokens_a: Sequence[str | None],
    tokens_b: Sequence[str | None],
    select_one_to_one: bool = True,
) -> list[Match]:
    """The matches of two files: **the identity token decides where both records have
    one; the CLK decides only where at least one of them has none.**

    1. Every token pair ``(a, b)`` is a match (``source="token"``, score 1.0). Equal
       tokens mean the same validated, normalised identity number.
    2. A CLK pair ``(a, b, dice)`` is considered only if ``tokens_a[a]`` or
       ``tokens_b[b]`` is empty (falsy). When both records have a token and the tokens
       differ, the numbers say they are two people, however similar their names, birth
       dates and addresses: twins, a parent and a child with the same name, two people
       sharing a flat. Such a pair is never a match.
    3. Records that already have a token match take no CLK match. With
       ``select_one_to_one`` (the default) the remaining CLK pairs are selected greedily,
       best score first, each record at most once
       (:func:`samverkan.matching.link.one_to_one`); otherwise all are kept.

    ``clk_pairs`` are the CLK candidates at the chosen threshold (all of them, not yet
    one-to-one: selecting after the token rule lets a record whose best CLK candidate was
    ruled out take its next one). Token pairs are kept as they are, including every
    combination of a token that occurs more than once in a file.

    Returns the token matches sorted by ``(a_index, b_index)``, then the CLK matches in
    order of selection (score descending; input order without ``select_one_to_one``).
    Raises ``IndexError`` for a CLK pair position outside ``tokens_a``/``tokens_b``.

    Compared with "token or CLK" (every CLK pair counts as well), this rule gives up
    nothing where identity numbers are present and right, and removes the false matches
    between different people with similar details; what it cannot do is see a match
    whose numbers are both present but one of them wrong (a valid number of someone
    else). Without tokens on either side it is plain CLK matching.
    """
    tokens = sorted(set(token_pairs))
    matches = [Match(a, b, 1.0, "token") for a, b in tokens]
    taken_a = {a for a, _ in tokens}
    taken_b = {b for _, b in tokens}
    allowed: list[Pair] = []
    for a, b, score in clk_pairs:
        if tokens_a[a] and tokens_b[b]:
            continue
        if a in taken_a or b in taken_b:
            continue
        allowed.append((a, b, score))
    chosen = one_to_one(allowed) if select_one_to_one else allowed
    matches.extend(Match(a, b, score, "clk") for a, b, score in chosen)
    return matches

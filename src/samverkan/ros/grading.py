"""The grading scale for signals: source reliability A–F and information credibility 1–6.

This is the Admiralty (NATO, STANAG 2511) system that Swedish police intelligence uses for
*källvärdering* (how reliable is the source?) and *informationsvärdering* (how credible is
this piece of information?). Each grade has a Swedish and an English label
(:data:`LABELS`) and a one-line description (:data:`DESCRIPTIONS`), keyed by the grade's
value ("A" … "F", "1" … "6"; the two sets of keys do not overlap).

:func:`signal_weight` turns a grade pair into how much the signal counts when signals are
counted for a risk score. It is a product of two factors, one per axis::

    signal_weight(r, c) = RELIABILITY_FACTOR[r] * CREDIBILITY_FACTOR[c]

    grade        A/1    B/2    C/3    D/4    E/5    F/6
    factor       1.0    0.875  0.75   0.625  0.5    0.5

so A1 counts 1.0 and the lowest pairs (E5, E6, F5, F6) count 0.25. Each step down the
ranked scale A–E (1–5) removes 0.125; "cannot be judged" (F, 6) counts 0.5, the same as
the lowest ranked grade, so material nobody has assessed never counts more than assessed
material, and a better grade never gives a lower weight. No grade makes a signal vanish
(the smallest weight is 0.25): a signal is a reason to look, never evidence, and its
grade only scales how much it counts. The factors are exact binary fractions, so every
weight and every sum of weights is exact in floating point.

Pure: standard library only, no Django.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Final

__all__ = [
    "CREDIBILITY_FACTOR",
    "DESCRIPTIONS",
    "LABELS",
    "RELIABILITY_FACTOR",
    "InformationCredibility",
    "SourceReliability",
    "signal_weight",
]


class SourceReliability(StrEnum):
    """Källvärdering: how reliable the source is, A (best) to F (cannot be judged)."""

    A = "A"
    B = "B"
    C = "C"
    D = "D"
    E = "E"
    F = "F"


class InformationCredibility(StrEnum):
    """Informationsvärdering: how credible the information is, 1 (best) to 6 (cannot be
    judged)."""

    CONFIRMED = "1"
    PROBABLY_TRUE = "2"
    POSSIBLY_TRUE = "3"
    DOUBTFUL = "4"
    IMPROBABLE = "5"
    CANNOT_BE_JUDGED = "6"


LABELS: Final[dict[str, dict[str, str]]] = {
    "A": {"sv": "Fullständigt tillförlitlig", "en": "Completely reliable"},
    "B": {"sv": "Vanligtvis tillförlitlig", "en": "Usually reliable"},
    "C": {"sv": "Ganska tillförlitlig", "en": "Fairly reliable"},
    "D": {"sv": "Vanligtvis inte tillförlitlig", "en": "Not usually reliable"},
    "E": {"sv": "Inte tillförlitlig", "en": "Unreliable"},
    "F": {"sv": "Kan inte bedömas", "en": "Reliability cannot be judged"},
    "1": {"sv": "Bekräftad av andra källor", "en": "Confirmed by other sources"},
    "2": {"sv": "Sannolikt sann", "en": "Probably true"},
    "3": {"sv": "Möjligen sann", "en": "Possibly true"},
    "4": {"sv": "Tveksamt sann", "en": "Doubtful"},
    "5": {"sv": "Osannolik", "en": "Improbable"},
    "6": {"sv": "Kan inte bedömas", "en": "Truth cannot be judged"},
}
"""Label per grade value, in Swedish ("sv") and English ("en")."""

DESCRIPTIONS: Final[dict[str, dict[str, str]]] = {
    "A": {
        "sv": "Ingen tvekan om källans äkthet, pålitlighet och kompetens; "
        "har alltid varit tillförlitlig.",
        "en": "No doubt of the source's authenticity, trustworthiness or competence; "
        "a history of complete reliability.",
    },
    "B": {
        "sv": "Viss tvekan om källans äkthet, pålitlighet eller kompetens; "
        "har för det mesta varit tillförlitlig.",
        "en": "Minor doubt about authenticity, trustworthiness or competence; "
        "a history of mostly valid information.",
    },
    "C": {
        "sv": "Tvekan om källans äkthet, pålitlighet eller kompetens; "
        "har tidigare lämnat tillförlitlig information.",
        "en": "Doubt about authenticity, trustworthiness or competence; "
        "has provided valid information in the past.",
    },
    "D": {
        "sv": "Betydande tvekan om källans äkthet, pålitlighet eller kompetens; "
        "har ibland lämnat tillförlitlig information.",
        "en": "Significant doubt about authenticity, trustworthiness or competence; "
        "has provided valid information now and then.",
    },
    "E": {
        "sv": "Saknar äkthet, pålitlighet och kompetens; har tidigare lämnat felaktig information.",
        "en": "Lacking in authenticity, trustworthiness and competence; "
        "a history of invalid information.",
    },
    "F": {
        "sv": "Det finns inget underlag för att bedöma källans tillförlitlighet.",
        "en": "There is no basis for judging the reliability of the source.",
    },
    "1": {
        "sv": "Bekräftad av andra oberoende källor; logisk i sig och stämmer med annan "
        "information i ämnet.",
        "en": "Confirmed by other independent sources; logical in itself and consistent "
        "with other information on the subject.",
    },
    "2": {
        "sv": "Inte bekräftad; logisk i sig och stämmer med annan information i ämnet.",
        "en": "Not confirmed; logical in itself and consistent with other information "
        "on the subject.",
    },
    "3": {
        "sv": "Inte bekräftad; rimligt logisk och stämmer delvis med annan information i ämnet.",
        "en": "Not confirmed; reasonably logical and agrees with some other information "
        "on the subject.",
    },
    "4": {
        "sv": "Inte bekräftad; möjlig men inte logisk, och annan information talar inte för den.",
        "en": "Not confirmed; possible but not logical, and no other information supports it.",
    },
    "5": {
        "sv": "Inte bekräftad; inte logisk i sig och motsägs av annan information i ämnet.",
        "en": "Not confirmed; not logical in itself and contradicted by other "
        "information on the subject.",
    },
    "6": {
        "sv": "Det finns inget underlag för att bedöma informationens sanningshalt.",
        "en": "There is no basis for judging the truth of the information.",
    },
}
"""One-line description per grade value, in Swedish ("sv") and English ("en")."""

RELIABILITY_FACTOR: Final[dict[SourceReliability, float]] = {
    SourceReliability.A: 1.0,
    SourceReliability.B: 0.875,
    SourceReliability.C: 0.75,
    SourceReliability.D: 0.625,
    SourceReliability.E: 0.5,
    SourceReliability.F: 0.5,
}
"""How much a signal counts for its source's reliability (see the module docstring)."""

CREDIBILITY_FACTOR: Final[dict[InformationCredibility, float]] = {
    InformationCredibility.CONFIRMED: 1.0,
    InformationCredibility.PROBABLY_TRUE: 0.875,
    InformationCredibility.POSSIBLY_TRUE: 0.75,
    InformationCredibility.DOUBTFUL: 0.625,
    InformationCredibility.IMPROBABLE: 0.5,
    InformationCredibility.CANNOT_BE_JUDGED: 0.5,
}
"""How much a signal counts for the information's credibility (see the module docstring)."""

# Every grade pair, keyed by the plain values; StrEnum members hash and compare like their
# values, so lookups work with either.
_WEIGHTS: Final[dict[tuple[str, str], float]] = {
    (r.value, c.value): RELIABILITY_FACTOR[r] * CREDIBILITY_FACTOR[c]
    for r in SourceReliability
    for c in InformationCredibility
}
_RELIABILITY_VALUES: Final[frozenset[str]] = frozenset(r.value for r in SourceReliability)


def signal_weight(
    reliability: SourceReliability | str, credibility: InformationCredibility | str
) -> float:
    """How much one signal counts, in [0.25, 1.0]: the product of the reliability factor
    and the credibility factor. Grades are given as enum members or their values ("A",
    "1"); anything else raises ValueError."""
    try:
        return _WEIGHTS[(reliability, credibility)]
    except (KeyError, TypeError):
        pass
    if not isinstance(reliability, str) or reliability not in _RELIABILITY_VALUES:
        raise ValueError(f"unknown source reliability {reliability!r}: expected A–F")
    raise ValueError(f"unknown information credibility {credibility!r}: expected 1–6")

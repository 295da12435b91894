"""An outside reviewer's attack on a published wave, written apart from the production
check (``surveys/disclosure.py``) so that the attack suite does not test the check with
itself.

The attacker reads only what the wave publishes (``Results.as_dict()``, the form of the
JSON, CSV and API; the PDF is coarser) plus what is assumed public or guessable: the
questionnaire, the invited count per stratum, and — generously — the number of
respondents in every combination of municipality × role × gender × age band. For every
published indicator and every such combination it asks the integer solver for the
smallest and the largest number of hits that fit everything published; an answer is
recovered when every member of a combination must have answered alike.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp

from samverkan.surveys import questionnaire as qn

Atom = tuple[str, str, str, str]
HALF = 0.0005  # published shares have three decimals


def _strata(q: qn.Questionnaire) -> dict[str, str]:
    return {item.stratum: item.id for item in q.items if item.stratum}


def _atom(q: qn.Questionnaire, answer: Mapping[str, Any]) -> Atom:
    ids = _strata(q)
    return tuple(  # type: ignore[return-value]
        str(answer.get(ids[d], "") or "") if d in ids else ""
        for d in ("municipality", "role", "gender", "age_band")
    )


def _weights(
    q: qn.Questionnaire,
    answers: Sequence[Mapping[str, Any]],
    invited: Mapping[tuple[str, str, str], int],
) -> dict[tuple[str, str, str], float]:
    """Post-stratification weights as anyone can recompute them from invited counts and
    respondent counts: (N_h / N) / (n_h / n) over the strata with respondents."""
    sample = Counter(_atom(q, a)[:3] for a in answers)
    covered = [s for s in sample if invited.get(s, 0) > 0]
    n = sum(sample[s] for s in covered)
    big_n = sum(invited[s] for s in covered)
    return {s: (invited[s] / big_n) / (sample[s] / n) for s in covered}


class Attack:
    def __init__(
        self,
        q: qn.Questionnaire,
        answers: Sequence[Mapping[str, Any]],
        published: Mapping[str, Any],
        invited: Mapping[tuple[str, str, str], int],
    ) -> None:
        self.q = q
        self.published = published
        self.sizes = Counter(_atom(q, a) for a in answers)
        self.atoms = sorted(self.sizes)
        weights = _weights(q, answers, invited) if published["weighted"] else {}
        self.weight = {a: weights.get(a[:3], 1.0) for a in self.atoms}
        self.index: dict[tuple[str, Atom], int] = {}
        self.upper: list[float] = []
        self.rows: list[tuple[dict[int, float], float, float]] = []
        self.cap: dict[tuple[str, Atom], tuple[int | None, float]] = {}  # (var, constant)
        self._build()

    # -- unknowns ---------------------------------------------------------------------------
    def _new(self, key: str, atom: Atom, upper: float) -> int:
        self.index[(key, atom)] = len(self.upper)
        self.upper.append(upper)
        return self.index[(key, atom)]

    def _population(self, section: str, item: Mapping[str, Any] | None) -> tuple[str, Any]:
        if section == "exposure":
            return "all", None
        if section in ("consequences", "reporting"):
            return "parent", "any"
        assert item is not None
        if item["population"] == "respondents":
            return "all", None
        if item["population"] == "exposed":
            return "parent", "any"
        if item["population"] == "subset":
            condition = self.q.item(item["key"]).show_if
            assert isinstance(condition, qn.AnswerIn)
            position = ("municipality", "role", "gender", "age_band").index(
                next(d for d, i in _strata(self.q).items() if i == condition.item)
            )
            return "subset", (position, set(condition.values))
        return "parent", item["population"]

    def _build(self) -> None:
        p = self.published
        groups: list[tuple[str, Mapping[str, Any] | None, list[Mapping[str, Any]]]] = [
            ("exposure", None, p["exposure"]),
            ("consequences", None, p["consequences"]),
            ("reporting", None, p["reporting"]),
        ]
        groups += [(i["key"], i, i["indicators"]) for i in p.get("items", [])]
        self.indicators: list[tuple[str, list[Mapping[str, Any]]]] = []
        for section, item, indicators in groups:
            kind, detail = self._population(section, item)
            for indicator in indicators:
                key = indicator["key"]
                for atom in self.atoms:
                    size = self.sizes[atom]
                    if kind == "all":
                        self.cap[(key, atom)] = (None, size)
                    elif kind == "subset":
                        position, values = detail
                        if atom[position] not in values:
                            continue
                        self.cap[(key, atom)] = (None, size)
                    else:
                        parent = self.index.get((detail, atom))
                        if parent is None:
                            continue
                        self.cap[(key, atom)] = (parent, 0.0)
                    v = self._new(key, atom, size)
                    parent_var = self.cap[(key, atom)][0]
                    if parent_var is not None:
                        self.rows.append(({v: 1.0, parent_var: -1.0}, -np.inf, 0.0))
                self.indicators.append((key, [indicator]))
                self._published(key, indicator)
        self._logic()
        if p.get("exposed_respondents") is not None:
            terms = {self.index[("any", a)]: 1.0 for a in self.atoms if ("any", a) in self.index}
            n = float(p["exposed_respondents"])
            self.rows.append((terms, n, n))

    def _cap_terms(
        self, key: str, atoms: Sequence[Atom], scale: Mapping[Atom, float]
    ) -> tuple[dict[int, float], float]:
        terms: dict[int, float] = {}
        constant = 0.0
        for a in atoms:
            var, value = self.cap[(key, a)]
            if var is None:
                constant += scale[a] * value
            else:
                terms[var] = terms.get(var, 0.0) + scale[a]
        return terms, constant

    def _published(self, key: str, indicator: Mapping[str, Any]) -> None:
        t = self.published["few_threshold"]
        dims = ("municipality", "role", "gender", "age_band")
        estimates = [(indicator["overall"], self.atoms)]
        for dim, listed in indicator["by"].items():
            position = dims.index(dim)
            for e in listed:
                estimates.append((e, [a for a in self.atoms if a[position] == e["category"]]))
        ones = {a: 1.0 for a in self.atoms}
        for e, atoms in estimates:
            atoms = [a for a in atoms if (key, a) in self.index]
            if e["suppressed"] or not atoms:
                continue
            x = {self.index[(key, a)]: 1.0 for a in atoms}
            caps, constant = self._cap_terms(key, atoms, ones)
            if e["n"] is not None and caps:
                self.rows.append((caps, e["n"] - constant, e["n"] - constant))
            if e["few_hits"]:
                self.rows.append((x, -np.inf, t - 1))
            if e["few_non_hits"]:
                terms = dict(caps)
                for v in x:
                    terms[v] = terms.get(v, 0.0) - 1.0
                self.rows.append((terms, -np.inf, t - 1 - constant))
            for share, scale in ((e["share"], ones), (e["weighted_share"], self.weight)):
                if share is None:
                    continue
                for bound, sign in ((share - HALF, 1.0), (share + HALF, -1.0)):
                    terms = {self.index[(key, a)]: sign * scale[a] for a in atoms}
                    cap_terms, cap_constant = self._cap_terms(key, atoms, scale)
                    for v, c in cap_terms.items():
                        terms[v] = terms.get(v, 0.0) - sign * bound * c
                    self.rows.append((terms, sign * bound * cap_constant, np.inf))

    def _logic(self) -> None:
        """What the questionnaire itself tells: 'any' is the union of the forms; single
        choices exclude each other; exclusive options; required multiple choices."""
        analysis = self.q.analysis
        for atom in self.atoms:
            if ("any", atom) in self.index:
                whole = self.index[("any", atom)]
                parts = [
                    self.index[(i, atom)]
                    for i in analysis.exposure_items
                    if (i, atom) in self.index
                ]
                for part in parts:
                    self.rows.append(({part: 1.0, whole: -1.0}, -np.inf, 0.0))
                terms = {part: 1.0 for part in parts}
                terms[whole] = -1.0
                self.rows.append((terms, 0.0, np.inf))
            for item in self.q.items:
                keys = [f"{item.id}__{o.value}" for o in item.options]
                present = [k for k in keys if (k, atom) in self.index]
                if not present or item.type is qn.ItemType.MATRIX:
                    continue
                var, constant = self.cap[(present[0], atom)]
                terms = {self.index[(k, atom)]: 1.0 for k in present}
                if var is not None:
                    terms[var] = terms.get(var, 0.0) - 1.0
                if item.type in (qn.ItemType.SINGLE, qn.ItemType.SCALE):
                    high = constant
                    low = constant if item.required else -np.inf
                    self.rows.append((terms, low, high))
                elif item.type is qn.ItemType.MULTIPLE:
                    if item.required:
                        self.rows.append((terms, constant, np.inf))
                    for option in item.options:
                        own = f"{item.id}__{option.value}"
                        if option.exclusive and (own, atom) in self.index:
                            for other in present:
                                if other == own:
                                    continue
                                pair = {
                                    self.index[(own, atom)]: 1.0,
                                    self.index[(other, atom)]: 1.0,
                                }
                                if var is not None:
                                    pair[var] = pair.get(var, 0.0) - 1.0
                                self.rows.append((pair, -np.inf, constant))

    # -- solving ----------------------------------------------------------------------------
    def _extreme(self, objective: dict[int, float]) -> float | None:
        n = len(self.upper)
        c = np.zeros(n)
        for v, w in objective.items():
            c[v] += w
        matrix = np.zeros((len(self.rows), n))
        lows = np.empty(len(self.rows))
        highs = np.empty(len(self.rows))
        for r, (terms, low, high) in enumerate(self.rows):
            for v, w in terms.items():
                matrix[r, v] += w
            # Published intervals, widened a hair so the attacker never rules out the truth.
            lows[r] = low - 1e-7 if np.isfinite(low) else -np.inf
            highs[r] = high + 1e-7 if np.isfinite(high) else np.inf
        result = milp(
            c,
            constraints=[LinearConstraint(matrix, lows, highs)] if self.rows else [],
            integrality=np.ones(n),
            bounds=Bounds(np.zeros(n), np.asarray(self.upper)),
        )
        assert result.status == 0, result.message  # the truth is always feasible
        return float(result.fun)

    def recovered(self, atoms: Sequence[Atom] | None = None) -> list[tuple[str, Atom, str]]:
        """Every (indicator, combination, how) whose members' answers follow with certainty."""
        found = []
        for key, _ in self.indicators:
            for atom in atoms if atoms is not None else self.atoms:
                if (key, atom) not in self.index:
                    continue
                x = self.index[(key, atom)]
                var, constant = self.cap[(key, atom)]
                most = -self._extreme({x: -1.0})
                if most is not None and most < 0.5:
                    found.append((key, atom, "nobody"))
                    continue
                # the largest number of members without the answer
                slack = {x: 1.0} if var is None else {x: 1.0, var: -1.0}
                least = self._extreme(slack)  # min(x - cap)
                if least is not None and (least + (-constant if var is None else 0.0)) > -0.5:
                    found.append((key, atom, "everyone"))
        return found

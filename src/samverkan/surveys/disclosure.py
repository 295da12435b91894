"""The attacker's view of a published survey wave: can any respondent's answer be worked
out with certainty from everything that is published? Pure computation: imports no Django.

The model is deliberately generous to the attacker (see ADR 0010):

* the attacker knows, for every *atom* (a combination of municipality, role, gender and
  age band that occurs among the respondents), how many respondents it holds, and the
  post-stratification weight of each atom (weights follow from the invited counts per
  stratum, which are public, and the respondent counts);
* the unknowns are the integer hit counts ``x[j, a]`` of every published indicator ``j`` in
  every atom ``a``, with ``0 <= x[j, a] <= cap[j, a]``; the cap is the atom's size, or for
  an indicator published among a sub-population (e.g. "among the exposed") the hit count of
  the indicator that defines that sub-population, itself an unknown;
* every published figure is a linear constraint on the unknowns; rounded figures are
  interval constraints (a share published as 0.123 means ``0.1225 <= x / n <= 0.1235``);
* questionnaire logic the attacker can read is a constraint too (an exclusive option, a
  required multiple choice, "exposed to anything" being the union of the forms of exposure).

A respondent's answer to indicator ``j`` is *disclosed* when, in the respondent's atom, the
hit count is forced to 0 or forced to its cap: then every member of the atom (with the
atom's size known, possibly a single person) is known to have answered the same.

:func:`disclosed` decides that by integer feasibility with HiGHS (``scipy.optimize.milp``).
It starts from the true counts (which satisfy every constraint and certify "not forced" for
many atoms at once), collects further integer solutions that push the uncertified sides
(many at once, per connected block of unknowns), and only then asks, side by side, whether
the remaining ones can move at all. Every solution the solver returns is checked exactly
against the published intervals before it counts as a certificate; the solver itself works
on slightly narrowed intervals. Both choices can only report more disclosures, never fewer.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import csr_array

__all__ = ["Model", "disclosed"]

_SHRINK = 1e-6  # relative narrowing of every interval handed to the solver
_VERIFY = 1e-9  # tolerance of the exact check of a returned solution
BATCH_NODES = 50  # branch-and-bound nodes per batched certification round
_ROUNDS = 3  # batched certification rounds per block before the side-by-side solves
NODE_LIMIT = 1_000  # branch-and-bound nodes per solver call: the deterministic work limit
OPEN_LIMIT = 300  # sides left for side-by-side solves beyond which the check gives up
OPEN_WORK = 200_000  # ... and sides times unknowns of their block beyond which it gives up


@dataclass
class _Target:
    key: Hashable
    var: int
    cap_const: int | None  # the cap when it is a known number
    cap_var: int | None  # the cap when it is an unknown


@dataclass
class Model:
    """Unknown integer counts, the linear constraints on them and the counts to protect."""

    upper: list[int] = field(default_factory=list)
    truth: list[int] = field(default_factory=list)
    rows: list[tuple[dict[int, float], float, float]] = field(default_factory=list)
    targets: list[_Target] = field(default_factory=list)

    def variable(self, *, upper: int, truth: int) -> int:
        """A new unknown count in ``[0, upper]`` whose true value is ``truth``."""
        if not 0 <= truth <= upper:
            raise ValueError(f"true value {truth} outside [0, {upper}]")
        self.upper.append(upper)
        self.truth.append(truth)
        return len(self.upper) - 1

    def constrain(self, coefficients: Mapping[int, float], low: float, high: float) -> None:
        """``low <= sum(c * x) <= high`` (use ``-inf`` / ``inf`` for one-sided rows)."""
        terms = {v: float(c) for v, c in coefficients.items() if c != 0}
        if not terms:
            return
        self.rows.append((terms, float(low), float(high)))

    def protect(
        self, key: Hashable, var: int, *, cap: int | None = None, cap_var: int | None = None
    ) -> None:
        """Report ``key`` when ``var`` is forced to 0 or to its cap (a number or an unknown)."""
        if (cap is None) == (cap_var is None):
            raise ValueError("give exactly one of cap and cap_var")
        self.targets.append(_Target(key, var, cap, cap_var))


Move = Mapping[int, int]


def disclosed(
    model: Model,
    *,
    time_limit: float = 2.0,
    budget: float = 20.0,
    moves: Callable[[Hashable, str], Iterable[Move]] | None = None,
    timed_out: list[bool] | None = None,
    node_limit: int = NODE_LIMIT,
    open_limit: int = OPEN_LIMIT,
) -> set[Hashable]:
    """The keys of the protected counts that the constraints force to 0 or to their cap.

    The work is bounded deterministically, so that the same wave gives the same answer on
    any machine: ``node_limit`` branch-and-bound nodes per solver call, and at most
    ``open_limit`` sides (per block, and at most ``OPEN_WORK`` sides times the block's
    unknowns) left for side-by-side solves after the certificates.
    ``time_limit`` (one solver call) and ``budget`` (the whole check), in seconds, are
    safety nets only. A side that is neither certified nor refuted within these limits
    counts as forced: running out of work can only hide more; ``timed_out`` (when given)
    then gets ``True`` appended and the check stops at once, every side still open
    counting as forced, so that the caller can tell sides refuted by the solver from a
    publication too large to settle."""
    deadline = time.monotonic() + budget
    if not model.targets:
        return set()
    truth = np.asarray(model.truth, dtype=float)
    if not _satisfies(model, model.rows, truth):
        raise ValueError("the true counts violate the published constraints")
    # Sides still to certify: (target index, "some") needs x >= 1, "not_all" needs x <= cap - 1.
    open_sides: set[tuple[int, str]] = set()
    for index in range(len(model.targets)):
        open_sides |= {(index, side) for side in ("some", "not_all")}
    _certify(model, truth, open_sides)
    if moves is not None and open_sides:
        _local(model, truth, open_sides, moves)
    if not open_sides:
        return set()
    found: set[Hashable] = set()
    for block_vars, block_rows in _blocks(model):
        sides = {s for s in open_sides if model.targets[s[0]].var in block_vars}
        if sides:
            found |= _solve_block(
                model,
                block_vars,
                block_rows,
                sides,
                time_limit,
                deadline,
                timed_out,
                node_limit=node_limit,
                open_limit=open_limit,
            )
            if timed_out:
                # Out of work: the remaining blocks are not asked; their open sides count
                # as forced (the caller falls back to a smaller publication anyway).
                found |= {model.targets[i].key for i, _ in open_sides}
                break
    return found


def _local(
    model: Model,
    truth: np.ndarray,
    open_sides: set[tuple[int, str]],
    moves: Callable[[Hashable, str], Iterable[Move]],
) -> None:
    """Certify open sides by small moves away from the true counts that the caller
    proposes (e.g. a hit moved between atoms and back along a cycle that leaves every
    published margin unchanged), each checked exactly against every constraint."""
    var_rows: list[list[tuple[int, float]]] = [[] for _ in model.upper]
    for r, (terms, _, _) in enumerate(model.rows):
        for v, c in terms.items():
            var_rows[v].append((r, c))
    activity = [sum(c * truth[v] for v, c in terms.items()) for terms, _, _ in model.rows]
    touching: dict[int, list[int]] = {}
    for index, target in enumerate(model.targets):
        touching.setdefault(target.var, []).append(index)
        if target.cap_var is not None:
            touching.setdefault(target.cap_var, []).append(index)
    for index, side in sorted(open_sides):
        if (index, side) not in open_sides:
            continue
        for move in moves(model.targets[index].key, side):
            if not all(0 <= truth[v] + d <= model.upper[v] for v, d in move.items()):
                continue
            delta: dict[int, float] = {}
            for v, d in move.items():
                for r, c in var_rows[v]:
                    delta[r] = delta.get(r, 0.0) + c * d
            ok = True
            for r, change in delta.items():
                _, low, high = model.rows[r]
                value = activity[r] + change
                scale = 1.0 + max(
                    abs(low) if np.isfinite(low) else 0.0, abs(high) if np.isfinite(high) else 0.0
                )
                if value < low - _VERIFY * scale or value > high + _VERIFY * scale:
                    ok = False
                    break
            if not ok:
                continue
            moved = truth.copy()
            for v, d in move.items():
                moved[v] += d
            affected = {
                (i, s)
                for v in move
                for i in touching.get(v, [])
                for s in ("some", "not_all")
                if (i, s) in open_sides
            }
            _certify(model, moved, affected)
            certified = {
                (i, s)
                for v in move
                for i in touching.get(v, [])
                for s in ("some", "not_all")
                if (i, s) in open_sides and (i, s) not in affected
            }
            open_sides -= certified
            if (index, side) not in open_sides:
                break


def _certify(model: Model, values: np.ndarray, open_sides: set[tuple[int, str]]) -> int:
    """Remove from ``open_sides`` those the solution ``values`` shows not forced."""
    done = set()
    for index, side in open_sides:
        target = model.targets[index]
        x = values[target.var]
        cap = (
            float(target.cap_const)
            if target.cap_const is not None
            else float(values[target.cap_var])
        )
        if (side == "some" and x >= 1) or (side == "not_all" and x <= cap - 1):
            done.add((index, side))
    open_sides -= done
    return len(done)


def _satisfies(
    model: Model, rows: Iterable[tuple[dict[int, float], float, float]], values: np.ndarray
) -> bool:
    if np.any(values < -_VERIFY) or np.any(values > np.asarray(model.upper) + _VERIFY):
        return False
    for terms, low, high in rows:
        activity = sum(c * values[v] for v, c in terms.items())
        scale = 1.0 + max(
            abs(low) if np.isfinite(low) else 0.0, abs(high) if np.isfinite(high) else 0.0
        )
        if activity < low - _VERIFY * scale or activity > high + _VERIFY * scale:
            return False
    return True


def _blocks(model: Model) -> list[tuple[set[int], list[int]]]:
    """Connected blocks of unknowns (linked by a constraint or a target's cap), each with
    the indices of its rows; blocks are solved independently."""
    parent = list(range(len(model.upper)))

    def find(v: int) -> int:
        while parent[v] != v:
            parent[v] = parent[parent[v]]
            v = parent[v]
        return v

    def union(a: int, b: int) -> None:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)

    for terms, _, _ in model.rows:
        first = next(iter(terms))
        for v in terms:
            union(first, v)
    for target in model.targets:
        if target.cap_var is not None:
            union(target.var, target.cap_var)
    members: dict[int, set[int]] = {}
    for v in range(len(model.upper)):
        members.setdefault(find(v), set()).add(v)
    rows: dict[int, list[int]] = {}
    for r, (terms, _, _) in enumerate(model.rows):
        rows.setdefault(find(next(iter(terms))), []).append(r)
    return [(members[root], rows.get(root, [])) for root in sorted(members)]


def _solve_block(
    model: Model,
    block_vars: set[int],
    block_rows: list[int],
    sides: set[tuple[int, str]],
    time_limit: float,
    deadline: float,
    timed_out: list[bool] | None = None,
    *,
    node_limit: int = NODE_LIMIT,
    open_limit: int = OPEN_LIMIT,
) -> set[Hashable]:
    """The keys of the block's ``sides`` that are forced, or (after a work limit, which
    is then appended to ``timed_out``) not settled."""
    order = sorted(block_vars)
    local = {v: i for i, v in enumerate(order)}
    n = len(order)
    upper = np.asarray([model.upper[v] for v in order], dtype=float)
    data: list[float] = []
    row_idx: list[int] = []
    col_idx: list[int] = []
    lows: list[float] = []
    highs: list[float] = []
    for r_local, r in enumerate(block_rows):
        terms, low, high = model.rows[r]
        for v, c in terms.items():
            row_idx.append(r_local)
            col_idx.append(local[v])
            data.append(c)
        lo, hi = _solver_interval(terms, low, high)
        lows.append(lo)
        highs.append(hi)
    base_rows = len(block_rows)
    matrix = csr_array((data, (row_idx, col_idx)), shape=(max(base_rows, 1), n))
    if not base_rows:
        lows, highs = [-np.inf], [np.inf]
    bounds = Bounds(np.zeros(n), upper)
    integrality = np.ones(n)
    all_rows = [model.rows[r] for r in block_rows]

    def solve(
        objective: np.ndarray,
        extra: tuple[np.ndarray, float, float] | None,
        limit: float,
        *,
        flag: bool = True,
        nodes: int = node_limit,
    ) -> np.ndarray | None:
        constraints = [LinearConstraint(matrix, np.asarray(lows), np.asarray(highs))]
        if extra is not None:
            constraints.append(LinearConstraint(extra[0].reshape(1, -1), [extra[1]], [extra[2]]))
        result = milp(
            objective,
            constraints=constraints,
            integrality=integrality,
            bounds=bounds,
            options={"time_limit": limit, "node_limit": nodes, "presolve": True},
        )
        if result.x is None:
            if result.status == 1 and flag and timed_out is not None:  # a limit, not infeasible
                timed_out.append(True)
            return None
        values = np.zeros(len(model.upper))
        rounded = np.round(result.x)
        for i, v in enumerate(order):
            values[v] = rounded[i]
        extra_rows = []
        if extra is not None:
            extra_rows = [({order[i]: c for i, c in enumerate(extra[0]) if c}, extra[1], extra[2])]
        if not _satisfies_block(model, all_rows + extra_rows, values, order):
            return None
        return values

    def side_vector(index: int, side: str) -> np.ndarray:
        target = model.targets[index]
        vector = np.zeros(n)
        if side == "some":
            vector[local[target.var]] += 1.0
        else:
            vector[local[target.var]] -= 1.0
            if target.cap_var is not None:
                vector[local[target.cap_var]] += 1.0
        return vector

    # Batched rounds: one solution that moves every open side in its direction at once.
    for _ in range(_ROUNDS):
        if not sides:
            return set()
        if time.monotonic() > deadline:
            break
        objective = np.zeros(n)
        for index, side in sorted(sides, key=_side_order):
            objective -= side_vector(index, side)  # milp minimises
        # A batched round that runs out of work only ends the rounds: the sides it did not
        # certify are still asked one by one below.
        values = solve(objective, None, time_limit, flag=False, nodes=min(node_limit, BATCH_NODES))
        if values is None or not _certify(model, values, sides):
            break

    def give_up() -> set[Hashable]:
        # Out of work: every side still open counts as forced, and the caller is told.
        if timed_out is not None and not timed_out:
            timed_out.append(True)
        return found | {model.targets[index].key for index, _ in sides}

    found: set[Hashable] = set()
    if len(sides) > open_limit or len(sides) * n > OPEN_WORK:
        return give_up()  # too many sides (or too large a block) for one-by-one solves
    # Side by side: is there any solution with this side moved?
    for index, side in sorted(sides, key=_side_order):
        if (index, side) not in sides:
            continue  # certified meanwhile
        vector = side_vector(index, side)
        target = model.targets[index]
        left = deadline - time.monotonic()
        if left <= 0:
            return give_up()
        if side == "some":
            extra = (vector, 1.0, np.inf)
        else:
            cap_const = target.cap_const if target.cap_const is not None else 0
            extra = (vector, 1.0 - cap_const, np.inf)
        values = solve(np.zeros(n), extra, min(time_limit, left))
        if values is None and timed_out:
            return give_up()
        if values is None:
            found.add(target.key)
            sides.discard((index, side))
            continue
        _certify(model, values, sides)
        if (index, side) in sides:  # the solver's answer did not hold up: count it as forced
            found.add(target.key)
            sides.discard((index, side))
    return found


def _solver_interval(terms: Mapping[int, float], low: float, high: float) -> tuple[float, float]:
    """The interval handed to the solver: with integer coefficients the bounds are rounded
    inwards to integers (exact, the activity is an integer); otherwise they are narrowed by
    a relative margin so that the solver's tolerance cannot widen the published interval."""
    if all(float(c).is_integer() for c in terms.values()):
        lo = float(np.ceil(low - _VERIFY)) if np.isfinite(low) else -np.inf
        hi = float(np.floor(high + _VERIFY)) if np.isfinite(high) else np.inf
        return lo, hi
    scale = 1.0 + max(
        abs(low) if np.isfinite(low) else 0.0, abs(high) if np.isfinite(high) else 0.0
    )
    lo = low + _SHRINK * scale if np.isfinite(low) else -np.inf
    hi = high - _SHRINK * scale if np.isfinite(high) else np.inf
    if lo > hi:  # narrower than the margin: keep the midpoint
        lo = hi = (low + high) / 2
    return lo, hi


def _side_order(side: tuple[int, str]) -> tuple[int, str]:
    return side


def _satisfies_block(
    model: Model,
    rows: list[tuple[dict[int, float], float, float]],
    values: np.ndarray,
    order: list[int],
) -> bool:
    for v in order:
        if values[v] < 0 or values[v] > model.upper[v]:
            return False
    return _satisfies_rows(rows, values)


def _satisfies_rows(rows: list[tuple[dict[int, float], float, float]], values: np.ndarray) -> bool:
    for terms, low, high in rows:
        activity = sum(c * values[v] for v, c in terms.items())
        scale = 1.0 + max(
            abs(low) if np.isfinite(low) else 0.0, abs(high) if np.isfinite(high) else 0.0
        )
        if activity < low - _VERIFY * scale or activity > high + _VERIFY * scale:
            return False
    return True


def feasible(model: Model, *, time_limit: float = 20.0) -> bool:
    """Whether some integer counts satisfy every constraint (checked exactly)."""
    n = len(model.upper)
    if n == 0:
        return True
    data, rows, cols, lows, highs = [], [], [], [], []
    for r, (terms, low, high) in enumerate(model.rows):
        for v, c in terms.items():
            rows.append(r)
            cols.append(v)
            data.append(c)
        lo, hi = _solver_interval(terms, low, high)
        lows.append(lo)
        highs.append(hi)
    constraints = []
    if model.rows:
        matrix = csr_array((data, (rows, cols)), shape=(len(model.rows), n))
        constraints.append(LinearConstraint(matrix, np.asarray(lows), np.asarray(highs)))
    result = milp(
        np.zeros(n),
        constraints=constraints,
        integrality=np.ones(n),
        bounds=Bounds(np.zeros(n), np.asarray(model.upper, dtype=float)),
        options={"time_limit": time_limit},
    )
    if result.x is None:
        return False
    return _satisfies(model, model.rows, np.round(result.x))

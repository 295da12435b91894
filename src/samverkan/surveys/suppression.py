"""Small-group protection for published survey tables. Pure computation: imports no Django
and nothing outside the standard library.

Two-way tables
--------------
A :class:`CountTable` is published with its cells, its row totals, its column totals and
its grand total. :func:`suppress` hides values so that no group smaller than ``k`` can be
read from the table:

1. *Primary suppression*: every cell and every total (row, column or grand) with
   ``0 < count < k``. Zeros are published: a zero says nobody is in the group, and hiding
   zeros would hide most of a sparse table without protecting anyone identifiable.
2. *Complementary suppression*: think of the table with its totals as an
   (R+1)×(C+1) grid whose last column holds the row totals, whose last row holds the column
   totals and whose corner is the grand total. Every line of that grid (each row, each
   column, the row of column totals and the column of row totals) carries one equation:
   the entries sum to the line's total. A line with exactly one hidden entry gives that
   entry away, so each such line gets a second hidden entry: the smallest visible one,
   preferring cells to the line's own total, and entries with a positive count to zeros
   (hiding a zero beside a small count adds little: the two hidden entries together would
   still reveal the small count). Ties go to the first entry in table order. This is
   repeated until every line has none or at least two hidden entries.
3. Two hidden entries per line is necessary but not sufficient: a combination of several
   lines' equations can still isolate a hidden value (two blocks of hidden cells joined by
   a single hidden cell give that cell away). Seen as a graph with the grid's lines as
   nodes and hidden entries as edges, a hidden value is determined exactly when its edge
   is a bridge (lies on no cycle). For each such bridge the cheapest visible entry that
   closes a cycle through it is hidden too, by the same preferences as in step 2, and steps
   2–3 repeat until nothing is determined.

:func:`check_unrecoverable` verifies a published table independently of that graph
argument, with exact rational Gaussian elimination over the table's linear equations.

Entries are addressed by :data:`Key` pairs ``(row, column)``, where ``None`` stands for
"total": ``(row, None)`` is a row total, ``(None, column)`` a column total and
``(None, None)`` the grand total.

One-way breakdowns
------------------
:func:`suppress_breakdown` protects a breakdown whose total is published (e.g. respondents
by gender): categories with ``0 < count < k`` are hidden, and if that leaves exactly one
hidden category, the smallest visible one (positive counts first) is hidden as well.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import TypeAlias

__all__ = [
    "CountTable",
    "Key",
    "Suppressed",
    "check_unrecoverable",
    "mask",
    "suppress",
    "suppress_breakdown",
]

Key: TypeAlias = tuple[str | None, str | None]
"""``(row, column)``; ``None`` in either place means the total over that dimension."""

_Pos: TypeAlias = tuple[int, int]  # (i, j) in the (R+1)×(C+1) grid; i == R / j == C are the totals.


@dataclass(frozen=True)
class CountTable:
    """A two-way table of non-negative counts. Totals are derived from the cells.

    ``counts[i][j]`` is the count for ``rows[i]`` × ``columns[j]``.
    """

    rows: tuple[str, ...]
    columns: tuple[str, ...]
    counts: tuple[tuple[int, ...], ...]

    def __post_init__(self) -> None:
        if not self.rows or not self.columns:
            raise ValueError("a table needs at least one row and one column")
        for name, labels in (("row", self.rows), ("column", self.columns)):
            if len(set(labels)) != len(labels):
                raise ValueError(f"duplicate {name} labels in {labels!r}")
            for label in labels:
                if not isinstance(label, str):
                    raise ValueError(f"{name} labels must be strings, got {label!r}")
        if len(self.counts) != len(self.rows):
            raise ValueError(f"{len(self.rows)} rows but {len(self.counts)} rows of counts")
        for label, line in zip(self.rows, self.counts, strict=True):
            if len(line) != len(self.columns):
                raise ValueError(
                    f"row {label!r} has {len(line)} counts for {len(self.columns)} columns"
                )
            for count in line:
                if isinstance(count, bool) or not isinstance(count, int) or count < 0:
                    raise ValueError(f"counts must be non-negative integers, got {count!r}")

    @classmethod
    def from_cells(
        cls,
        cells: Mapping[tuple[str, str], int],
        *,
        rows: Sequence[str] | None = None,
        columns: Sequence[str] | None = None,
    ) -> CountTable:
        """Build a table from ``{(row, column): count}``; missing combinations count 0.

        Row and column order is ``rows``/``columns`` when given, else first appearance.
        """
        row_order = list(rows) if rows is not None else list(dict.fromkeys(r for r, _ in cells))
        col_order = (
            list(columns) if columns is not None else list(dict.fromkeys(c for _, c in cells))
        )
        row_index = {label: i for i, label in enumerate(row_order)}
        col_index = {label: j for j, label in enumerate(col_order)}
        grid = [[0] * len(col_order) for _ in row_order]
        for (row, column), count in cells.items():
            if row not in row_index:
                raise ValueError(f"cell {(row, column)!r}: unknown row {row!r}")
            if column not in col_index:
                raise ValueError(f"cell {(row, column)!r}: unknown column {column!r}")
            grid[row_index[row]][col_index[column]] = count
        return cls(tuple(row_order), tuple(col_order), tuple(tuple(line) for line in grid))

    @property
    def row_totals(self) -> tuple[int, ...]:
        return tuple(sum(line) for line in self.counts)

    @property
    def column_totals(self) -> tuple[int, ...]:
        return tuple(sum(column) for column in zip(*self.counts, strict=True))

    @property
    def grand_total(self) -> int:
        return sum(self.row_totals)

    def entries(self) -> list[Key]:
        """Every published entry: cells row by row, then row totals, column totals, grand."""
        keys: list[Key] = [(r, c) for r in self.rows for c in self.columns]
        keys += [(r, None) for r in self.rows]
        keys += [(None, c) for c in self.columns]
        keys.append((None, None))
        return keys

    def value(self, key: Key) -> int:
        i, j = self._position(key)
        return self._grid()[i][j]

    def _position(self, key: Key) -> _Pos:
        row, column = key
        try:
            i = len(self.rows) if row is None else self.rows.index(row)
            j = len(self.columns) if column is None else self.columns.index(column)
        except ValueError:
            raise KeyError(key) from None
        return i, j

    def _key(self, pos: _Pos) -> Key:
        i, j = pos
        return (
            self.rows[i] if i < len(self.rows) else None,
            self.columns[j] if j < len(self.columns) else None,
        )

    def _grid(self) -> list[list[int]]:
        """The (R+1)×(C+1) grid of cells with the totals in the last row and column."""
        grid = [[*line, total] for line, total in zip(self.counts, self.row_totals, strict=True)]
        grid.append([*self.column_totals, self.grand_total])
        return grid


@dataclass(frozen=True)
class Suppressed:
    """A table as published: each value, or None where it is suppressed.

    ``primary`` holds the entries hidden because they are small, ``complementary`` those
    hidden only to protect them. The dictionaries are snapshots; treat them as read-only.
    """

    rows: tuple[str, ...]
    columns: tuple[str, ...]
    k: int
    cells: dict[tuple[str, str], int | None]
    row_totals: dict[str, int | None]
    column_totals: dict[str, int | None]
    grand_total: int | None
    primary: frozenset[Key]
    complementary: frozenset[Key]

    @property
    def suppressed(self) -> frozenset[Key]:
        """Every hidden entry, totals included."""
        return self.primary | self.complementary

    @property
    def suppressed_cells(self) -> frozenset[tuple[str, str]]:
        """The hidden inner cells ``(row, column)``, without the totals."""
        return frozenset(key for key, value in self.cells.items() if value is None)

    def value(self, key: Key) -> int | None:
        """The published value of any entry (see :data:`Key`); None when suppressed."""
        row, column = key
        if row is None:
            return self.grand_total if column is None else self.column_totals[column]
        if column is None:
            return self.row_totals[row]
        return self.cells[(row, column)]


def mask(
    table: CountTable,
    primary: Iterable[Key],
    complementary: Iterable[Key] = (),
    *,
    k: int,
) -> Suppressed:
    """Publish ``table`` with the given entries hidden, without any further checks.

    :func:`suppress` ends here; callers and tests can use it to publish a pattern of their
    own, e.g. to check it with :func:`check_unrecoverable`.
    """
    primary_set = frozenset(primary)
    complementary_set = frozenset(complementary) - primary_set
    hidden = primary_set | complementary_set
    for key in hidden:
        table._position(key)  # raises KeyError for unknown entries

    def shown(key: Key) -> int | None:
        return None if key in hidden else table.value(key)

    return Suppressed(
        rows=table.rows,
        columns=table.columns,
        k=k,
        cells={(r, c): shown((r, c)) for r in table.rows for c in table.columns},
        row_totals={r: shown((r, None)) for r in table.rows},
        column_totals={c: shown((None, c)) for c in table.columns},
        grand_total=shown((None, None)),
        primary=primary_set,
        complementary=complementary_set,
    )


def suppress(table: CountTable | Mapping[tuple[str, str], int], k: int) -> Suppressed:
    """Protect a two-way table with its totals; see the module docstring for the rules.

    ``table`` is a :class:`CountTable` or a ``{(row, column): count}`` mapping (see
    :meth:`CountTable.from_cells`). ``k`` is the smallest group size that may be shown.
    """
    if isinstance(k, bool) or not isinstance(k, int) or k < 1:
        raise ValueError(f"k must be a positive integer, got {k!r}")
    if not isinstance(table, CountTable):
        table = CountTable.from_cells(table)
    grid = table._grid()
    n_rows, n_cols = len(grid), len(grid[0])
    primary = {(i, j) for i in range(n_rows) for j in range(n_cols) if 0 < grid[i][j] < k}
    hidden = set(primary)
    _protect(grid, hidden)
    return mask(
        table,
        (table._key(p) for p in sorted(primary)),
        (table._key(p) for p in sorted(hidden - primary)),
        k=k,
    )


def _protect(grid: list[list[int]], hidden: set[_Pos]) -> None:
    """Add complementary suppressions to ``hidden`` until no hidden value is determined."""
    while True:
        _two_per_line(grid, hidden)
        bridges = _bridges(len(grid), len(grid[0]), hidden)
        if not bridges:
            return
        hidden.add(_close_cycle(grid, hidden, min(bridges)))


def _preference(grid: list[list[int]], pos: _Pos) -> tuple[int, bool, int, int, int]:
    """Sort key for complementary candidates: cells before totals before the grand total,
    positive counts before zeros, then the smallest count, then table order."""
    i, j = pos
    kind = (i == len(grid) - 1) + (j == len(grid[0]) - 1)
    return kind, grid[i][j] == 0, grid[i][j], i, j


def _two_per_line(grid: list[list[int]], hidden: set[_Pos]) -> None:
    """Give every line of the grid with exactly one hidden entry a second one."""
    n_rows, n_cols = len(grid), len(grid[0])
    lines = [[(i, j) for j in range(n_cols)] for i in range(n_rows)]
    lines += [[(i, j) for i in range(n_rows)] for j in range(n_cols)]
    changed = True
    while changed:
        changed = False
        for line in lines:
            if sum(pos in hidden for pos in line) != 1:
                continue
            # The line's own total is its last entry; _preference puts it last among
            # the line's entries because it has a higher "kind" than the others in the line.
            visible = [pos for pos in line if pos not in hidden]
            hidden.add(min(visible, key=lambda pos: _preference(grid, pos)))
            changed = True


def _bridges(n_rows: int, n_cols: int, hidden: set[_Pos]) -> set[_Pos]:
    """Hidden entries that lie on no cycle of the line graph: exactly the determined ones.

    Nodes are the grid's rows (0..n_rows-1) and columns (n_rows..n_rows+n_cols-1); each
    hidden entry (i, j) is an edge between row i and column j. Iterative Tarjan.
    """
    n_nodes = n_rows + n_cols
    adjacency: list[list[tuple[int, _Pos]]] = [[] for _ in range(n_nodes)]
    for i, j in sorted(hidden):
        adjacency[i].append((n_rows + j, (i, j)))
        adjacency[n_rows + j].append((i, (i, j)))
    discovered = [-1] * n_nodes
    low = [0] * n_nodes
    timer = 0
    bridges: set[_Pos] = set()
    for start in range(n_nodes):
        if discovered[start] != -1 or not adjacency[start]:
            continue
        discovered[start] = low[start] = timer
        timer += 1
        stack: list[tuple[int, _Pos | None, int]] = [(start, None, 0)]
        while stack:
            node, via, next_index = stack[-1]
            if next_index < len(adjacency[node]):
                stack[-1] = (node, via, next_index + 1)
                neighbour, edge = adjacency[node][next_index]
                if edge == via:
                    continue
                if discovered[neighbour] == -1:
                    discovered[neighbour] = low[neighbour] = timer
                    timer += 1
                    stack.append((neighbour, edge, 0))
                else:
                    low[node] = min(low[node], discovered[neighbour])
                continue
            stack.pop()
            if stack and via is not None:
                parent = stack[-1][0]
                low[parent] = min(low[parent], low[node])
                if low[node] > discovered[parent]:
                    bridges.add(via)
    return bridges


def _close_cycle(grid: list[list[int]], hidden: set[_Pos], bridge: _Pos) -> _Pos:
    """The preferred visible entry whose hiding puts ``bridge`` on a cycle."""
    n_rows, n_cols = len(grid), len(grid[0])
    # Split the bridge's component by removing the bridge: side A holds its row, B its column.
    neighbours: dict[tuple[str, int], list[tuple[str, int]]] = {}
    for i, j in hidden:
        if (i, j) != bridge:
            neighbours.setdefault(("r", i), []).append(("c", j))
            neighbours.setdefault(("c", j), []).append(("r", i))

    def reach(start: tuple[str, int]) -> set[tuple[str, int]]:
        seen = {start}
        todo = [start]
        while todo:
            for other in neighbours.get(todo.pop(), []):
                if other not in seen:
                    seen.add(other)
                    todo.append(other)
        return seen

    side_a = reach(("r", bridge[0]))
    side_b = reach(("c", bridge[1]))
    candidates = [
        (i, j)
        for i in range(n_rows)
        for j in range(n_cols)
        if (i, j) not in hidden
        and (
            (("r", i) in side_a and ("c", j) in side_b)
            or (("r", i) in side_b and ("c", j) in side_a)
        )
    ]
    # Non-empty: after _two_per_line the bridge's row has another hidden entry (a column in
    # A) and its column another hidden entry (a row in B); their crossing is visible, or
    # the bridge would lie on a cycle.
    return min(candidates, key=lambda pos: _preference(grid, pos))


def check_unrecoverable(published: Suppressed) -> dict[Key, Fraction]:
    """The suppressed entries of ``published`` that its visible values determine exactly,
    with the values they are determined to have. An empty result means the table is safe.

    The equations are those of a published table: each row's cells sum to its row total,
    each column's cells to its column total, and both the row totals and the column totals
    sum to the grand total. The suppressed entries are the unknowns; a value counts as
    recoverable when the equations fix it uniquely over the reals (non-negativity is not
    used). The system is brought to reduced row echelon form with exact fractions; an
    unknown is determined exactly when a row of that form contains it alone.

    Raises ValueError when the visible values contradict each other.
    """
    rows, columns = published.rows, published.columns
    row_keys: list[str | None] = [*rows, None]
    col_keys: list[str | None] = [*columns, None]
    unknowns = sorted(
        published.suppressed,
        key=lambda key: (
            row_keys.index(key[0]),
            col_keys.index(key[1]),
        ),
    )
    index = {key: n for n, key in enumerate(unknowns)}

    equations: list[list[Fraction]] = []  # coefficients of the unknowns, then the constant
    lines: list[list[tuple[Key, int]]] = []
    for row in row_keys:  # a row of cells (or of column totals when row is None)
        lines.append([*(((row, c), 1) for c in columns), ((row, None), -1)])
    for column in col_keys:  # a column of cells (or of row totals when column is None)
        lines.append([*(((r, column), 1) for r in rows), ((None, column), -1)])
    for line in lines:
        equation = [Fraction(0)] * (len(unknowns) + 1)
        for key, sign in line:
            value = published.value(key)
            if value is None:
                equation[index[key]] += sign
            else:
                equation[-1] -= sign * value
        equations.append(equation)

    reduced = _rref(equations, len(unknowns))
    recovered: dict[Key, Fraction] = {}
    for equation in reduced:
        nonzero = [n for n in range(len(unknowns)) if equation[n] != 0]
        if not nonzero:
            if equation[-1] != 0:
                raise ValueError("the published values are inconsistent")
            continue
        if len(nonzero) == 1:
            recovered[unknowns[nonzero[0]]] = equation[-1] / equation[nonzero[0]]
    return recovered


def _rref(matrix: list[list[Fraction]], n_unknowns: int) -> list[list[Fraction]]:
    """Reduced row echelon form of an augmented matrix (last column is the constant)."""
    rows = [list(line) for line in matrix]
    pivot_row = 0
    for column in range(n_unknowns):
        pivot = next((r for r in range(pivot_row, len(rows)) if rows[r][column] != 0), None)
        if pivot is None:
            continue
        rows[pivot_row], rows[pivot] = rows[pivot], rows[pivot_row]
        lead = rows[pivot_row][column]
        rows[pivot_row] = [value / lead for value in rows[pivot_row]]
        for r in range(len(rows)):
            if r != pivot_row and rows[r][column] != 0:
                factor = rows[r][column]
                rows[r] = [a - factor * b for a, b in zip(rows[r], rows[pivot_row], strict=True)]
        pivot_row += 1
    return rows


def suppress_breakdown(counts: Mapping[str, int], k: int) -> set[str]:
    """The categories to hide in a one-way breakdown whose total is published.

    Categories with ``0 < count < k`` are hidden; when that leaves exactly one hidden
    category (which the total would give away), the smallest visible category is hidden
    too, preferring positive counts to zeros and, among equals, the first in ``counts``.

    With a single category there is nothing to hide it behind: the category equals the
    total, so the caller must not publish a total below ``k`` (with ``0 < total < k``
    every non-zero category is hidden here, but the total itself is the caller's concern).
    """
    if isinstance(k, bool) or not isinstance(k, int) or k < 1:
        raise ValueError(f"k must be a positive integer, got {k!r}")
    for category, count in counts.items():
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            raise ValueError(f"count of {category!r} must be a non-negative integer: {count!r}")
    hidden = {category for category, count in counts.items() if 0 < count < k}
    if len(hidden) == 1:
        order = {category: n for n, category in enumerate(counts)}
        visible = [category for category in counts if category not in hidden]
        if visible:
            hidden.add(min(visible, key=lambda c: (counts[c] == 0, counts[c], order[c])))
    return hidden

"""Small-group protection: primary and complementary suppression, and the exact checker."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from samverkan.surveys import suppression
from samverkan.surveys.suppression import (
    CountTable,
    Key,
    Suppressed,
    check_unrecoverable,
    mask,
    suppress,
    suppress_breakdown,
)

# Counts 0–40, drawn often from the small end so that suppression has work to do.
COUNT = st.one_of(st.integers(0, 40), st.integers(0, 8))


@st.composite
def tables(draw: st.DrawFn) -> CountTable:
    n_rows = draw(st.integers(2, 6))
    n_cols = draw(st.integers(2, 6))
    counts = draw(
        st.lists(
            st.lists(COUNT, min_size=n_cols, max_size=n_cols), min_size=n_rows, max_size=n_rows
        )
    )
    return CountTable(
        tuple(f"Kommun {i}" for i in range(n_rows)),
        tuple(f"Svar {j}" for j in range(n_cols)),
        tuple(tuple(line) for line in counts),
    )


def test_module_imports_only_the_standard_library() -> None:
    with open(suppression.__file__, encoding="utf-8") as handle:
        source = handle.read()
    for banned in ("numpy", "scipy", "django"):
        assert f"import {banned}" not in source and f"from {banned}" not in source


@settings(max_examples=200, deadline=None)
@given(tables(), st.integers(3, 10))
def test_suppress_properties(table: CountTable, k: int) -> None:
    result = suppress(table, k)
    hidden = result.suppressed
    for key in table.entries():
        published = result.value(key)
        true_value = table.value(key)
        if key in hidden:
            assert published is None
        else:
            # (c) what is shown is the input, and (a) it is 0 or at least k.
            assert published == true_value
            assert published == 0 or published >= k
        if 0 < true_value < k:
            assert key in result.primary
    # (b) nothing hidden can be worked out from what is shown.
    assert check_unrecoverable(result) == {}
    # Every line of the grid has none or at least two hidden entries.
    for row in [*table.rows, None]:
        assert sum((row, c) in hidden for c in [*table.columns, None]) != 1
    for column in [*table.columns, None]:
        assert sum((r, column) in hidden for r in [*table.rows, None]) != 1
    assert result.primary.isdisjoint(result.complementary)
    assert result.k == k


@settings(max_examples=50, deadline=None)
@given(tables(), st.integers(3, 10))
def test_suppress_is_deterministic_and_accepts_a_mapping(table: CountTable, k: int) -> None:
    cells = {(r, c): table.value((r, c)) for r in table.rows for c in table.columns}
    assert suppress(cells, k) == suppress(table, k)


def test_suppress_by_hand() -> None:
    table = CountTable(
        ("A", "B", "C"),
        ("x", "y", "z"),
        ((2, 10, 12), (8, 9, 15), (20, 1, 30)),
    )
    result = suppress(table, 3)
    assert result.primary == {("A", "x"), ("C", "y")}
    # Row A hides its smallest other cell (10), row C its smallest (20): a 2×2 rectangle.
    assert result.complementary == {("A", "y"), ("C", "x")}
    assert result.cells == {
        ("A", "x"): None,
        ("A", "y"): None,
        ("A", "z"): 12,
        ("B", "x"): 8,
        ("B", "y"): 9,
        ("B", "z"): 15,
        ("C", "x"): None,
        ("C", "y"): None,
        ("C", "z"): 30,
    }
    assert result.suppressed_cells == {("A", "x"), ("A", "y"), ("C", "x"), ("C", "y")}
    assert result.row_totals == {"A": 24, "B": 32, "C": 51}
    assert result.column_totals == {"x": 30, "y": 20, "z": 57}
    assert result.grand_total == 107
    assert check_unrecoverable(result) == {}


def test_small_totals_are_suppressed_and_protected() -> None:
    table = CountTable(("A", "B", "C"), ("x", "y"), ((1, 1), (10, 12), (15, 20)))
    result = suppress(table, 3)
    assert {("A", "x"), ("A", "y"), ("A", None)} <= result.primary
    # Row total of A is hidden, so the column of row totals needs a second hidden entry.
    assert sum(result.row_totals[r] is None for r in table.rows) + (result.grand_total is None) >= 2
    assert check_unrecoverable(result) == {}


def test_two_per_line_is_not_enough() -> None:
    """Regression: two hidden entries per line still gave (r1, c0) away here; the
    greedy line rule alone hides exactly ``line_rule`` below."""
    table = CountTable(
        ("r0", "r1", "r2"),
        ("c0", "c1", "c2", "c3"),
        ((0, 3, 0, 39), (2, 9, 0, 28), (2, 19, 2, 40)),
    )
    line_rule: list[Key] = [
        ("r0", "c1"),
        ("r1", "c0"),
        ("r2", "c0"),
        ("r2", "c2"),
        (None, "c0"),
        (None, "c2"),
        ("r0", "c3"),
        ("r1", "c1"),
        ("r1", "c3"),
    ]
    assert check_unrecoverable(mask(table, line_rule, k=5)) == {("r1", "c0"): Fraction(2)}
    result = suppress(table, 5)
    assert result.suppressed == {*line_rule, ("r2", "c1")}
    assert check_unrecoverable(result) == {}


def test_checker_detects_a_single_suppressed_cell() -> None:
    table = CountTable(("A", "B"), ("x", "y", "z"), ((2, 10, 12), (8, 9, 15)))
    naive = mask(table, [("A", "x")], k=3)
    assert naive.cells[("A", "x")] is None
    assert check_unrecoverable(naive) == {("A", "x"): Fraction(2)}


def test_checker_detects_a_hidden_total() -> None:
    table = CountTable(("A", "B"), ("x", "y"), ((2, 10), (8, 9)))
    naive = mask(table, [("A", None), ("B", None)], k=3)  # two in the column of row totals
    # ...but each row total is still the sum of its visible cells.
    assert check_unrecoverable(naive) == {("A", None): Fraction(12), ("B", None): Fraction(17)}


def test_checker_detects_a_cell_bridging_two_rectangles() -> None:
    table = CountTable(
        tuple("ABCDE"),
        tuple("vwxyz"),
        tuple(tuple(5 + i + j for j in range(5)) for i in range(5)),
    )
    rectangles = [("A", "v"), ("A", "w"), ("B", "v"), ("B", "w")]
    rectangles += [("C", "x"), ("C", "y"), ("D", "x"), ("D", "y")]
    assert check_unrecoverable(mask(table, rectangles, k=3)) == {}
    bridged = mask(table, [*rectangles, ("B", "x")], k=3)  # every line has two or more
    assert check_unrecoverable(bridged) == {("B", "x"): Fraction(table.value(("B", "x")))}


def test_checker_finds_nothing_in_a_hidden_rectangle_with_totals() -> None:
    table = CountTable(("A", "B"), ("x", "y"), ((1, 2), (3, 4)))
    hidden: list[Key] = [("A", "x"), ("A", None), (None, "x"), (None, None)]
    assert check_unrecoverable(mask(table, hidden, k=3)) == {}


def test_checker_rejects_inconsistent_values() -> None:
    table = CountTable(("A", "B"), ("x", "y"), ((1, 2), (3, 4)))
    good = mask(table, [("A", "x"), ("A", "y"), ("B", "x"), ("B", "y")], k=3)
    bad = Suppressed(
        rows=good.rows,
        columns=good.columns,
        k=3,
        cells=good.cells,
        row_totals={"A": 3, "B": 7},
        column_totals={"x": 4, "y": 6},
        grand_total=11,
        primary=good.primary,
        complementary=good.complementary,
    )
    with pytest.raises(ValueError, match="inconsistent"):
        check_unrecoverable(bad)


@settings(max_examples=200, deadline=None)
@given(tables(), st.data())
def test_checker_values_are_the_true_values(table: CountTable, data: st.DataObject) -> None:
    hidden = data.draw(st.sets(st.sampled_from(table.entries())))
    recovered = check_unrecoverable(mask(table, hidden, k=3))
    assert set(recovered) <= hidden
    for key, value in recovered.items():
        assert value == table.value(key)
    # Agrees with the graph argument used by suppress(): determined == bridge.
    grid_positions = {table._position(key) for key in hidden}
    bridges = suppression._bridges(len(table.rows) + 1, len(table.columns) + 1, grid_positions)
    assert set(recovered) == {table._key(pos) for pos in bridges}


def test_table_from_cells_and_validation() -> None:
    table = CountTable.from_cells({("A", "x"): 3, ("B", "y"): 4})
    assert table.counts == ((3, 0), (0, 4))
    assert table.row_totals == (3, 4) and table.column_totals == (3, 4)
    assert table.grand_total == 7
    with pytest.raises(ValueError, match="unknown row"):
        CountTable.from_cells({("A", "x"): 3}, rows=["B"])
    with pytest.raises(ValueError, match="non-negative"):
        CountTable(("A",), ("x",), ((-1,),))
    with pytest.raises(ValueError, match="duplicate"):
        CountTable(("A", "A"), ("x",), ((1,), (2,)))
    with pytest.raises(ValueError, match="k must"):
        suppress(table, 0)
    with pytest.raises(KeyError):
        mask(table, [("Z", "x")], k=3)


def test_single_row_and_single_column_tables_are_protected() -> None:
    for table in (
        CountTable(("A",), ("x", "y", "z"), ((1, 5, 9),)),
        CountTable(("A", "B", "C"), ("x",), ((1,), (5,), (9,))),
    ):
        result = suppress(table, 3)
        assert check_unrecoverable(result) == {}
        assert result.value(table._key((0, 0))) is None


# -- One-way breakdowns -----------------------------------------------------------------


def test_breakdown_by_hand() -> None:
    assert suppress_breakdown({"kvinna": 12, "man": 2, "annat": 0, "uppger ej": 7}, 5) == {
        "man",
        "uppger ej",
    }
    assert suppress_breakdown({"kvinna": 12, "man": 2, "annat": 1}, 5) == {"man", "annat"}
    assert suppress_breakdown({"kvinna": 12, "man": 8}, 5) == set()
    # Only zeros left to hide behind: a zero is better than nothing.
    assert suppress_breakdown({"kvinna": 3, "man": 0}, 5) == {"kvinna", "man"}
    with pytest.raises(ValueError):
        suppress_breakdown({"kvinna": -1}, 5)


@settings(max_examples=200)
@given(
    st.dictionaries(st.text(min_size=1, max_size=8), COUNT, min_size=2, max_size=8),
    st.integers(3, 10),
)
def test_breakdown_properties(counts: dict[str, int], k: int) -> None:
    hidden = suppress_breakdown(counts, k)
    assert len(hidden) != 1
    assert hidden <= set(counts)
    for category, count in counts.items():
        if 0 < count < k:
            assert category in hidden
        if category not in hidden:
            assert count == 0 or count >= k
    assert len(hidden) <= len({c for c, n in counts.items() if 0 < n < k}) + 1

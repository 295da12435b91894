"""Linkage kernel: Dice against a pure-Python reference, blocking, threads, selection."""

from __future__ import annotations

import base64
import csv
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path
from typing import Any
from unittest.mock import patch

import numba
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numba.core.caching import CacheImpl
from numpy.typing import NDArray

from samverkan.matching import clk, link, localfiles
from samverkan.matching.link import (
    CLK_BITS,
    CLK_BYTES,
    Pair,
    as_words,
    candidate_pairs,
    dice_matrix,
    load_clks,
    one_to_one,
    token_pairs,
)
from samverkan.matching.schema import load_schema

# --------------------------------------------------------------------------- helpers


def reference_dice(x: int, y: int) -> float:
    total = x.bit_count() + y.bit_count()
    return 2 * (x & y).bit_count() / total if total else 0.0


def reference_pairs(
    xs: Sequence[int],
    ys: Sequence[int],
    threshold: float,
    keys: tuple[Sequence[str], Sequence[str]] | None = None,
) -> list[Pair]:
    return [
        (i, j, reference_dice(x, y))
        for i, x in enumerate(xs)
        for j, y in enumerate(ys)
        if reference_dice(x, y) >= threshold and (keys is None or keys[0][i] == keys[1][j])
    ]


def to_array(values: Sequence[int]) -> NDArray[np.uint64]:
    raw = b"".join(value.to_bytes(CLK_BYTES, "little") for value in values)
    return np.frombuffer(raw, dtype=np.uint8).reshape(len(values), CLK_BYTES).view(np.uint64)


@st.composite
def clk_sets(draw: st.DrawFn) -> list[int]:
    """A few CLKs as integers; some near copies of others so that high scores occur."""
    size = draw(st.integers(min_value=0, max_value=7))
    values: list[int] = []
    for _ in range(size):
        near_copy = draw(st.booleans())
        if values and near_copy:
            base = draw(st.sampled_from(values))
            flips = draw(st.lists(st.integers(0, CLK_BITS - 1), max_size=40))
            for bit in flips:
                base ^= 1 << bit
            values.append(base)
        else:
            density = draw(st.sampled_from([0.0, 0.02, 0.3, 0.5, 1.0]))
            seed = draw(st.integers(0, 2**32 - 1))
            bits = np.random.default_rng(seed).random(CLK_BITS) < density
            values.append(int("".join("1" if bit else "0" for bit in bits), 2))
    return values


def random_clks(rng: np.random.Generator, n: int, density: float = 0.3) -> NDArray[np.uint8]:
    return np.packbits(rng.random((n, CLK_BITS)) < density, axis=1)


def noisy_copies(
    rng: np.random.Generator, clks: NDArray[np.uint8], flip: float
) -> NDArray[np.uint8]:
    noise = np.packbits(rng.random((len(clks), CLK_BITS)) < flip, axis=1)
    return np.bitwise_xor(clks, noise)


@pytest.fixture(scope="module")
def planted() -> tuple[NDArray[np.uint8], NDArray[np.uint8]]:
    """700 × 600 CLKs where 300 of b are noisy copies of rows of a."""
    rng = np.random.default_rng(20261127)
    a = random_clks(rng, 700)
    copies = noisy_copies(rng, a[rng.permutation(700)[:300]], 0.03)
    b = np.concatenate([copies, random_clks(rng, 300)])
    return a, b[rng.permutation(600)]


# --------------------------------------------------------------------------- Dice


@settings(deadline=None, max_examples=60)
@given(xs=clk_sets(), ys=clk_sets())
def test_dice_matrix_equals_the_reference(xs: list[int], ys: list[int]) -> None:
    matrix = dice_matrix(to_array(xs), to_array(ys))
    assert matrix.shape == (len(xs), len(ys))
    for i, x in enumerate(xs):
        for j, y in enumerate(ys):
            assert matrix[i, j] == reference_dice(x, y)


@settings(deadline=None, max_examples=60)
@given(xs=clk_sets(), ys=clk_sets(), data=st.data())
def test_candidate_pairs_equal_the_reference(xs: list[int], ys: list[int], data: Any) -> None:
    scores = sorted({reference_dice(x, y) for x in xs for y in ys} - {0.0})
    # Either a round threshold or exactly one of the scores that occur (the boundary).
    threshold = data.draw(st.sampled_from([0.5, 0.8, 1.0, *scores]))
    found = candidate_pairs(to_array(xs), to_array(ys), threshold, workers=1)
    assert found == reference_pairs(xs, ys, threshold)


def test_threshold_is_inclusive() -> None:
    x = 0b1111  # 4 bits
    y = 0b0111_0000_0111  # 6 bits, 3 in common: 2·3 / 10 = 0.6
    z = 0b1110  # 3 bits, 3 in common with x: 6 / 7
    a, b = to_array([x]), to_array([y, z])
    assert candidate_pairs(a, b, 0.6, workers=1) == [(0, 0, 0.6), (0, 1, 6 / 7)]
    assert candidate_pairs(a, b, float(np.nextafter(0.6, 1.0)), workers=1) == [(0, 1, 6 / 7)]
    assert candidate_pairs(a, b, 6 / 7, workers=1) == [(0, 1, 6 / 7)]
    assert candidate_pairs(a, b, float(np.nextafter(6 / 7, 1.0)), workers=1) == []


def test_identical_clks_score_one_and_empty_ones_zero() -> None:
    empty = to_array([0, 0])
    assert dice_matrix(empty, empty).tolist() == [[0.0, 0.0], [0.0, 0.0]]
    assert candidate_pairs(empty, empty, 1e-9, workers=1) == []
    full = to_array([2**CLK_BITS - 1])
    assert candidate_pairs(full, full, 1.0, workers=1) == [(0, 0, 1.0)]


def test_bytes_and_words_give_the_same_scores(
    planted: tuple[NDArray[np.uint8], NDArray[np.uint8]],
) -> None:
    a, b = planted[0][:50], planted[1][:40]
    assert np.array_equal(dice_matrix(a, b), dice_matrix(as_words(a), as_words(b)))


@pytest.mark.parametrize("threshold", [0.0, -0.1, 1.01, float("nan")])
def test_threshold_outside_zero_to_one_is_refused(threshold: float) -> None:
    with pytest.raises(ValueError, match="Tröskeln"):
        candidate_pairs(to_array([1]), to_array([1]), threshold, workers=1)


def test_clks_of_different_length_are_refused() -> None:
    with pytest.raises(ValueError, match="olika längd"):
        candidate_pairs(np.zeros((1, 128), np.uint8), np.zeros((1, 64), np.uint8), 0.5)
    with pytest.raises(ValueError, match="olika längd"):
        dice_matrix(np.zeros((1, 7), np.uint8), np.zeros((1, 6), np.uint8))
    with pytest.raises(ValueError, match="uint8 eller uint64"):
        dice_matrix(np.zeros((1, 8), np.int8), np.zeros((1, 8), np.int8))
    with pytest.raises(ValueError, match="för långa"):
        dice_matrix(np.zeros((1, 513), np.uint64), np.zeros((1, 513), np.uint64))


def test_short_clks_are_padded_without_changing_scores() -> None:
    rng = np.random.default_rng(3)
    a = rng.integers(0, 256, (6, 3), dtype=np.uint8)  # 24-bit encodings
    b = rng.integers(0, 256, (5, 3), dtype=np.uint8)
    expected = [
        [reference_dice(int.from_bytes(x.tobytes()), int.from_bytes(y.tobytes())) for y in b]
        for x in a
    ]
    assert dice_matrix(a, b).tolist() == expected
    encoded = [base64.b64encode(row.tobytes()).decode() for row in a]
    assert np.array_equal(load_clks(encoded, size=3), as_words(a))


# --------------------------------------------------------------------------- blocking


@settings(deadline=None, max_examples=40)
@given(xs=clk_sets(), ys=clk_sets(), data=st.data())
def test_blocking_compares_only_records_with_the_same_key(
    xs: list[int], ys: list[int], data: Any
) -> None:
    keys = st.sampled_from(["1961", "1975", "1990"])
    keys_a = data.draw(st.lists(keys, min_size=len(xs), max_size=len(xs)))
    keys_b = data.draw(st.lists(keys, min_size=len(ys), max_size=len(ys)))
    found = candidate_pairs(to_array(xs), to_array(ys), 0.5, blocks=(keys_a, keys_b), workers=1)
    assert found == reference_pairs(xs, ys, 0.5, (keys_a, keys_b))


def test_one_shared_block_equals_no_blocking(
    planted: tuple[NDArray[np.uint8], NDArray[np.uint8]],
) -> None:
    a, b = planted
    blocks = (["all"] * len(a), ["all"] * len(b))
    unblocked = candidate_pairs(a, b, 0.7, workers=1)
    assert len(unblocked) >= 300
    assert candidate_pairs(a, b, 0.7, blocks=blocks, workers=1) == unblocked


def test_blocking_keeps_exactly_the_same_block_pairs(
    planted: tuple[NDArray[np.uint8], NDArray[np.uint8]],
) -> None:
    a, b = planted
    keys_a = [str(i % 7) for i in range(len(a))]
    keys_b = [str(j % 5) for j in range(len(b))]
    blocked = candidate_pairs(a, b, 0.55, blocks=(keys_a, keys_b), workers=1)
    everything = candidate_pairs(a, b, 0.55, workers=1)
    assert blocked == [pair for pair in everything if keys_a[pair[0]] == keys_b[pair[1]]]
    assert 0 < len(blocked) < len(everything)


def test_block_keys_must_cover_every_record() -> None:
    with pytest.raises(ValueError, match="blocknyckel"):
        candidate_pairs(to_array([1, 2]), to_array([1]), 0.5, blocks=(["x"], ["x"]), workers=1)


def test_blocks_without_partner_give_nothing() -> None:
    a, b = to_array([1, 3]), to_array([1, 3])
    assert candidate_pairs(a, b, 0.5, blocks=(["x", "y"], ["z", "w"]), workers=1) == []


# --------------------------------------------------------------------------- compiled kernel


def bytes_reference(a: NDArray[np.uint8], b: NDArray[np.uint8], threshold: float) -> list[Pair]:
    xs = [int.from_bytes(row.tobytes()) for row in a]
    ys = [int.from_bytes(row.tobytes()) for row in b]
    return reference_pairs(xs, ys, threshold)


@st.composite
def kernel_inputs(draw: st.DrawFn) -> tuple[NDArray[np.uint8], NDArray[np.uint8]]:
    """Two CLK arrays of one of several lengths (1 to 32 words, some not whole words), with
    near copies, empty and full rows, and densities from sparse to dense."""
    size = draw(st.sampled_from([1, 3, 8, 24, 40, 128, 136, 256]))
    n_a, n_b = draw(st.integers(0, 25)), draw(st.integers(0, 25))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    density = draw(st.sampled_from([0.05, 0.3, 0.5, 0.9]))
    a = np.packbits(rng.random((n_a, size * 8)) < rng.uniform(0, density, (n_a, 1)), axis=1)
    b = np.packbits(rng.random((n_b, size * 8)) < rng.uniform(0, density, (n_b, 1)), axis=1)
    for j in range(n_b):
        kind = rng.integers(0, 6)
        if kind <= 2 and n_a:  # a near copy of a row of a
            flips = np.packbits(rng.random(size * 8) < 0.02 * kind)
            b[j] = a[rng.integers(0, n_a)] ^ flips
        elif kind == 3:
            b[j] = 0
        elif kind == 4:
            b[j] = 255
    if n_a and draw(st.booleans()):
        a[rng.integers(0, n_a)] = 0
    return a, b


@settings(deadline=None, max_examples=150)
@given(inputs=kernel_inputs(), data=st.data())
def test_kernel_equals_brute_force(
    inputs: tuple[NDArray[np.uint8], NDArray[np.uint8]], data: Any
) -> None:
    a, b = inputs
    xs = [int.from_bytes(row.tobytes()) for row in a]
    ys = [int.from_bytes(row.tobytes()) for row in b]
    scores = sorted({reference_dice(x, y) for x in xs for y in ys} - {0.0})
    threshold = data.draw(st.sampled_from([1e-9, 0.3, 0.5, 0.7, 0.8, 0.9, 1.0, *scores]))
    workers = data.draw(st.sampled_from([1, 2]))
    first_check = data.draw(st.sampled_from([None, 1, 2, 3, 4]))
    blocks = None
    if data.draw(st.booleans()):
        keys = st.sampled_from(["1961", "1975", "1990"])
        blocks = (
            data.draw(st.lists(keys, min_size=len(a), max_size=len(a))),
            data.draw(st.lists(keys, min_size=len(b), max_size=len(b))),
        )
    tiny = data.draw(st.booleans())  # small tasks and a one-pair result buffer
    with ExitStack() as stack:
        if first_check is not None:
            stack.enter_context(patch.object(link, "_first_check", lambda _: first_check))
        if tiny:
            stack.enter_context(patch.object(link, "_MIN_THREAD_COMPARISONS", 0))
            stack.enter_context(patch.object(link, "_TILE_ROWS", 3))
            stack.enter_context(patch.object(link, "_TILE_COLUMNS", 5))
            stack.enter_context(patch.object(link, "_FIRST_BUFFER", 1))
            stack.enter_context(patch.object(link, "_MAX_BUFFER", 2))
        found = candidate_pairs(a, b, threshold, blocks=blocks, workers=workers)
    assert found == reference_pairs(xs, ys, threshold, blocks)
    assert all(type(score) is float for _, _, score in found)


def test_required_common_bits_follow_the_float_score() -> None:
    thresholds = [1e-9, 0.1, 0.5, 2 / 3, 0.7, 0.75, 0.8, 0.85, 6 / 7, 0.9, 0.99, 1.0]
    thresholds += [2 * c / t for t in (7, 10, 13, 100) for c in range(1, t // 2 + 1)]
    for threshold in thresholds:
        for p in range(0, 41):
            for q in range(0, 41):
                total = p + q
                reachable = [
                    c for c in range(min(p, q) + 1) if total and 2 * c / total >= threshold
                ]
                required = link._required(p, q, threshold)
                if reachable:
                    assert required == reachable[0], (p, q, threshold)
                else:
                    assert required > min(p, q), (p, q, threshold)


def test_popcount_window_keeps_every_feasible_count() -> None:
    for threshold in [5e-324, 1e-300, 1e-9, 0.2, 0.5, 2 / 3, 0.8, 0.9, 0.97, 1.0]:
        for p in range(0, 1025, 7):
            least, most = link._feasible_counts(p, threshold, 1024)
            for q in range(0, 1025):
                if p + q and 2 * min(p, q) / (p + q) >= threshold:
                    assert least <= q <= most, (p, q, threshold)


def test_empty_inputs() -> None:
    empty, some = to_array([]), to_array([1, 3, 7])
    for a, b in ((empty, some), (some, empty), (empty, empty)):
        assert candidate_pairs(a, b, 0.5) == []
        assert candidate_pairs(a, b, 0.5, blocks=(["x"] * len(a), ["x"] * len(b))) == []
        assert dice_matrix(a, b).shape == (len(a), len(b))


def test_all_zero_clks_never_match() -> None:
    zeros = np.zeros((30, CLK_BYTES), dtype=np.uint8)
    for threshold in (1e-9, 0.5, 1.0):
        assert candidate_pairs(zeros, zeros, threshold, workers=2) == []
        assert candidate_pairs(zeros, random_clks(np.random.default_rng(1), 20), threshold) == []


def test_threshold_one_finds_exactly_the_identical_clks() -> None:
    rng = np.random.default_rng(8)
    a = random_clks(rng, 40)
    b = np.concatenate([a[::4], noisy_copies(rng, a[1::4], 0.001), random_clks(rng, 10)])
    expected = bytes_reference(a, b, 1.0)
    assert candidate_pairs(a, b, 1.0, workers=2) == expected
    assert len(expected) >= 10
    assert all(np.array_equal(a[i], b[j]) for i, j, _ in expected)


@pytest.mark.parametrize("threshold", [1e-9, 1e-300, 5e-324])
def test_tiny_threshold_finds_every_pair_with_a_common_bit(threshold: float) -> None:
    rng = np.random.default_rng(9)
    a, b = random_clks(rng, 30, 0.005), random_clks(rng, 20, 0.005)
    found = candidate_pairs(a, b, threshold, workers=1)
    assert found == bytes_reference(a, b, threshold)
    assert len(found) == int(np.count_nonzero(dice_matrix(a, b)))
    words = np.packbits(rng.random((30, 24 * 8)) < 0.01, axis=1)  # the generic loop
    assert candidate_pairs(words, words, threshold) == bytes_reference(words, words, threshold)


def test_more_pairs_than_the_buffer_holds(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(10)
    a, b = random_clks(rng, 60, 0.5), random_clks(rng, 50, 0.5)
    expected = candidate_pairs(a, b, 0.3)
    assert len(expected) == 3_000
    monkeypatch.setattr(link, "_FIRST_BUFFER", 7)
    monkeypatch.setattr(link, "_MAX_BUFFER", 16)
    assert candidate_pairs(a, b, 0.3, workers=1) == expected


@pytest.mark.parametrize("size", [8, 24, 136, 256])
def test_other_lengths_use_the_generic_loop(size: int) -> None:
    rng = np.random.default_rng(size)
    a = np.packbits(rng.random((40, size * 8)) < 0.3, axis=1)
    b = np.concatenate([a[:15] ^ np.packbits(rng.random((15, size * 8)) < 0.02, axis=1), a[20:]])
    for threshold in (0.5, 0.8, 0.95):
        assert candidate_pairs(a, b, threshold, workers=2) == bytes_reference(a, b, threshold)


def test_every_first_check_gives_the_same_pairs(
    planted: tuple[NDArray[np.uint8], NDArray[np.uint8]], monkeypatch: pytest.MonkeyPatch
) -> None:
    a, b = planted
    for threshold in (0.5, 0.7, 0.9):
        expected = candidate_pairs(a, b, threshold, workers=1)
        for first_check in (1, 2, 3, 4):
            monkeypatch.setattr(link, "_first_check", lambda _, first=first_check: first)
            assert candidate_pairs(a, b, threshold, workers=1) == expected
            monkeypatch.undo()


def test_early_checks_are_chosen_by_threshold(
    planted: tuple[NDArray[np.uint8], NDArray[np.uint8]], monkeypatch: pytest.MonkeyPatch
) -> None:
    a, b = planted
    chosen: dict[float, int] = {}
    original = link._first_check

    def spy(problem: Any) -> int:
        chosen[problem.threshold] = original(problem)
        return chosen[problem.threshold]

    monkeypatch.setattr(link, "_first_check", spy)
    for threshold in (0.2, 0.95):
        candidate_pairs(a, b, threshold, workers=1)
    # Random CLKs of density 0.3 share about 0.3 of their bits: a check pays only when the
    # threshold is far above that.
    assert chosen[0.2] == 4
    assert chosen[0.95] <= 2


@settings(deadline=None, max_examples=60)
@given(
    n_a=st.integers(0, 40),
    n_b=st.integers(0, 40),
    blocked=st.booleans(),
    tile=st.tuples(st.integers(1, 9), st.integers(1, 9)),
    seed=st.integers(0, 2**32 - 1),
)
def test_tiles_cover_every_comparison_once(
    n_a: int, n_b: int, blocked: bool, tile: tuple[int, int], seed: int
) -> None:
    rng = np.random.default_rng(seed)
    a, b = random_clks(rng, n_a).view(np.uint64), random_clks(rng, n_b).view(np.uint64)
    blocks = None
    if blocked:
        blocks = (
            [str(key) for key in rng.integers(0, 4, n_a)],
            [str(key) for key in rng.integers(0, 4, n_b)],
        )
    rows, starts, stops, b_order = link._layout(a, b, blocks)
    assert sorted(b_order.tolist()) == list(range(n_b))
    expected = {
        (int(rows[r]), position)
        for r in range(len(rows))
        for position in range(int(starts[r]), int(stops[r]))
    }
    if blocks is not None:  # exactly the same-block pairs
        assert {(i, int(b_order[j])) for i, j in expected} == {
            (i, j) for i in range(n_a) for j in range(n_b) if blocks[0][i] == blocks[1][j]
        }
    with patch.object(link, "_TILE_ROWS", tile[0]), patch.object(link, "_TILE_COLUMNS", tile[1]):
        tiles = link._tiles(starts, stops)
    covered: list[tuple[int, int]] = []
    for start, stop, lo, hi, size in tiles:
        assert 0 < size <= tile[0] * tile[1]
        pairs = [
            (int(rows[r]), position)
            for r in range(start, stop)
            for position in range(max(int(starts[r]), lo), min(int(stops[r]), hi))
        ]
        assert len(pairs) == size
        covered.extend(pairs)
    assert sorted(covered) == sorted(expected)


def test_loops_compile_without_a_writable_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(CacheImpl, "_locator_classes", [])  # nowhere writable

    def twice(x: int) -> int:
        return 2 * x

    with pytest.raises(RuntimeError, match="no locator"):
        numba.njit(cache=True)(twice)
    assert link._jit(twice)(21) == 42


# --------------------------------------------------------------------------- encoding in chunks

# clk.encode_each is what localfiles encodes a chunk of rows with (the keys derived once); it
# belongs with the encoder's tests and is checked here until it moves there.


def test_encode_each_keeps_going_past_a_bad_row(tmp_path: Path) -> None:
    fixtures = Path(__file__).parent / "fixtures"
    schema = load_schema(fixtures / "schema_v3.json")
    with (fixtures / "people.csv").open(encoding="utf-8", newline="") as handle:
        header, *rows = list(csv.reader(handle))
    secret = b"a-long-enough-secret-for-chunks"
    bad = [list(row) for row in rows]
    bad[3][3] = "1984-02-30"  # not a date
    results = clk.encode_each(bad, schema, secret, first_row=2)
    expected = clk.encode_rows(rows, schema, secret)
    error = results[3]
    assert isinstance(error, clk.RecordError)
    assert (error.row, error.identifier) == (5, "fodelsedatum")
    assert results[:3] + results[4:] == expected[:3] + expected[4:]

    path = tmp_path / "people.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([header, *bad])
    result = localfiles.encode_file(
        schema_path=fixtures / "schema_v3.json",
        secret=secret,
        input_path=path,
        output_path=tmp_path / "out.json",
        workers=1,
    )
    assert result.records == len(rows) - 1
    assert [problem.split(",")[0] for problem in result.invalid] == ["rad 5"]
    encoded = localfiles.read_encoded(tmp_path / "out.json")["records"]
    assert [record["clk"] for record in encoded] == expected[:3] + expected[4:]


# --------------------------------------------------------------------------- threads


class SpyThreads(ThreadPoolExecutor):
    started = 0

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        SpyThreads.started += 1
        super().__init__(*args, **kwargs)


def small_tasks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tasks of a few rows, threads even for tiny inputs: the paths big files take."""
    monkeypatch.setattr(link, "_MIN_THREAD_COMPARISONS", 0)
    monkeypatch.setattr(link, "_TILE_ROWS", 64)
    monkeypatch.setattr(link, "_TILE_COLUMNS", 100)


def test_two_threads_give_the_same_result_as_one(
    planted: tuple[NDArray[np.uint8], NDArray[np.uint8]], monkeypatch: pytest.MonkeyPatch
) -> None:
    a, b = planted
    monkeypatch.setattr(link, "ThreadPoolExecutor", SpyThreads)
    small_tasks(monkeypatch)
    keys_a = [str(i % 3) for i in range(len(a))]
    keys_b = [str(j % 3) for j in range(len(b))]
    before = SpyThreads.started
    assert candidate_pairs(a, b, 0.6, workers=2) == candidate_pairs(a, b, 0.6, workers=1)
    assert candidate_pairs(a, b, 0.6, workers=2, blocks=(keys_a, keys_b)) == candidate_pairs(
        a, b, 0.6, workers=1, blocks=(keys_a, keys_b)
    )
    assert SpyThreads.started == before + 2  # the threads really ran


@pytest.mark.parametrize("workers", [1, 2])
def test_progress_reaches_the_total(
    planted: tuple[NDArray[np.uint8], NDArray[np.uint8]],
    workers: int,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    small_tasks(monkeypatch)
    a, b = planted
    calls: list[tuple[int, int]] = []
    candidate_pairs(
        a, b, 0.9, workers=workers, progress=lambda done, total: calls.append((done, total))
    )
    assert len(calls) > 1
    assert calls[-1] == (len(a) * len(b), len(a) * len(b))
    assert [done for done, _ in calls] == sorted(done for done, _ in calls)

    calls.clear()
    keys_a = ["x"] * 100 + ["y"] * (len(a) - 100)
    keys_b = ["x"] * 10 + ["z"] * (len(b) - 10)
    candidate_pairs(
        a,
        b,
        0.9,
        blocks=(keys_a, keys_b),
        workers=workers,
        progress=lambda d, t: calls.append((d, t)),
    )
    assert calls[-1] == (100 * 10, 100 * 10)


def test_progress_comes_in_steps_for_big_inputs() -> None:
    # 4,000 × 3,000: several tasks with the real sizes, in the calling thread and in two.
    rng = np.random.default_rng(5)
    a, b = random_clks(rng, 4_000), random_clks(rng, 3_000)
    for workers in (1, 2):
        calls: list[tuple[int, int]] = []
        candidate_pairs(a, b, 0.8, workers=workers, progress=lambda d, t, c=calls: c.append((d, t)))
        assert len(calls) >= 4
        assert calls[-1] == (12_000_000, 12_000_000)


def test_progress_is_called_for_empty_input() -> None:
    calls: list[tuple[int, int]] = []
    candidate_pairs(to_array([]), to_array([1]), 0.5, progress=lambda d, t: calls.append((d, t)))
    assert calls == [(0, 0)]


def test_workers_must_be_positive() -> None:
    with pytest.raises(ValueError):
        candidate_pairs(to_array([1]), to_array([1]), 0.5, workers=0)


# --------------------------------------------------------------------------- one-to-one

pair_lists = st.lists(
    st.tuples(st.integers(0, 6), st.integers(0, 6), st.sampled_from([0.7, 0.75, 0.8, 0.9, 1.0])),
    max_size=30,
    unique_by=lambda pair: (pair[0], pair[1]),
)


@given(pairs=pair_lists, data=st.data())
def test_one_to_one_uses_each_index_once_and_keeps_the_best(pairs: list[Pair], data: Any) -> None:
    chosen = one_to_one(pairs)
    assert len({a for a, _, _ in chosen}) == len(chosen)
    assert len({b for _, b, _ in chosen}) == len(chosen)
    assert set(chosen) <= set(pairs)
    if pairs:
        best = min(pairs, key=lambda pair: (-pair[2], pair[0], pair[1]))
        assert chosen[0] == best
    # Greedy: a pair left out conflicts with a chosen pair that is at least as good.
    for a_index, b_index, score in set(pairs) - set(chosen):
        assert any((a == a_index or b == b_index) and s >= score for a, b, s in chosen), (
            a_index,
            b_index,
            score,
        )
    # Order of selection, independent of the input order.
    assert [(-s, a, b) for a, b, s in chosen] == sorted((-s, a, b) for a, b, s in chosen)
    assert one_to_one(data.draw(st.permutations(pairs))) == chosen


def test_one_to_one_breaks_ties_by_index() -> None:
    pairs = [(1, 0, 0.9), (0, 1, 0.9), (0, 0, 0.9), (1, 1, 0.8), (2, 2, 0.95)]
    assert one_to_one(pairs) == [(2, 2, 0.95), (0, 0, 0.9), (1, 1, 0.8)]


# --------------------------------------------------------------------------- loading, tokens


def test_load_clks_round_trip() -> None:
    rng = np.random.default_rng(1)
    raw = rng.integers(0, 256, (5, CLK_BYTES), dtype=np.uint8)
    encoded = [base64.b64encode(row.tobytes()).decode() for row in raw]
    encoded[2] = encoded[2][:40] + "\n" + encoded[2][40:]  # line breaks are ignored
    words = load_clks(encoded)
    assert words.dtype == np.uint64
    assert words.shape == (5, CLK_BYTES // 8)
    assert np.array_equal(words.view(np.uint8), raw)
    assert load_clks([]).shape == (0, CLK_BYTES // 8)


def test_load_clks_refuses_bad_input() -> None:
    good = base64.b64encode(bytes(CLK_BYTES)).decode()
    with pytest.raises(ValueError, match=r"position 1 .* base64"):
        load_clks([good, "inte base64!"])
    with pytest.raises(ValueError, match=r"position 0 .* 64 byte"):
        load_clks([base64.b64encode(bytes(64)).decode()])


def test_token_pairs_are_exact_matches() -> None:
    tokens_a = ["t1", "t2", "", "t3", "t1"]
    tokens_b = ["t3", "t1", "", "t9", "t1"]
    assert token_pairs(tokens_a, tokens_b) == [(0, 1), (0, 4), (3, 0), (4, 1), (4, 4)]
    assert token_pairs([], tokens_b) == []

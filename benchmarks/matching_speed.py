"""Matching speed: the linkage kernel against anonlink on the same encodings, and whole runs
(encode both files, link, write the pairs) against the speed and memory bars.

Kernel. Writes synthetic people with the columns of ``tests/matching/fixtures/schema_v3.json``
(``--kernel-size``, default 5000x20000; a fifth of the smaller side is planted in b as noisy
copies of rows of a: typos in the names, postcode without its space, floor area ±1–2 …) and
encodes them with ``localfiles.encode_file`` and a fixed benchmark secret. On those CLKs, at
each of ``--thresholds`` (default 0.7 0.8 0.9), median of ``--repeat`` (default 3):

* ``candidate_pairs`` with 1 thread and with ``--workers`` threads (default: all cores);
* anonlink 0.15.3 (``find_candidate_pairs`` with ``dice_coefficient_accelerated``, its C++
  popcount kernel) in 1 process and in ``--workers`` processes, through
  ``benchmarks/matching_speed_anonlink.py`` in the virtual environment
  ``benchmarks/.venv-anonlink``, which this script creates and fills from PyPI the first
  time (``--no-anonlink`` skips anonlink, ``--anonlink-venv`` puts it elsewhere).

Then the same on random CLKs of the same sizes (each bit set with probability 0.3, 3 % of the
bits flipped in the planted copies): there all bit counts are alike, so sorting b by bit
count prunes nothing; and ours on those with ``--blocks`` (default 50) random block keys.
Printed: comparisons per second (n_a × n_b / seconds), pairs found, whether anonlink found
the same pairs with the same scores, and ours / anonlink for the same number of cores.

End to end. For each ``--e2e`` size (default 20000x60000 100000x100000) it writes both CSV
files (not timed), then runs ``samverkan match encode`` on each and ``samverkan match link
--threshold`` ``--e2e-threshold`` (default 0.8) as subprocesses with their default
``--workers`` (all cores) and prints each step's wall time and peak memory: the sum of the
resident sizes of the step's process tree, sampled every 50 ms, and the largest single
process (``wait4``). Also the pairs written and how many of the planted pairs are among
them. Bars: 20,000 × 60,000 under 60 s, 100,000 × 100,000 under 180 s, memory under 2 GB;
PASS/FAIL is printed, nothing is asserted.

    .venv/bin/python benchmarks/matching_speed.py [--kernel-size 5000x20000]
        [--thresholds 0.7 0.8 0.9] [--workers W] [--repeat R] [--blocks K] [--no-random]
        [--no-kernel] [--no-anonlink] [--anonlink-venv DIR]
        [--e2e 20000x60000 100000x100000] [--e2e-threshold T] [--keep DIR] [--seed S]

A quick run: ``--kernel-size 1000x4000 --repeat 1 --e2e 2000x6000``. ``--e2e`` without a
size skips the whole runs.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import venv
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, "src")

import numpy as np
from numpy.typing import NDArray

from samverkan.matching import link, localfiles

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = ROOT / "tests" / "matching" / "fixtures" / "schema_v3.json"
ANONLINK_SCRIPT = ROOT / "benchmarks" / "matching_speed_anonlink.py"
# anonlink 0.15.3 ships a wheel for CPython 3.11; these versions install it from PyPI.
ANONLINK_REQUIREMENTS = [
    "anonlink==0.15.3",
    "bitarray==3.12.3",
    "numpy==2.4.6",
    "Cython==3.3.1",
    "mypy-extensions==1.2.0",
]
#: A fixed secret, so that runs are repeatable; never use a fixed secret for real data.
SECRET = b"samverkan matching speed benchmark secret 2026"
#: Seconds allowed for a whole run of these sizes; memory for every size.
TIME_BARS = {(20_000, 60_000): 60.0, (100_000, 100_000): 180.0}
MEMORY_BAR = 2_000_000_000

HEADER = [
    "lopnummer",
    "fornamn",
    "efternamn",
    "fodelsedatum",
    "kon",
    "postnummer",
    "hushallsstorlek",
    "boarea",
]
FIRST_NAMES = (  # noqa: SIM905
    "Anna Eva Maria Karin Sara Lena Emma Kerstin Ingrid Marie Malin Sofia Elin Maja Ebba Tove "
    "Linnea Julia Alice Wilma Olivia Astrid Ella Saga Freja Nora Lisa Hanna Ida Elsa Agnes Klara "
    "Lova Ellen Stina Birgitta Margareta Elisabeth Kristina Ulla Gunilla Åsa Märta Fatima Aylin "
    "Zoë Amina Leila Yasmin Erik Lars Karl Anders Johan Per Nils Jan Carl Mikael Hans Peter Olof "
    "Sven Gustav Björn Göran Bengt Oskar Hugo Lucas William Liam Noah Elias Alexander Ahmed "
    "Mohammed Ali Omar Jonas Fredrik Daniel Henrik Mattias Magnus Stefan Tomas Lennart Kjell "
    "Rolf Åke Ulf Leif Bo"
).split()
LAST_NAMES = (  # noqa: SIM905
    "Andersson Johansson Karlsson Nilsson Eriksson Larsson Olsson Persson Svensson Gustafsson "
    "Pettersson Jonsson Jansson Hansson Bengtsson Jönsson Lindberg Jakobsson Magnusson Olofsson "
    "Lindström Lindqvist Lindgren Berg Axelsson Bergström Lundberg Lind Lundgren Lundqvist "
    "Mattsson Berglund Fredriksson Sandberg Henriksson Forsberg Sjöberg Wallin Engström Eklund "
    "Danielsson Lundin Håkansson Björk Bergman Gunnarsson Holm Wikström Samuelsson Isaksson "
    "Fransson Bergqvist Nyström Holmberg Arvidsson Löfgren Söderberg Nyberg Blomqvist Claesson "
    "Nordström Mårtensson Lundström Ali Mohammed Viklund Björklund Eliasson Pålsson Berggren "
    "Sandström Lund Nordin Ström Åberg Hermansson Ekström Holmgren Sundberg Hedlund Dahlberg "
    "Hellström Sjögren Abrahamsson Falk Öberg Martinsson Andreasson Blom Ek Månsson Strand "
    "Nordberg Hassan Demir Yusuf Warsame Ångström Fält"
).split()

Size = tuple[int, int]


def parse_size(text: str) -> Size:
    first, _, second = text.lower().partition("x")
    return int(first), int(second or first)


def median_seconds(function: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    seconds: list[float] = []
    result: Any = None
    for _ in range(repeat):
        start = time.perf_counter()
        result = function()
        seconds.append(time.perf_counter() - start)
    return statistics.median(seconds), result


# --------------------------------------------------------------------------- synthetic data


def person(rng: random.Random, number: int) -> list[str]:
    first = rng.choice(FIRST_NAMES)
    if rng.random() < 0.1:
        first += "-" + rng.choice(FIRST_NAMES)
    last = rng.choice(LAST_NAMES)
    if rng.random() < 0.05:
        last += "-" + rng.choice(LAST_NAMES)
    born = f"{rng.randint(1930, 2008)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
    return [
        str(number),
        first,
        last,
        born if rng.random() > 0.02 else "",
        rng.choice("KM") if rng.random() > 0.01 else "",
        f"{rng.randint(100, 989)} {rng.randint(10, 99)}" if rng.random() > 0.01 else "",
        str(rng.randint(1, 8)) if rng.random() > 0.02 else "-",
        str(rng.randint(15, 250)),
    ]


def typo(rng: random.Random, text: str) -> str:
    if len(text) < 3:
        return text
    i = rng.randrange(len(text) - 1)
    kind = rng.randrange(3)
    if kind == 0:  # two letters swapped
        return text[:i] + text[i + 1] + text[i] + text[i + 2 :]
    if kind == 1:  # a letter dropped
        return text[:i] + text[i + 1 :]
    return text[:i] + rng.choice("aeiouns") + text[i + 1 :]  # a letter replaced


def noisy_copy(rng: random.Random, row: list[str], number: int) -> list[str]:
    copy = [str(number), *row[1:]]
    if rng.random() < 0.3:
        copy[1] = typo(rng, copy[1])
    if rng.random() < 0.3:
        copy[2] = typo(rng, copy[2])
    if rng.random() < 0.2:
        copy[5] = copy[5].replace(" ", "")
    if rng.random() < 0.1 and copy[6] != "-":
        copy[6] = str(max(1, int(copy[6]) + rng.choice((-1, 1))))
    if rng.random() < 0.3:
        copy[7] = str(min(400, max(10, int(copy[7]) + rng.choice((-2, -1, 1, 2)))))
    return copy


def write_people(folder: Path, size: Size, seed: int) -> tuple[Path, Path, set[tuple[int, int]]]:
    """``a.csv`` and ``b.csv`` in ``folder``; the planted (a record, b record) pairs."""
    n_a, n_b = size
    rng = random.Random(seed)
    a = [person(rng, i + 1) for i in range(n_a)]
    b = [person(rng, j + 1) for j in range(n_b)]
    planted: set[tuple[int, int]] = set()
    for j in rng.sample(range(n_b), min(n_a, n_b) // 5) if n_a else []:
        i = rng.randrange(n_a)
        b[j] = noisy_copy(rng, a[i], j + 1)
        planted.add((i, j))
    paths = folder / "a.csv", folder / "b.csv"
    for path, rows in zip(paths, (a, b), strict=True):
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(HEADER)
            writer.writerows(rows)
    return paths[0], paths[1], planted


def encode(csv_path: Path, folder: Path, workers: int) -> NDArray[np.uint64]:
    output = folder / (csv_path.stem + ".json")
    result = localfiles.encode_file(
        schema_path=SCHEMA,
        secret=SECRET,
        input_path=csv_path,
        output_path=output,
        workers=workers,
    )
    assert not result.invalid, result.invalid[:3]
    data = localfiles.read_encoded(output)
    return link.load_clks([record["clk"] for record in data["records"]])


def random_clks(size: Size, seed: int) -> tuple[NDArray[np.uint64], NDArray[np.uint64]]:
    rng = np.random.default_rng(seed)

    def draw(n: int) -> NDArray[np.uint8]:
        parts = [
            np.packbits(rng.random((min(4096, n - start), 1024)) < 0.3, axis=1)
            for start in range(0, n, 4096)
        ]
        return np.concatenate(parts) if parts else np.empty((0, 128), np.uint8)

    a, b = draw(size[0]), draw(size[1])
    planted = min(size) // 5
    source = rng.choice(size[0], planted, replace=False)
    target = rng.choice(size[1], planted, replace=False)
    b[target] = a[source] ^ np.packbits(rng.random((planted, 1024)) < 0.03, axis=1)
    return link.as_words(a), link.as_words(b)


# --------------------------------------------------------------------------- kernel


def ensure_anonlink(venv_dir: Path) -> Path | None:
    """The Python of the anonlink environment, created and filled if needed."""
    python = venv_dir / "bin" / "python"
    check = [str(python), "-c", "import anonlink; print(anonlink.__version__)"]
    if python.exists():
        done = subprocess.run(check, capture_output=True, text=True, check=False)  # noqa: S603
        if done.returncode == 0:
            print(f"anonlink {done.stdout.strip()} in {venv_dir}")
            return python
    print(f"Installing {' '.join(ANONLINK_REQUIREMENTS)} into {venv_dir} ...", flush=True)
    try:
        venv.EnvBuilder(with_pip=True, clear=True).create(venv_dir)
        subprocess.run(  # noqa: S603
            [str(python), "-m", "pip", "install", "--quiet", *ANONLINK_REQUIREMENTS], check=True
        )
        done = subprocess.run(check, capture_output=True, text=True, check=True)  # noqa: S603
    except (OSError, subprocess.CalledProcessError) as error:
        print(f"anonlink could not be installed ({error}); skipping it.")
        return None
    print(f"anonlink {done.stdout.strip()} in {venv_dir}")
    return python


@dataclass
class Run:
    seconds: float
    pairs: list[tuple[int, int, float]]


def run_anonlink(
    python: Path,
    a: NDArray[np.uint64],
    b: NDArray[np.uint64],
    thresholds: Sequence[float],
    processes: Sequence[int],
    repeat: int,
    folder: Path,
) -> dict[tuple[float, int], Run]:
    inputs, outputs = folder / "anonlink-in.npz", folder / "anonlink-out.npz"
    np.savez(inputs, a=a.view(np.uint8), b=b.view(np.uint8))
    subprocess.run(  # noqa: S603
        [
            str(python),
            str(ANONLINK_SCRIPT),
            str(inputs),
            str(outputs),
            "--thresholds",
            *map(str, thresholds),
            "--processes",
            *map(str, processes),
            "--repeat",
            str(repeat),
        ],
        check=True,
    )
    data = np.load(outputs)
    runs: dict[tuple[float, int], Run] = {}
    for threshold in thresholds:
        for count in processes:
            key = f"{threshold}_{count}"
            order = np.lexsort((data[f"b_{key}"], data[f"a_{key}"]))
            pairs = list(
                zip(
                    data[f"a_{key}"][order].tolist(),
                    data[f"b_{key}"][order].tolist(),
                    data[f"score_{key}"][order].tolist(),
                    strict=True,
                )
            )
            runs[(threshold, count)] = Run(float(data[f"seconds_{key}"]), pairs)
    return runs


def compare_kernels(
    label: str,
    a: NDArray[np.uint64],
    b: NDArray[np.uint64],
    args: argparse.Namespace,
    anonlink_python: Path | None,
    folder: Path,
) -> None:
    comparisons = len(a) * len(b)
    counts = sorted({1, args.workers})
    ours: dict[tuple[float, int], Run] = {}
    for threshold in args.thresholds:
        for workers in counts:
            seconds, pairs = median_seconds(
                lambda t=threshold, w=workers: link.candidate_pairs(a, b, t, workers=w),
                args.repeat,
            )
            ours[(threshold, workers)] = Run(seconds, pairs)
    theirs: dict[tuple[float, int], Run] = {}
    if anonlink_python is not None:
        theirs = run_anonlink(anonlink_python, a, b, args.thresholds, counts, args.repeat, folder)

    def rate(run: Run | None) -> str:
        return f"{comparisons / run.seconds / 1e6:,.1f} M/s" if run else "–"

    print(f"\n{label}: {len(a):,} × {len(b):,} = {comparisons:,} comparisons")
    header = f"{'threshold':>9} {'pairs':>9} {'cores':>5} {'ours':>13} {'anonlink':>13}"
    print(header + f" {'ours/anonlink':>13}  same pairs and scores")
    print("-" * (len(header) + 36))
    for threshold in args.thresholds:
        for workers in counts:
            mine, other = ours[(threshold, workers)], theirs.get((threshold, workers))
            same = "–"
            if other is not None:
                same = "yes" if mine.pairs == other.pairs else "NO"
                if same == "NO" and [p[:2] for p in mine.pairs] == [p[:2] for p in other.pairs]:
                    worst = max(
                        abs(x[2] - y[2]) for x, y in zip(mine.pairs, other.pairs, strict=True)
                    )
                    same = f"pairs yes, scores differ by up to {worst:.1e}"
            ratio = f"{other.seconds / mine.seconds:.2f}" if other else "–"
            print(
                f"{threshold:>9} {len(mine.pairs):>9,} {workers:>5} {rate(mine):>13} "
                f"{rate(other):>13} {ratio:>13}  {same}"
            )


def kernel_section(args: argparse.Namespace, folder: Path) -> None:
    print(f"\n== Kernel (cpu_count {os.cpu_count()}, numpy {np.__version__}) ==")
    tiny = np.zeros((2, 16), dtype=np.uint64)
    start = time.perf_counter()
    link.candidate_pairs(tiny, tiny, 0.8, workers=1)
    print(f"first call (compiles, or loads numba's cache): {time.perf_counter() - start:.2f} s")
    anonlink_python = None if args.no_anonlink else ensure_anonlink(args.anonlink_venv)

    a_csv, b_csv, _ = write_people(folder, args.kernel_size, args.seed)
    start = time.perf_counter()
    a, b = encode(a_csv, folder, args.workers), encode(b_csv, folder, args.workers)
    print(
        f"encoded {len(a) + len(b):,} records in {time.perf_counter() - start:.1f} s "
        f"(localfiles.encode_file, {args.workers} processes)"
    )
    bits = np.concatenate([link.popcounts(a), link.popcounts(b)])
    print(f"bits set per CLK: {bits.min()}–{bits.max()}, median {np.median(bits):.0f}")
    compare_kernels("Encoded synthetic people", a, b, args, anonlink_python, folder)
    if args.no_random:
        return
    a, b = random_clks(args.kernel_size, args.seed)
    compare_kernels("Random CLKs (density 0.3)", a, b, args, anonlink_python, folder)
    rng = np.random.default_rng(args.seed)
    keys_a = [str(key) for key in rng.integers(0, args.blocks, len(a))]
    keys_b = [str(key) for key in rng.integers(0, args.blocks, len(b))]
    compared = sum(keys_a.count(str(k)) * keys_b.count(str(k)) for k in range(args.blocks))
    print(f"\nours with {args.blocks} random blocks, {compared:,} same-block comparisons:")
    for workers in sorted({1, args.workers}):
        seconds, pairs = median_seconds(
            lambda w=workers: link.candidate_pairs(a, b, 0.8, blocks=(keys_a, keys_b), workers=w),
            args.repeat,
        )
        print(
            f"  {workers} thread(s): {seconds:.3f} s, {compared / seconds / 1e6:,.1f} M/s, "
            f"{len(pairs):,} pairs"
        )


# --------------------------------------------------------------------------- end to end


def tree_memory(root: int) -> int:
    """Resident bytes of ``root`` and all its descendants, now."""
    children: defaultdict[int, list[int]] = defaultdict(list)
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
        except OSError:
            continue
        children[int(stat.rsplit(")", 1)[1].split()[1])].append(int(entry.name))
    total, stack = 0, [root]
    page = os.sysconf("SC_PAGE_SIZE")
    while stack:
        pid = stack.pop()
        with contextlib.suppress(OSError, IndexError, ValueError):  # the process has ended
            total += int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * page
        stack.extend(children.get(pid, ()))
    return total


@dataclass
class Step:
    name: str
    seconds: float
    tree_peak: int
    largest: int


def run_step(name: str, command: list[str]) -> Step:
    start = time.perf_counter()
    process = subprocess.Popen(  # noqa: S603
        command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, cwd=ROOT
    )
    peak = 0
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not stop.wait(0.05):
            peak = max(peak, tree_memory(process.pid))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    assert process.stdout is not None
    output = process.stdout.read().decode("utf-8", "replace").strip()
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    stop.set()
    sampler.join()
    if process.returncode:
        raise SystemExit(f"{name} failed ({process.returncode}): {' '.join(command)}")
    largest = usage.ru_maxrss * 1024  # kilobytes on Linux
    memory = f"{peak / 1e6:>7,.0f} MB  {largest / 1e6:>7,.0f} MB"
    print(f"  {name:<10} {seconds:>7.1f} s  {memory}  {output}")
    return Step(name, seconds, peak, largest)


def end_to_end(size: Size, args: argparse.Namespace, folder: Path) -> None:
    n_a, n_b = size
    print(f"\n{n_a:,} × {n_b:,} records, threshold {args.e2e_threshold}")
    a_csv, b_csv, planted = write_people(folder, size, args.seed + 1)
    key = folder / "secret.key"
    key.write_bytes(SECRET)
    cli = [sys.executable, "-m", "samverkan.cli", "match"]
    encode_args = ["encode", "--schema", str(SCHEMA), "--secret-file", str(key)]
    a_json, b_json, pairs_csv = folder / "a.json", folder / "b.json", folder / "pairs.csv"
    print(f"  {'step':<10} {'wall':>9}  {'tree peak':>10}  {'largest':>10}  output")
    steps = [
        run_step("encode a", [*cli, *encode_args, "--input", str(a_csv), "--output", str(a_json)]),
        run_step("encode b", [*cli, *encode_args, "--input", str(b_csv), "--output", str(b_json)]),
        run_step(
            "link",
            [
                *cli,
                "link",
                str(a_json),
                str(b_json),
                "--threshold",
                str(args.e2e_threshold),
                "--output",
                str(pairs_csv),
            ],
        ),
    ]
    with pairs_csv.open(encoding="utf-8") as handle:
        rows = list(csv.reader(handle))[1:]
    found = {(int(row[0]), int(row[1])) for row in rows}
    total = sum(step.seconds for step in steps)
    peak = max(max(step.tree_peak, step.largest) for step in steps)
    bar = TIME_BARS.get(size)
    verdict_time = "no bar" if bar is None else ("PASS" if total < bar else "FAIL")
    verdict_memory = "PASS" if peak < MEMORY_BAR else "FAIL"
    print(
        f"  total {total:.1f} s ({verdict_time}{f', bar {bar:.0f} s' if bar else ''}); "
        f"peak memory {peak / 1e6:,.0f} MB ({verdict_memory}, bar {MEMORY_BAR / 1e9:.0f} GB); "
        f"{len(rows):,} pairs, {len(found & planted):,} of {len(planted):,} planted pairs"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kernel-size", type=parse_size, default=(5_000, 20_000))
    parser.add_argument("--thresholds", type=float, nargs="+", default=[0.7, 0.8, 0.9])
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--blocks", type=int, default=50)
    parser.add_argument("--no-random", action="store_true", help="skip the random CLKs")
    parser.add_argument("--no-kernel", action="store_true", help="only the whole runs")
    parser.add_argument("--no-anonlink", action="store_true")
    parser.add_argument(
        "--anonlink-venv", type=Path, default=ROOT / "benchmarks" / ".venv-anonlink"
    )
    parser.add_argument(
        "--e2e", type=parse_size, nargs="*", default=[(20_000, 60_000), (100_000, 100_000)]
    )
    parser.add_argument("--e2e-threshold", type=float, default=0.8)
    parser.add_argument("--keep", type=Path, default=None, help="keep the files in this folder")
    parser.add_argument("--seed", type=int, default=20261127)
    args = parser.parse_args()

    print(
        "load average before the run (other processes share the cores): "
        + ", ".join(f"{load:.2f}" for load in os.getloadavg())
    )
    with tempfile.TemporaryDirectory(prefix="matching-speed-") as temporary:
        folder = args.keep or Path(temporary)
        folder.mkdir(parents=True, exist_ok=True)
        if not args.no_kernel:
            kernel_section(args, folder)
        if args.e2e:
            print("\n== End to end: samverkan match encode a, encode b, link ==")
            for size in args.e2e:
                end_to_end(size, args, folder)
    print("\nload average after: " + ", ".join(f"{load:.2f}" for load in os.getloadavg()))


if __name__ == "__main__":
    main()

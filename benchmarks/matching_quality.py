"""Matching quality on synthetic Swedish person records: CLK, identity tokens, the combined
rule, and a clear-text Splink linkage of the same data.

Generates a population (``samverkan.demo.synthetic``) and two register extracts,
``--size-a`` and ``--size-b`` rows (default 5,000 each) of which ``--overlap`` (default
half of the smaller) are the same people; the first is clean, the second has realistic
errors. Both are encoded the way a data owner would, with ``localfiles.encode_file``, the
shipped schema ``src/samverkan/matching/schemas/person-v1.json``,
``--identity-column personnummer`` and a fixed benchmark secret. Then it reports precision,
recall and F1 against the ground truth for

* CLK: ``candidate_pairs`` + ``one_to_one`` at each threshold (``--thresholds``,
  default 0.60 to 0.95 in steps of 0.05);
* token: exact identity tokens (``token_pairs``), one point;
* combined: ``combine.combine_pairs`` (token decides where both records have one, CLK
  where not) at each threshold, and for comparison "token or CLK" (every token pair plus
  the one-to-one CLK pairs);
* Splink: a clear-text Fellegi–Sunter model (``benchmarks/matching_quality_splink.py``)
  on the same rows, run in its own virtual environment ``benchmarks/.venv-splink``, which
  this script creates and fills from PyPI (``splink>=4,<6``) the first time; pairs are
  made one-to-one on the match probability like the CLK pairs. ``--no-splink`` skips it.

Last, the recall per error type (rows of the second extract with that error) at each
method's best threshold. Nothing is asserted; timings are printed for information.

    .venv/bin/python benchmarks/matching_quality.py [--size-a N] [--size-b M]
        [--overlap F] [--population P] [--seed S] [--thresholds 0.60:0.95:0.05]
        [--workers W] [--no-splink] [--splink-venv DIR] [--keep DIR]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
import time
import venv
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, "src")

from samverkan.core.identity import IdentityNumberError, parse_person_number
from samverkan.demo import synthetic
from samverkan.matching import link, localfiles
from samverkan.matching.combine import combine_pairs

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = ROOT / "src" / "samverkan" / "matching" / "schemas" / "person-v1.json"
SPLINK_SCRIPT = ROOT / "benchmarks" / "matching_quality_splink.py"
SPLINK_REQUIREMENT = "splink>=4,<6"
SPLINK_THRESHOLDS = (0.5, 0.8, 0.9, 0.95, 0.99, 0.999)
#: A fixed secret, so that runs are repeatable; never use a fixed secret for real data.
SECRET = b"samverkan matching quality benchmark secret 2026"

PairSet = set[tuple[int, int]]


@dataclass
class Score:
    method: str
    threshold: str
    pairs: PairSet

    def figures(self, truth: PairSet) -> tuple[float, float, float]:
        found = len(self.pairs & truth)
        precision = found / len(self.pairs) if self.pairs else 1.0
        recall = found / len(truth) if truth else 1.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        return precision, recall, f1


def parse_thresholds(text: str) -> list[float]:
    if ":" in text:
        start, stop, step = (float(part) for part in text.split(":"))
        count = round((stop - start) / step)
        return [round(start + i * step, 4) for i in range(count + 1)]
    return [float(part) for part in text.split(",")]


def encoded(path: Path, mapping: Path) -> tuple[list[str], list[str], list[int]]:
    """CLKs, tokens ("" for none) and the 0-based data row of each encoded record."""
    data = json.loads(path.read_text(encoding="utf-8"))
    with mapping.open(encoding="utf-8", newline="") as handle:
        rows = [int(row) - 2 for _, row in list(csv.reader(handle))[1:]]
    records = data["records"]
    return [r["clk"] for r in records], [r["token"] or "" for r in records], rows


def to_rows(
    pairs: Iterable[tuple[int, int]], rows_a: Sequence[int], rows_b: Sequence[int]
) -> PairSet:
    return {(rows_a[a], rows_b[b]) for a, b in pairs}


def ensure_splink(venv_dir: Path) -> Path | None:
    """The Python of the Splink environment, created and filled if needed."""
    python = venv_dir / "bin" / "python"
    check = [str(python), "-c", "import splink, duckdb; print(splink.__version__)"]
    if python.exists():
        done = subprocess.run(check, capture_output=True, text=True, check=False)  # noqa: S603
        if done.returncode == 0:
            print(f"Splink {done.stdout.strip()} in {venv_dir}")
            return python
    print(f"Installing {SPLINK_REQUIREMENT} into {venv_dir} ...", flush=True)
    try:
        venv.EnvBuilder(with_pip=True, clear=True).create(venv_dir)
        subprocess.run(  # noqa: S603
            [str(python), "-m", "pip", "install", "--quiet", SPLINK_REQUIREMENT], check=True
        )
        done = subprocess.run(check, capture_output=True, text=True, check=True)  # noqa: S603
    except (OSError, subprocess.CalledProcessError) as error:
        print(f"Splink could not be installed ({error}); skipping it.")
        return None
    print(f"Splink {done.stdout.strip()} in {venv_dir}")
    return python


def write_splink_csv(rows: Sequence[synthetic.Row], path: Path) -> None:
    """Clear text for Splink: a row number, the personnummer normalised to 12 digits (the
    same validation as the identity tokens; empty when missing) and the other columns."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["unique_id", "pnr", *synthetic.COLUMNS[1:]])
        for index, row in enumerate(rows):
            pnr = ""
            if row.personnummer:
                try:
                    pnr = parse_person_number(row.personnummer).value
                except IdentityNumberError:
                    pnr = ""
            writer.writerow([index, pnr, *row.values()[1:]])


def run_splink(
    python: Path, a_rows: Sequence[synthetic.Row], b_rows: Sequence[synthetic.Row], work: Path
) -> list[link.Pair] | None:
    a_csv, b_csv, out = work / "splink_a.csv", work / "splink_b.csv", work / "splink_pairs.csv"
    write_splink_csv(a_rows, a_csv)
    write_splink_csv(b_rows, b_csv)
    start = time.perf_counter()
    done = subprocess.run(  # noqa: S603
        [str(python), str(SPLINK_SCRIPT), str(a_csv), str(b_csv), str(out)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        print("Splink failed:\n" + done.stderr[-4000:])
        return None
    summary = [line for line in done.stderr.splitlines() if line.startswith("splink:")]
    print(f"{summary[-1] if summary else 'splink'} ({time.perf_counter() - start:.1f} s in all)")
    with out.open(encoding="utf-8", newline="") as handle:
        return [(int(a), int(b), float(p)) for a, b, p in list(csv.reader(handle))[1:]]


def print_table(scores: list[Score], truth: PairSet) -> None:
    print()
    print("| method | threshold | pairs | precision | recall | F1 |")
    print("|---|---|---|---|---|---|")
    for score in scores:
        precision, recall, f1 = score.figures(truth)
        print(
            f"| {score.method} | {score.threshold} | {len(score.pairs):,} | "
            f"{precision:.4f} | {recall:.4f} | {f1:.4f} |"
        )


def best(scores: list[Score], method: str, truth: PairSet) -> Score | None:
    own = [s for s in scores if s.method == method]
    return max(own, key=lambda s: s.figures(truth)[2]) if own else None


def print_error_recall(
    chosen: list[Score], truth: PairSet, b_rows: Sequence[synthetic.Row]
) -> None:
    """Recall among the true pairs whose B row has each error type."""
    kinds = ["(none)", *synthetic.ERROR_TYPES]
    by_kind: dict[str, PairSet] = {kind: set() for kind in kinds}
    for pair in truth:
        errors = b_rows[pair[1]].errors or ("(none)",)
        for kind in errors:
            by_kind[kind].add(pair)
    print()
    header = " | ".join(f"{s.method} @ {s.threshold}" for s in chosen)
    print(f"| error in B row | true pairs | {header} |")
    print("|---|---|" + "---|" * len(chosen))
    for kind in kinds:
        pairs = by_kind[kind]
        if not pairs:
            continue
        cells = " | ".join(f"{len(pairs & s.pairs) / len(pairs):.3f}" for s in chosen)
        print(f"| {kind} | {len(pairs):,} | {cells} |")


def print_false_pairs(
    chosen: list[Score],
    truth: PairSet,
    ground: synthetic.GroundTruth,
    population: Sequence[synthetic.Person],
) -> None:
    """False pairs split into twins, other people of the same household, and the rest."""
    print()
    print("| false pairs | " + " | ".join(f"{s.method} @ {s.threshold}" for s in chosen) + " |")
    print("|---|" + "---|" * len(chosen))
    counts = []
    for score in chosen:
        kinds = {"twin": 0, "same household": 0, "other": 0}
        for a, b in score.pairs - truth:
            left = population[ground.entity_ids[0][a]]
            right = population[ground.entity_ids[1][b]]
            if left.household_id != right.household_id:
                kinds["other"] += 1
            elif left.fodelsedatum == right.fodelsedatum:
                kinds["twin"] += 1
            else:
                kinds["same household"] += 1
        counts.append(kinds)
    for kind in ("twin", "same household", "other"):
        print(f"| {kind} | " + " | ".join(str(c[kind]) for c in counts) + " |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-a", type=int, default=5_000)
    parser.add_argument("--size-b", type=int, default=5_000)
    parser.add_argument("--overlap", type=float, default=0.5)
    parser.add_argument(
        "--population", type=int, default=None, help="people (default: size-a + size-b)"
    )
    parser.add_argument("--seed", type=int, default=20261127)
    parser.add_argument("--thresholds", default="0.60:0.95:0.05")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--no-splink", action="store_true")
    parser.add_argument("--splink-venv", type=Path, default=ROOT / "benchmarks" / ".venv-splink")
    parser.add_argument("--keep", type=Path, default=None, help="keep the files in this folder")
    args = parser.parse_args()
    thresholds = parse_thresholds(args.thresholds)

    with tempfile.TemporaryDirectory() as temporary:
        work = args.keep or Path(temporary)
        work.mkdir(parents=True, exist_ok=True)

        start = time.perf_counter()
        population = synthetic.make_population(
            args.population or args.size_a + args.size_b, args.seed
        )
        (a_rows, b_rows), ground = synthetic.make_extracts(
            population,
            sizes=[args.size_a, args.size_b],
            overlap=args.overlap,
            seed=args.seed + 1,
        )
        truth = ground.pairs()
        print(
            f"Population {len(population):,}, A {len(a_rows):,} rows (clean), "
            f"B {len(b_rows):,} rows (with errors), {len(truth):,} true pairs; "
            f"generated in {time.perf_counter() - start:.2f} s"
        )
        both = sum(1 for a, b in truth if a_rows[a].personnummer and b_rows[b].personnummer)
        print(f"True pairs where both rows have a personnummer: {both:,}")

        files = {}
        for name, rows in (("a", a_rows), ("b", b_rows)):
            source = work / f"{name}.csv"
            synthetic.write_csv(rows, source)
            output, mapping = work / f"{name}.json", work / f"{name}_mapping.csv"
            start = time.perf_counter()
            result = localfiles.encode_file(
                schema_path=SCHEMA,
                secret=SECRET,
                input_path=source,
                output_path=output,
                mapping_path=mapping,
                identity_column="personnummer",
                workers=args.workers,
            )
            print(
                f"Encoded {name.upper()}: {result.records:,} records, "
                f"{len(result.invalid)} invalid rows, {time.perf_counter() - start:.2f} s"
            )
            for problem in result.invalid[:5]:
                print(f"  {problem}")
            files[name] = encoded(output, mapping)
        clks_a, tokens_a, rows_a = files["a"]
        clks_b, tokens_b, rows_b = files["b"]

        start = time.perf_counter()
        clk_a, clk_b = link.load_clks(clks_a), link.load_clks(clks_b)
        candidates = link.candidate_pairs(clk_a, clk_b, min(thresholds), workers=args.workers)
        tokens = link.token_pairs(tokens_a, tokens_b)
        print(
            f"Linked: {len(candidates):,} CLK pairs at Dice ≥ {min(thresholds)}, "
            f"{len(tokens):,} token pairs, {time.perf_counter() - start:.2f} s"
        )

        scores: list[Score] = []
        for threshold in thresholds:
            above = [pair for pair in candidates if pair[2] >= threshold]
            chosen = link.one_to_one(above)
            label = f"{threshold:.2f}"
            scores.append(
                Score("CLK", label, to_rows(((a, b) for a, b, _ in chosen), rows_a, rows_b))
            )
        token_score = Score("token", "exact", to_rows(tokens, rows_a, rows_b))
        scores.append(token_score)
        for threshold in thresholds:
            above = [pair for pair in candidates if pair[2] >= threshold]
            matches = combine_pairs(tokens, above, tokens_a=tokens_a, tokens_b=tokens_b)
            pairs = to_rows(((m.a_index, m.b_index) for m in matches), rows_a, rows_b)
            scores.append(Score("combined", f"{threshold:.2f}", pairs))
        for threshold in thresholds:
            above = [pair for pair in candidates if pair[2] >= threshold]
            union = {(a, b) for a, b, _ in link.one_to_one(above)} | set(tokens)
            scores.append(Score("token or CLK", f"{threshold:.2f}", to_rows(union, rows_a, rows_b)))

        if not args.no_splink:
            python = ensure_splink(args.splink_venv)
            predicted = run_splink(python, a_rows, b_rows, work) if python else None
            if predicted is not None:
                for threshold in SPLINK_THRESHOLDS:
                    chosen = link.one_to_one([p for p in predicted if p[2] >= threshold])
                    scores.append(Score("Splink", f"{threshold}", {(a, b) for a, b, _ in chosen}))

        print_table(scores, truth)
        picked = [
            s
            for s in (best(scores, m, truth) for m in ("CLK", "token", "combined", "Splink"))
            if s is not None
        ]
        print_error_recall(picked, truth, b_rows)
        print_false_pairs(picked, truth, ground, population)
        if args.keep:
            print(f"\nFiles kept in {work}")


if __name__ == "__main__":
    main()

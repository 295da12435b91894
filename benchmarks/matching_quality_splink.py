"""Clear-text probabilistic linkage of two person files with Splink (DuckDB backend).

Run by ``benchmarks/matching_quality.py`` inside its own virtual environment
(``benchmarks/.venv-splink``, with ``splink`` 4.x or 5.x), never imported by the project:

    benchmarks/.venv-splink/bin/python benchmarks/matching_quality_splink.py \
        A.csv B.csv PAIRS.csv [--threshold 0.01] [--seed 1]

Input: CSV files with the columns ``unique_id, pnr, fornamn, efternamn, fodelsedatum, kon,
adress, postnummer, ort`` (``pnr`` normalised to 12 digits, empty when missing or
invalid). Output: ``unique_id_l, unique_id_r, match_probability`` for every predicted
pair with a match probability of at least ``--threshold``; ``_l`` is a row of A, ``_r``
a row of B. Timings go to standard error.

The model (Fellegi–Sunter, as Splink builds it):

* comparisons: personnummer exact; first name and surname by Jaro-Winkler (≥ 0.92,
  ≥ 0.88, ≥ 0.7) with term-frequency adjustment of exact matches, so a shared "Andersson"
  counts for less than a shared "Åkesson"; birth date with Splink's date-of-birth
  comparison (exact, one edit, within a month, a year, ten years); sex exact; address by
  Jaro-Winkler (≥ 0.9, ≥ 0.8); postcode and town exact;
* training: the prior from pairs with equal personnummer (recall 0.9); u probabilities
  from random pairs; m probabilities by expectation maximisation in two sessions, blocked
  on personnummer (estimates everything else) and on birth date and first name (estimates
  the personnummer). Blocking on birth date alone, or on surname, lets twins and
  households pass for matches in EM (they agree on nearly everything but the number), so
  a differing personnummer would count for too little;
* prediction: pairs with equal personnummer, birth date, first name and surname,
  surname and postcode, or first name and birth year.
"""

from __future__ import annotations

import argparse
import csv
import logging
import sys
import time

import splink.comparison_library as cl
from splink import DuckDBAPI, Linker, SettingsCreator, block_on

COLUMNS = ("pnr", "fornamn", "efternamn", "fodelsedatum", "kon", "adress", "postnummer", "ort")


def load(db_api: DuckDBAPI, path: str, name: str) -> None:
    columns = ", ".join(f"NULLIF(TRIM({c}), '') AS {c}" for c in COLUMNS)
    # Table and column names are this script's constants; the path is a parameter.
    sql = (
        f"CREATE TABLE {name} AS SELECT CAST(unique_id AS BIGINT) AS unique_id, {columns}, "  # noqa: S608
        "SUBSTR(NULLIF(TRIM(fodelsedatum), ''), 1, 4) AS fodelsear "
        "FROM read_csv(?, header = true, all_varchar = true)"
    )
    db_api.duckdb_con.execute(sql, [path])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("a")
    parser.add_argument("b")
    parser.add_argument("out")
    parser.add_argument("--threshold", type=float, default=0.01)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    logging.getLogger("splink").setLevel(logging.WARNING)

    start = time.perf_counter()
    db_api = DuckDBAPI()
    load(db_api, args.a, "register_a")
    load(db_api, args.b, "register_b")
    tables = [
        db_api.register("register_a", dataset_display_name="a"),
        db_api.register("register_b", dataset_display_name="b"),
    ]
    names = [0.92, 0.88, 0.7]
    settings = SettingsCreator(
        link_type="link_only",
        unique_id_column_name="unique_id",
        comparisons=[
            cl.ExactMatch("pnr"),
            cl.JaroWinklerAtThresholds("fornamn", names).configure(term_frequency_adjustments=True),
            cl.JaroWinklerAtThresholds("efternamn", names).configure(
                term_frequency_adjustments=True
            ),
            cl.DateOfBirthComparison(
                "fodelsedatum", input_is_string=True, datetime_format="%Y-%m-%d"
            ),
            cl.ExactMatch("kon"),
            cl.JaroWinklerAtThresholds("adress", [0.9, 0.8]),
            cl.ExactMatch("postnummer"),
            cl.ExactMatch("ort"),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("pnr"),
            block_on("fodelsedatum"),
            block_on("fornamn", "efternamn"),
            block_on("efternamn", "postnummer"),
            block_on("fornamn", "fodelsear"),
        ],
        retain_intermediate_calculation_columns=False,
        retain_matching_columns=False,
    )
    linker = Linker(tables, settings, log_level=logging.WARNING)
    training = linker.training
    training.estimate_probability_two_random_records_match([block_on("pnr")], recall=0.9)
    training.estimate_u_using_random_sampling(max_pairs=2e6, seed=args.seed)
    for rule in (block_on("pnr"), block_on("fodelsedatum", "fornamn")):
        training.estimate_parameters_using_expectation_maximisation(rule)
    trained = time.perf_counter()
    predictions = linker.inference.predict(
        threshold_match_probability=args.threshold, warning_mode="never"
    )
    # Each pair once, A's record first (Splink orders the two sides by dataset name).
    sql = (
        "SELECT CASE WHEN source_dataset_l = 'a' THEN unique_id_l ELSE unique_id_r END AS a, "  # noqa: S608
        "CASE WHEN source_dataset_l = 'a' THEN unique_id_r ELSE unique_id_l END AS b, "
        f"match_probability FROM {predictions.physical_name} ORDER BY a, b"
    )
    rows = db_api.duckdb_con.execute(sql).fetchall()
    with open(args.out, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["unique_id_l", "unique_id_r", "match_probability"])
        for left, right, probability in rows:
            writer.writerow([left, right, repr(float(probability))])
    done = time.perf_counter()
    print(
        f"splink: training {trained - start:.1f} s, prediction {done - trained:.1f} s, "
        f"{len(rows)} pairs",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()

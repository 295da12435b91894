"""Synthetic person records: determinism, valid identity numbers, households and twins,
consistent ground truth and error bookkeeping, and the shipped person schema."""

from __future__ import annotations

import csv
import dataclasses
import json
from collections import Counter, defaultdict
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from samverkan.core.identity import luhn_checksum_ok, parse_person_number
from samverkan.demo import synthetic
from samverkan.demo.synthetic import (
    COLUMNS,
    DEFAULT_ERROR_RATES,
    ERROR_TYPES,
    Person,
    Row,
    make_extracts,
    make_population,
    write_csv,
)
from samverkan.matching import combine, link, localfiles, schema

TODAY = date(2026, 11, 27)
SCHEMA_PATH = Path(localfiles.__file__).parent / "schemas" / "person-v1.json"
SECRET = b"synthetic-test-secret-0123456789"
ALL_ERRORS = dict.fromkeys(ERROR_TYPES, 1.0)


@pytest.fixture(scope="module")
def population() -> list[Person]:
    return make_population(4000, seed=11)


# --------------------------------------------------------------------------- population


def test_population_is_deterministic_by_seed() -> None:
    assert make_population(600, seed=5) == make_population(600, seed=5)
    assert make_population(600, seed=5) != make_population(600, seed=6)
    assert make_population(0, seed=5) == []


def test_population_has_exactly_the_size_and_ids_are_positions(population: list[Person]) -> None:
    assert len(population) == 4000
    assert [p.entity_id for p in population] == list(range(4000))
    assert len(make_population(1, seed=1)) == 1


def test_every_identity_number_is_valid_and_unique(population: list[Person]) -> None:
    numbers = [p.personnummer for p in population]
    assert len(set(numbers)) == len(numbers)
    for person in population:
        parsed = parse_person_number(person.personnummer, today=TODAY)
        assert parsed.value == person.personnummer
        assert parsed.birth_date == person.fodelsedatum
        assert parsed.is_coordination_number == person.is_coordination_number
        # The ninth digit is odd for men and even for women.
        assert (int(person.personnummer[10]) % 2 == 1) == (person.kon == "M")
        assert synthetic.FIRST_BIRTH_YEAR <= person.fodelsedatum.year <= 2024
        assert person.kon in ("K", "M")


def test_samordningsnummer_have_day_plus_60(population: list[Person]) -> None:
    coordination = [p for p in population if p.is_coordination_number]
    assert 40 <= len(coordination) <= 250  # about 3 %
    for person in coordination:
        assert int(person.personnummer[6:8]) == person.fodelsedatum.day + 60
    none = make_population(300, seed=2, coordination_share=0.0)
    assert not any(p.is_coordination_number for p in none)


@given(st.text(alphabet="0123456789", min_size=9, max_size=9))
def test_luhn_check_digit_passes_the_projects_validator(digits: str) -> None:
    assert luhn_checksum_ok(digits + str(synthetic.luhn_check_digit(digits)))


def test_person_number_forms() -> None:
    born = date(1921, 3, 4)
    twelve = synthetic.person_number(born, 901, today=TODAY)
    ten = synthetic.person_number(born, 901, digits=10, today=TODAY)
    assert len(twelve) == 12 and ten[6] == "+"
    assert parse_person_number(ten, today=TODAY).value == twelve
    young = synthetic.person_number(date(1990, 5, 6), 912, digits=10, today=TODAY)
    assert young[6] == "-"
    coordination = synthetic.person_number(date(1990, 5, 6), 912, coordination=True, today=TODAY)
    assert coordination[6:8] == "66" and parse_person_number(coordination, today=TODAY)
    with pytest.raises(ValueError):
        synthetic.person_number(born, 901, digits=11, today=TODAY)


def test_households_share_surname_and_address(population: list[Person]) -> None:
    households: defaultdict[int, list[Person]] = defaultdict(list)
    for person in population:
        households[person.household_id].append(person)
    sizes = Counter(len(members) for members in households.values())
    assert sizes[1] > 0 and sizes[2] > 0 and sum(n for s, n in sizes.items() if s >= 3) > 50
    for members in households.values():
        assert len({(p.adress, p.postnummer, p.ort) for p in members}) == 1
    families = [m for m in households.values() if len(m) >= 3]
    shared_surname = [m for m in families if len({p.efternamn for p in m}) < len(m)]
    assert len(shared_surname) > len(families) * 0.8


def test_twins_exist_with_different_names_and_numbers(population: list[Person]) -> None:
    by_birth: defaultdict[tuple[int, date], list[Person]] = defaultdict(list)
    for person in population:
        by_birth[(person.household_id, person.fodelsedatum)].append(person)
    twins = [group for group in by_birth.values() if len(group) >= 2]
    assert len(twins) >= 5
    for group in twins:
        assert len({p.fornamn for p in group}) == len(group)
        assert len({p.personnummer for p in group}) == len(group)
        assert len({(p.adress, p.postnummer) for p in group}) == 1
    assert any(len({p.efternamn for p in group}) == 1 for group in twins)


def test_children_with_names_like_a_parents(population: list[Person]) -> None:
    """Hard negatives: same household and sex, a generation apart, related first names."""
    households: defaultdict[int, list[Person]] = defaultdict(list)
    for person in population:
        households[person.household_id].append(person)
    related = {name: set(group) for group in synthetic._RELATED_NAMES for name in group}
    found = 0
    for members in households.values():
        for old in members:
            for young in members:
                if young.fodelsedatum.year - old.fodelsedatum.year < 18 or old.kon != young.kon:
                    continue
                first_old, first_young = old.fornamn.split()[0], young.fornamn.split()[0]
                if first_old == first_young or first_young in related.get(first_old, ()):
                    found += 1
    assert found >= 20


def test_population_has_common_swedish_names_and_ostergotland_towns(
    population: list[Person],
) -> None:
    surnames = Counter(p.efternamn for p in population)
    son = sum(n for name, n in surnames.items() if name.endswith("son"))
    assert son > len(population) * 0.4
    assert {name for name, _ in surnames.most_common(3)} <= {
        "Andersson",
        "Johansson",
        "Karlsson",
        "Nilsson",
    }
    towns = Counter(p.ort for p in population)
    assert towns.most_common(2)[0][0] in ("Linköping", "Norrköping")
    assert set(towns) <= {t[0] for t in synthetic._TOWNS}
    assert any(" " in p.fornamn for p in population)  # two given names


# --------------------------------------------------------------------------- extracts


def test_extracts_are_deterministic_by_seed(population: list[Person]) -> None:
    first = make_extracts(population, sizes=[500, 400], overlap=0.5, seed=1, today=TODAY)
    again = make_extracts(population, sizes=[500, 400], overlap=0.5, seed=1, today=TODAY)
    other = make_extracts(population, sizes=[500, 400], overlap=0.5, seed=2, today=TODAY)
    assert first == again
    assert first != other


def test_ground_truth_is_consistent(population: list[Person]) -> None:
    (a, b, c), truth = make_extracts(
        population, sizes=[1000, 800, 300], overlap=0.4, seed=3, today=TODAY
    )
    assert (len(a), len(b), len(c)) == (1000, 800, 300)
    for rows, ids in zip((a, b, c), truth.entity_ids, strict=True):
        assert [r.entity_id for r in rows] == list(ids)
        assert len(set(ids)) == len(ids)  # nobody twice in one extract
    pairs = truth.pairs(0, 1)
    assert len(pairs) == round(0.4 * 800) == 320
    assert len(truth.pairs(0, 2)) == round(0.4 * 300)
    for i, j in pairs:
        assert a[i].entity_id == b[j].entity_id
    in_a = {r.entity_id for r in a}
    matched_b = {j for _, j in pairs}
    for j, row in enumerate(b):
        assert (row.entity_id in in_a) == (j in matched_b)
    # The first extract is clean: exactly the population's values.
    for row in a:
        assert row.errors == ()
        assert row.values() == population[row.entity_id].values()


def test_non_matches_include_household_members(population: list[Person]) -> None:
    (a, b), _ = make_extracts(
        population, sizes=[1000, 1000], overlap=0.5, seed=4, household_affinity=0.5, today=TODAY
    )
    households_a = {population[r.entity_id].household_id for r in a}
    in_a = {r.entity_id for r in a}
    others = [r for r in b if r.entity_id not in in_a]
    near = [r for r in others if population[r.entity_id].household_id in households_a]
    assert len(others) == 500
    assert len(near) >= 200


def test_extract_sizes_are_checked(population: list[Person]) -> None:
    with pytest.raises(ValueError, match="smaller"):
        make_extracts(population, sizes=[5000], overlap=0.5, seed=1)
    with pytest.raises(ValueError, match="too small"):
        make_extracts(population, sizes=[3000, 3000], overlap=0.1, seed=1)
    with pytest.raises(ValueError, match="unknown error types"):
        make_extracts(population, sizes=[10, 10], overlap=0.5, seed=1, error_rates={"typos": 1})
    with pytest.raises(ValueError):
        make_extracts(population, sizes=[10, 10], overlap=1.5, seed=1)


def test_errors_are_applied_and_recorded(population: list[Person]) -> None:
    rates = dict(ALL_ERRORS, missing_pnr=0.3, missing_value=0.5)
    (_, b), _ = make_extracts(
        population, sizes=[1500, 1500], overlap=0.5, seed=5, error_rates=rates, today=TODAY
    )
    counts = Counter(kind for row in b for kind in row.errors)
    assert set(counts) == set(ERROR_TYPES)
    for row in b:
        person = population[row.entity_id]
        clean = dict(zip(COLUMNS, person.values(), strict=True))
        got = dict(zip(COLUMNS, row.values(), strict=True))
        if "missing_pnr" in row.errors:
            assert got["personnummer"] == ""
        else:
            number = parse_person_number(got["personnummer"], today=TODAY)
            assert number.value == person.personnummer
            assert ("pnr_10_digit" in row.errors) == (len(got["personnummer"]) == 11)
        if "date_swap" in row.errors and got["fodelsedatum"]:
            year, first, second = got["fodelsedatum"].split("-")
            assert f"{year}-{second}-{first}" == clean["fodelsedatum"]
        other_address_errors = {"address_format", "typo", "missing_value"}
        if "moved" in row.errors and not set(row.errors) & other_address_errors:
            assert got["adress"] != clean["adress"]
        if "given_names" in row.errors:
            assert " " in person.fornamn
        if "surname_change" in row.errors:
            assert TODAY.year - person.fodelsedatum.year >= 18
        untouched = {"typo", "name_variant", "given_names", "surname_change", "missing_value"}
        if not set(row.errors) & untouched:
            assert got["fornamn"] == clean["fornamn"]
            assert got["efternamn"] == clean["efternamn"]
    ten = [r for r in b if "pnr_10_digit" in r.errors]
    old = [r for r in ten if TODAY.year - population[r.entity_id].fodelsedatum.year >= 100]
    assert all(r.personnummer[6] == "+" for r in old)
    assert all(r.personnummer[6] == "-" for r in ten if r not in old)


def test_no_errors_gives_clean_rows(population: list[Person]) -> None:
    (_, b), truth = make_extracts(
        population, sizes=[300, 300], overlap=1.0, seed=6, error_rates={}, today=TODAY
    )
    assert len(truth.pairs()) == 300
    for row in b:
        assert row.errors == ()
        assert row.values() == population[row.entity_id].values()


def test_default_error_rates_cover_every_error_type() -> None:
    assert set(DEFAULT_ERROR_RATES) == set(ERROR_TYPES)
    assert all(0 <= rate <= 1 for rate in DEFAULT_ERROR_RATES.values())


def test_write_csv_leaves_out_entity_ids(tmp_path: Path, population: list[Person]) -> None:
    (_, b), _ = make_extracts(population, sizes=[50, 40], overlap=0.5, seed=7, today=TODAY)
    path = tmp_path / "b.csv"
    assert write_csv(b, path) == 40
    with path.open(encoding="utf-8", newline="") as handle:
        lines = list(csv.reader(handle))
    assert tuple(lines[0]) == COLUMNS
    assert [tuple(line) for line in lines[1:]] == [tuple(r.values()) for r in b]
    assert "entity_id" not in path.read_text(encoding="utf-8")
    assert "entity_id" in {f.name for f in dataclasses.fields(Row)}


# --------------------------------------------------------------------------- shipped schema


def test_shipped_schema_parses_and_has_the_columns() -> None:
    parsed = schema.load_schema(SCHEMA_PATH)
    assert parsed.identifiers == COLUMNS
    assert parsed.l == 1024
    assert isinstance(parsed.features[0], schema.IgnoredFeature)


def test_shipped_schema_is_unchanged() -> None:
    """Encodings depend on every detail of the schema: a changed person-v1.json would no
    longer match files encoded with it. Ship a new person-v2.json instead."""
    assert schema.fingerprint(schema.load_schema(SCHEMA_PATH)) == (
        "9cd170456a4367f7cf0b7b15cceea55bfccb91f1e17e6184ff0460b1c20f0d96"
    )


@pytest.mark.parametrize("rates", [DEFAULT_ERROR_RATES, dict(ALL_ERRORS, missing_pnr=0.5)])
def test_shipped_schema_encodes_synthetic_csv_without_invalid_rows(
    tmp_path: Path, population: list[Person], rates: dict[str, float]
) -> None:
    (a, b), _ = make_extracts(population, sizes=[400, 600], overlap=0.5, seed=8, error_rates=rates)
    for name, rows in (("a", a), ("b", b)):
        source = tmp_path / f"{name}.csv"
        write_csv(rows, source)
        result = localfiles.encode_file(
            schema_path=SCHEMA_PATH,
            secret=SECRET,
            input_path=source,
            output_path=tmp_path / f"{name}.json",
            identity_column="personnummer",
            workers=1,
        )
        assert result.invalid == []
        assert result.records == len(rows)
        records = json.loads((tmp_path / f"{name}.json").read_text(encoding="utf-8"))["records"]
        assert [bool(r["token"]) for r in records] == [bool(r.personnummer) for r in rows]


def test_combined_rule_finds_the_planted_matches(tmp_path: Path) -> None:
    """End to end on a small benchmark: the shipped schema and the combined rule."""
    people = make_population(1600, seed=9)
    (a, b), truth = make_extracts(people, sizes=[600, 600], overlap=0.5, seed=10)
    files = []
    for name, rows in (("a", a), ("b", b)):
        write_csv(rows, tmp_path / f"{name}.csv")
        localfiles.encode_file(
            schema_path=SCHEMA_PATH,
            secret=SECRET,
            input_path=tmp_path / f"{name}.csv",
            output_path=tmp_path / f"{name}.json",
            identity_column="personnummer",
            workers=1,
        )
        records = json.loads((tmp_path / f"{name}.json").read_text(encoding="utf-8"))["records"]
        files.append(records)
    tokens_a = [r["token"] or "" for r in files[0]]
    tokens_b = [r["token"] or "" for r in files[1]]
    clks = [link.load_clks(r["clk"] for r in records) for records in files]
    pairs = link.candidate_pairs(clks[0], clks[1], 0.8, workers=1)
    matches = combine.combine_pairs(
        link.token_pairs(tokens_a, tokens_b), pairs, tokens_a=tokens_a, tokens_b=tokens_b
    )
    found = {(m.a_index, m.b_index) for m in matches}  # no invalid rows: positions = rows
    true = truth.pairs()
    precision = len(found & true) / len(found)
    recall = len(found & true) / len(true)
    assert precision >= 0.98 and recall >= 0.98
    clk_only = {(x, y) for x, y, _ in link.one_to_one(pairs)}
    assert len(found & true) > len(clk_only & true)

"""The Bloom-filter encoder (CLKs) and the linkage-schema parser.

The reference encodings in fixtures/expected_clks.json were made once by the real clkhash
(see fixtures/README.md); the encoder must reproduce them bit for bit.
"""

from __future__ import annotations

import base64
import copy
import csv
import hashlib
import itertools
import json
import pickle
from pathlib import Path
from typing import Any

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from samverkan.matching.clk import (
    MIN_SECRET_BYTES,
    RecordError,
    _feature_keys,
    check_header,
    decode_clk,
    dice,
    encode_record,
    encode_rows,
    feature_value,
    tokenize,
)
from samverkan.matching.schema import (
    BitsPerFeature,
    ExactComparison,
    Feature,
    IgnoredFeature,
    LinkageSchema,
    NgramComparison,
    NumericComparison,
    SchemaError,
    fingerprint,
    load_schema,
    parse_schema,
    to_dict,
)

FIXTURES = Path(__file__).parent / "fixtures"
EXPECTED = json.loads((FIXTURES / "expected_clks.json").read_text(encoding="utf-8"))
SECRET = EXPECTED["secret_utf8"].encode("utf-8")
OTHER_SECRET = b"a-completely-different-shared-secret"
THRESHOLD = 0.8


def _read_csv() -> tuple[list[str], list[list[str]]]:
    with (FIXTURES / EXPECTED["data"]).open(encoding="utf-8", newline="") as f:
        header, *rows = list(csv.reader(f))
    return header, rows


HEADER, ROWS = _read_csv()


@pytest.fixture(scope="module")
def schema() -> LinkageSchema:
    return load_schema(FIXTURES / "schema_v3.json")


@pytest.fixture(scope="module")
def clks(schema: LinkageSchema) -> list[bytes]:
    return [decode_clk(c, schema) for c in encode_rows(ROWS, schema, SECRET)]


def _schema_doc() -> dict[str, Any]:
    doc: dict[str, Any] = json.loads((FIXTURES / "schema_v3.json").read_text(encoding="utf-8"))
    return doc


# --------------------------------------------------------------------------- clkhash


def test_fixture_was_made_by_clkhash_0_18() -> None:
    assert EXPECTED["clkhash_version"] == "0.18.3"
    assert set(EXPECTED["encodings"]) == {"schema_v3.json", "schema_v3_variant.json"}
    assert all(len(v) == len(ROWS) == 32 for v in EXPECTED["encodings"].values())


@pytest.mark.parametrize("schema_file", sorted(EXPECTED["encodings"]))
def test_encodings_equal_clkhash_bit_for_bit(schema_file: str) -> None:
    schema = load_schema(FIXTURES / schema_file)
    check_header(HEADER, schema)
    got = encode_rows(ROWS, schema, SECRET, first_row=2)
    expected = EXPECTED["encodings"][schema_file]
    mismatched = [i for i, (a, b) in enumerate(zip(got, expected, strict=True)) if a != b]
    assert mismatched == []
    # encode_record (no token cache) gives the same bytes
    for row, clk in zip(ROWS, expected, strict=True):
        assert encode_record(row, schema, SECRET) == base64.b64decode(clk)


def test_awkward_random_rows_equal_clkhash_bit_for_bit() -> None:
    stress = EXPECTED["stress"]
    schema = load_schema(FIXTURES / stress["schema"])
    got = encode_rows(stress["rows"], schema, stress["secret_utf8"].encode("utf-8"))
    mismatched = [i for i, (a, b) in enumerate(zip(got, stress["clks"], strict=True)) if a != b]
    assert mismatched == []
    fill = [int.from_bytes(decode_clk(c), "big").bit_count() / schema.l for c in got]
    assert 0.05 < sum(fill) / len(fill) < 0.6  # far from saturated, so the test has teeth


def test_clk_length_follows_l(schema: LinkageSchema, clks: list[bytes]) -> None:
    assert schema.l == 1024
    assert {len(c) for c in clks} == {128}
    variant = load_schema(FIXTURES / "schema_v3_variant.json")
    assert len(encode_record(ROWS[0], variant, SECRET)) == 256


def test_hkdf_matches_the_cryptography_package(schema: LinkageSchema) -> None:
    hkdf_module = pytest.importorskip("cryptography.hazmat.primitives.kdf.hkdf")
    hashes = pytest.importorskip("cryptography.hazmat.primitives.hashes")
    n = len(schema.features)
    okm = hkdf_module.HKDF(
        algorithm=hashes.SHA256(),
        length=2 * n * 64,
        salt=schema.kdf.salt,
        info=schema.kdf.info,
    ).derive(SECRET)
    assert _feature_keys(schema, SECRET) == tuple(okm[i * 128 : i * 128 + 64] for i in range(n))


# --------------------------------------------------------------------------- behaviour


def test_encoding_is_deterministic(schema: LinkageSchema, clks: list[bytes]) -> None:
    again = [decode_clk(c) for c in encode_rows(ROWS, schema, SECRET)]
    assert again == clks
    reparsed = parse_schema(json.dumps(_schema_doc()))
    assert encode_record(ROWS[5], reparsed, SECRET) == clks[5]


def test_a_different_secret_gives_no_matches(schema: LinkageSchema, clks: list[bytes]) -> None:
    other = [decode_clk(c) for c in encode_rows(ROWS, schema, OTHER_SECRET)]
    assert all(a != b for a, b in zip(clks, other, strict=True))
    same_record = [dice(a, b) for a, b in zip(clks, other, strict=True)]
    assert max(same_record) < THRESHOLD
    assert max(dice(a, b) for a in clks for b in other) < THRESHOLD


# pairs of rows (0-based) that describe the same person with spelling variants
SIMILAR = [(0, 1), (2, 3), (4, 5), (8, 9), (11, 12), (14, 15), (28, 29)]


def test_similar_records_score_high_and_others_low(clks: list[bytes]) -> None:
    similar = {pair: dice(clks[pair[0]], clks[pair[1]]) for pair in SIMILAR}
    unrelated = [
        dice(clks[i], clks[j])
        for i, j in itertools.combinations(range(len(clks)), 2)
        if (i, j) not in similar
    ]
    assert min(similar.values()) > max(unrelated)
    assert min(similar.values()) > 0.75
    assert max(unrelated) < THRESHOLD
    assert sum(score >= THRESHOLD for score in similar.values()) >= 6


def test_one_letter_difference_in_a_name_keeps_a_high_score(schema: LinkageSchema) -> None:
    base = ["1", "Märta", "Lindqvist", "1958-07-04", "K", "602 38", "2", "68"]
    for i, name in ((1, "Marta"), (2, "Lindkvist"), (1, "Märtha")):
        variant = list(base)
        variant[i] = name
        score = dice(encode_record(base, schema, SECRET), encode_record(variant, schema, SECRET))
        assert score >= 0.9, name


def test_ignored_column_does_not_change_the_encoding(schema: LinkageSchema) -> None:
    row = list(ROWS[3])
    changed = ["anything at all", *row[1:]]
    assert encode_record(row, schema, SECRET) == encode_record(changed, schema, SECRET)


def test_missing_value_sentinel_is_replaced_not_validated(schema: LinkageSchema) -> None:
    feature = schema.features[2]
    assert isinstance(feature, Feature)
    assert feature_value(feature, "N/A") == ""
    kon = schema.features[4]
    assert isinstance(kon, Feature)
    assert feature_value(kon, "") == "okänt"


def test_values_are_normalised_like_clkhash(schema: LinkageSchema) -> None:
    dob, size = schema.features[3], schema.features[6]
    assert isinstance(dob, Feature) and isinstance(size, Feature)
    assert feature_value(dob, "1984-03-12") == "19840312"
    assert feature_value(size, " +3 ") == "3"
    row = list(ROWS[0])
    assert encode_record(row, schema, SECRET) == encode_record(
        [*row[:6], "+3", row[7]], schema, SECRET
    )


def test_tokenizers() -> None:
    assert tokenize(NgramComparison(2), "clkhash") == [
        " c", "cl", "lk", "kh", "ha", "as", "sh", "h ",
    ]  # fmt: skip
    assert tokenize(NgramComparison(2, positional=True), "ab") == ["1  a", "2 ab", "3 b "]
    assert tokenize(NgramComparison(1, positional=True), "19840312")[:2] == ["1 1", "2 9"]
    assert tokenize(ExactComparison(), "K") == ["K"]
    assert tokenize(NgramComparison(3), "") == []
    # the example in clkhash's NumericComparison docstring: x=25, distance 8, resolution 2
    numeric = NumericComparison(threshold_distance=8, resolution=2)
    assert tokenize(numeric, "25") == ["88", "96", "104", "112", "120"]


def test_bits_per_feature_spreads_insertions(schema: LinkageSchema) -> None:
    from samverkan.matching.clk import _insertions

    assert _insertions(BitsPerFeature(200), 9) == [23, 23] + [22] * 7
    assert sum(_insertions(BitsPerFeature(5), 8)) == 5
    assert _insertions(BitsPerFeature(5), 8)[-1] == 0


def test_dice() -> None:
    a = bytes([0b1100_0000]) + bytes(127)
    b = bytes([0b1000_0000]) + bytes(127)
    assert dice(a, a) == 1.0
    assert dice(a, b) == pytest.approx(2 / 3)
    assert dice(bytes(128), bytes(128)) == 0.0
    with pytest.raises(ValueError, match="olika längd"):
        dice(a, bytes(64))


def test_decode_clk_rejects_garbage(schema: LinkageSchema) -> None:
    with pytest.raises(ValueError, match="base64"):
        decode_clk("not base64!")
    with pytest.raises(ValueError, match="128"):
        decode_clk(base64.b64encode(bytes(16)).decode(), schema)


def test_secret_rules(schema: LinkageSchema) -> None:
    with pytest.raises(ValueError, match=f"minst {MIN_SECRET_BYTES} byte"):
        encode_record(ROWS[0], schema, b"short")
    with pytest.raises(TypeError, match="bytes"):
        encode_rows(ROWS, schema, "a string secret is not bytes")  # type: ignore[arg-type]


def test_everything_a_worker_needs_pickles(schema: LinkageSchema) -> None:
    assert pickle.loads(pickle.dumps(schema)) == schema  # noqa: S301
    assert pickle.loads(pickle.dumps(encode_rows)) is encode_rows  # noqa: S301
    err = pickle.loads(pickle.dumps(RecordError("fel", "kon", 4, 7)))  # noqa: S301
    assert (err.reason, err.identifier, err.column, err.row) == ("fel", "kon", 4, 7)
    schema_err = pickle.loads(pickle.dumps(SchemaError(["a", "b"])))  # noqa: S301
    assert schema_err.errors == ["a", "b"]


def test_check_header(schema: LinkageSchema) -> None:
    check_header(HEADER, schema)
    with pytest.raises(RecordError, match='kolumn 2 heter "fnamn" men schemat väntar "fornamn"'):
        check_header(["lopnummer", "fnamn", *HEADER[2:]], schema)
    with pytest.raises(RecordError, match="7 kolumner"):
        check_header(HEADER[:-1], schema)


# --------------------------------------------------------------------------- bad values


@pytest.mark.parametrize(
    ("column", "value", "reason"),
    [
        (1, "", "kortare än 1 tecken"),
        (1, "x" * 41, "längre än 40 tecken"),
        (1, "Bad\udcff", "inte kan kodas som utf-8"),
        (3, "1984-02-30", "inte ett giltigt datum i formatet '%Y-%m-%d'"),
        (3, "12/03/1984", "inte ett giltigt datum"),
        (4, "k", "inte ett av de tillåtna (K, M, X)"),
        (5, "60222x", "har inte formen '[0-9]{3} ?[0-9]{2}'"),
        (6, "tre", "inte ett heltal"),
        (6, "1_000", "inte ett heltal"),
        (6, "0", "mindre än 1"),
        (6, "21", "större än 20"),
        (7, "", "inte ett heltal"),
    ],
)
def test_bad_values_name_row_and_field(
    schema: LinkageSchema, column: int, value: str, reason: str
) -> None:
    rows = [list(r) for r in ROWS[:3]]
    rows[2][column] = value
    with pytest.raises(RecordError) as info:
        encode_rows(rows, schema, SECRET, first_row=2)
    err = info.value
    identifier = schema.features[column].identifier
    assert (err.row, err.column, err.identifier) == (4, column, identifier)
    assert reason in err.reason
    assert str(err).startswith(f'rad 4, fält "{identifier}": ')
    if len(value) > 2:
        assert value not in str(err)  # values may be personal data: never in messages


def test_record_with_wrong_number_of_values(schema: LinkageSchema) -> None:
    with pytest.raises(RecordError, match="posten har 7 värden men schemat har 8 fält"):
        encode_record(ROWS[0][:-1], schema, SECRET)
    with pytest.raises(RecordError, match="inte en enda text"):
        encode_record("Åsa,Öberg", schema, SECRET)
    with pytest.raises(RecordError, match="värdet måste vara text"):
        encode_record([*ROWS[0][:-1], 74], schema, SECRET)  # type: ignore[list-item]


# --------------------------------------------------------------------------- hypothesis

# any code point, with lone surrogates (which no encoding accepts) and Swedish letters often
_ANY_TEXT = st.text(
    st.one_of(
        st.characters(exclude_categories=()),
        st.characters(categories=["Cs"]),
        st.sampled_from("åäöÅÄÖ -"),
    ),
    max_size=60,
)


def _string_schema(encoding: str, **fmt: Any) -> LinkageSchema:
    return parse_schema(
        {
            "version": 3,
            "clkConfig": {"l": 1024, "kdf": {"type": "HKDF"}},
            "features": [
                {
                    "identifier": "namn",
                    "format": {"type": "string", "encoding": encoding, **fmt},
                    "hashing": {
                        "comparison": {"type": "ngram", "n": 2},
                        "strategy": {"bitsPerFeature": 100},
                    },
                },
                {
                    "identifier": "fodd",
                    "format": {"type": "date", "format": "%Y-%m-%d"},
                    "hashing": {"comparison": {"type": "exact"}, "strategy": {"bitsPerToken": 40}},
                },
                {
                    "identifier": "antal",
                    "format": {"type": "integer", "minimum": 0},
                    "hashing": {
                        "comparison": {"type": "numeric", "thresholdDistance": 3, "resolution": 2},
                        "strategy": {"bitsPerToken": 5},
                    },
                },
            ],
        }
    )


_SCHEMAS = [
    _string_schema("utf-8"),
    _string_schema("ascii", case="upper", maxLength=20),
    _string_schema("utf-16", pattern=r"[A-ZÅÄÖ][a-zåäö]+"),
]


@settings(max_examples=150, deadline=None)
@given(value=_ANY_TEXT, which=st.sampled_from(range(len(_SCHEMAS))))
def test_arbitrary_strings_encode_or_raise_the_documented_error(value: str, which: int) -> None:
    schema = _SCHEMAS[which]
    try:
        clk = encode_record([value, "2000-01-01", "3"], schema, SECRET)
    except RecordError as e:
        event("RecordError")
        assert (e.identifier, e.column) == ("namn", 0)
        assert value not in e.reason or len(value) < 3
    else:
        event("encoded")
        assert len(clk) == 128
        if value == "":  # no tokens: only the other two features set bits
            assert clk == encode_record(["", "2000-01-01", "3"], _SCHEMAS[0], SECRET)


@settings(max_examples=100, deadline=None)
@given(date=_ANY_TEXT, number=_ANY_TEXT)
def test_arbitrary_dates_and_integers_never_crash(date: str, number: str) -> None:
    try:
        encode_record(["Anna", date, number], _SCHEMAS[0], SECRET)
    except RecordError as e:
        assert e.identifier in ("fodd", "antal")


# --------------------------------------------------------------------------- schemas


def test_parsed_schema(schema: LinkageSchema) -> None:
    assert schema.identifiers == tuple(HEADER)
    assert isinstance(schema.features[0], IgnoredFeature)
    assert schema.kdf.salt == b"samverkan-fixture-salt-v1"
    assert schema.kdf.hash == "SHA256" and schema.kdf.key_size == 64
    surname = schema.features[2]
    assert isinstance(surname, Feature)
    assert surname.hashing.comparison == NgramComparison(n=2, positional=False)
    assert surname.hashing.strategy == BitsPerFeature(200)


def test_fingerprint_is_canonical(schema: LinkageSchema) -> None:
    fp = fingerprint(schema)
    assert len(fp) == 64 and int(fp, 16) >= 0
    doc = _schema_doc()
    # key order, white space, descriptions and written-out defaults do not matter
    shuffled = json.dumps(dict(reversed(list(doc.items()))), indent=7)
    assert fingerprint(shuffled) == fp
    no_desc = copy.deepcopy(doc)
    for f in no_desc["features"]:
        f.pop("description", None)
    no_desc["features"][3]["hashing"]["hash"] = {"type": "blakeHash"}
    assert fingerprint(no_desc) == fp
    assert fingerprint(to_dict(schema)) == fp
    assert parse_schema(to_dict(schema)) == schema
    # anything that changes encodings changes it
    salted = copy.deepcopy(doc)
    salted["clkConfig"]["kdf"]["salt"] = base64.b64encode(b"other salt").decode()
    bigger = copy.deepcopy(doc)
    bigger["features"][1]["hashing"]["strategy"]["bitsPerToken"] = 16
    assert len({fp, fingerprint(salted), fingerprint(bigger)}) == 3
    canonical = json.dumps(
        to_dict(schema, descriptions=False),
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    ).encode("utf-8")
    assert fp == hashlib.sha256(canonical).hexdigest()


def _with(path: str, value: Any) -> dict[str, Any]:
    """The fixture schema with one value replaced (``path`` like ``features.2.format``);
    the special value ``...`` deletes the key."""
    doc = _schema_doc()
    *parents, last = path.split(".")
    node: Any = doc
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node[part]
    key: Any = int(last) if isinstance(node, list) else last
    if value is ...:
        del node[key]
    else:
        node[key] = value
    return doc


BAD_SCHEMAS: list[tuple[str, Any, str]] = [
    ("version 2", _with("version", 2), "version: version 2 stöds inte"),
    ("no version", _with("version", ...), "version: nyckeln saknas"),
    (
        "unknown comparison",
        _with("features.3.hashing.comparison", {"type": "fuzzy"}),
        'features[3] ("fodelsedatum"): okänd jämförelse "fuzzy"',
    ),
    (
        "misspelt key",
        _with("features.1.hashing.comparison", {"type": "ngram", "n": 2, "positonal": True}),
        'features[1] ("fornamn"): okänd nyckel "hashing.comparison.positonal"',
    ),
    (
        "double hash",
        _with("features.1.hashing.hash", {"type": "doubleHash", "prevent_singularity": True}),
        'features[1] ("fornamn"): hashing.hash.type doubleHash stöds inte',
    ),
    (
        "prevent_singularity with blake",
        _with("features.1.hashing.hash", {"type": "blakeHash", "prevent_singularity": False}),
        "prevent_singularity gäller bara doubleHash",
    ),
    ("l not a power of two", _with("clkConfig.l", 1000), "clkConfig.l: l måste vara en tvåpotens"),
    ("l as text", _with("clkConfig.l", "1024"), "clkConfig.l: l måste vara ett heltal (fick text)"),
    ("xor folds", _with("clkConfig.xor_folds", 1), "clkConfig.xor_folds: XOR-vikning stöds inte"),
    ("no kdf", _with("clkConfig.kdf", ...), 'clkConfig: nyckeln "kdf" saknas'),
    ("kdf hash", _with("clkConfig.kdf.hash", "MD5"), 'okänd hashfunktion "MD5"'),
    ("salt", _with("clkConfig.kdf.salt", "not base64!"), "salt måste vara base64-kodade byte"),
    ("key size", _with("clkConfig.kdf.keySize", 65), "keySize får vara högst 64 (fick 65)"),
    (
        "both strategies",
        _with("features.2.hashing.strategy", {"bitsPerToken": 5, "bitsPerFeature": 5}),
        'features[2] ("efternamn"): hashing.strategy måste ha exakt en av',
    ),
    (
        "zero bits",
        _with("features.2.hashing.strategy", {"bitsPerToken": 0}),
        "hashing.strategy.bitsPerToken måste vara minst 1 (fick 0)",
    ),
    (
        "n zero",
        _with("features.1.hashing.comparison.n", 0),
        "hashing.comparison.n måste vara minst 1",
    ),
    ("unknown type", _with("features.4.format.type", "boolean"), 'okänd typ "boolean"'),
    ("bad regex", _with("features.5.format.pattern", "[0-9"), "ogiltigt reguljärt uttryck"),
    (
        "pattern with length",
        _with("features.5.format.maxLength", 6),
        'okänd nyckel "format.maxLength"',
    ),
    (
        "bad encoding",
        _with("features.1.format.encoding", "latin-1"),
        'okänd teckenkodning "latin-1"',
    ),
    ("bad date format", _with("features.3.format.format", "%Q"), 'ogiltigt datumformat "%Q"'),
    ("empty enum", _with("features.4.format.values", []), "format.values är tom"),
    ("min > max", _with("features.6.format.minimum", 50), "format.minimum (50) är större"),
    (
        "numeric on a string",
        _with(
            "features.1.hashing.comparison",
            {"type": "numeric", "thresholdDistance": 1, "resolution": 1},
        ),
        "numeric kan bara användas för fält av typen integer",
    ),
    (
        "sentinel not text",
        _with("features.3.hashing.missingValue", {"sentinel": None}),
        "hashing.missingValue.sentinel måste vara text (fick null)",
    ),
    (
        "duplicate identifier",
        _with("features.2.identifier", "fornamn"),
        "finns redan i features[1]",
    ),
    (
        "no hashing",
        _with("features.1.hashing", ...),
        'features[1] ("fornamn"): nyckeln "hashing" saknas',
    ),
    (
        "ignored with format",
        _with("features.0.format", {"type": "string"}),
        'features[0] ("lopnummer"): okänd nyckel "format"',
    ),
    ("features not a list", _with("features", {}), "features: måste vara en lista (fick objekt)"),
    ("unknown top key", _with("clkconfig", {}), 'schemat: okänd nyckel "clkconfig"'),
    ("not an object", [1, 2], "schemat: måste vara ett objekt (fick lista)"),
    ("not json", "{version: 3", "schemat är inte giltig JSON (rad 1, kolumn 2)"),
    (
        "only ignored",
        {
            "version": 3,
            "clkConfig": {"l": 1024, "kdf": {"type": "HKDF"}},
            "features": [{"identifier": "a", "ignored": True}],
        },
        "features: alla fält är ignorerade",
    ),
]


@pytest.mark.parametrize(
    ("document", "message"),
    [pytest.param(doc, msg, id=name) for name, doc, msg in BAD_SCHEMAS],
)
def test_bad_schemas_are_reported_in_swedish(document: Any, message: str) -> None:
    with pytest.raises(SchemaError) as info:
        parse_schema(document)
    assert any(message in e for e in info.value.errors), info.value.errors
    assert str(info.value).startswith("Länkschemat är ogiltigt:")


def test_all_problems_are_reported_together() -> None:
    doc = _with("clkConfig.l", 1000)
    doc["features"][3]["hashing"]["comparison"] = {"type": "fuzzy"}
    doc["features"][6]["format"]["minimum"] = "1"
    with pytest.raises(SchemaError) as info:
        parse_schema(doc)
    assert len(info.value.errors) == 3


def test_too_many_features_for_hkdf() -> None:
    doc = _schema_doc()
    doc["features"] = [
        {"identifier": f"f{i}", "format": {"type": "string"}, "hashing": {
            "comparison": {"type": "exact"}, "strategy": {"bitsPerToken": 5}
        }}
        for i in range(64)
    ]  # fmt: skip
    with pytest.raises(SchemaError, match="HKDF-SHA256 kan ge högst 8160 byte"):
        parse_schema(doc)
    doc["clkConfig"]["kdf"]["hash"] = "SHA512"
    assert len(parse_schema(doc).features) == 64

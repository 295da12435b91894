"""Linkage schemas in the format of clkhash's linkage schema v3.

A linkage schema tells every data owner how to turn the columns of its records into a
keyed Bloom-filter encoding (CLK, see :mod:`samverkan.matching.clk`). All parties in a
linkage run must use the same schema and the same secret; :func:`fingerprint` gives a
stable digest of a schema so that datasets can be checked against each other.

:func:`parse_schema` reads a v3 document (JSON text, bytes or an already decoded mapping)
into frozen dataclasses. It accepts what clkhash 0.18 accepts, with these deliberate
restrictions, each reported as an error instead of being silently misread:

* only ``version`` 3 (clkhash converts v1/v2 documents; we ask for the converted document);
* unknown keys are errors (a misspelt ``"positonal"`` would otherwise change the encoding
  of one party only);
* ``hash.type`` must be ``blakeHash`` (the default): clkhash's ``doubleHash`` is open to a
  known cryptanalysis (Kroll & Steinmetzer 2015), and ``prevent_singularity`` belongs to it;
* ``l`` is a power of two from 8 to 65 536 (BLAKE2 bit indices are 16-bit numbers);
  ``xorFolds``/``xor_folds`` must be 0 (clkhash 0.18 reads ``xor_folds`` but ignores the
  documented ``xorFolds``, so folding is refused rather than guessed);
* the HKDF key size is at most 64 bytes (the BLAKE2b key limit);
* ``numeric`` comparison only on ``integer`` features; identifiers are unique and not
  empty; at least one feature is encoded; enum lists are not empty; a date format must
  round-trip a sample date; some generous upper bounds keep a hostile schema from making
  the encoder hang.

Error messages are in Swedish and name the path, e.g.
``features[2] ("dob"): okänd jämförelse "fuzzy" ...``. All problems found are reported
together in :class:`SchemaError`.

Pure Python, standard library only, no Django.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Literal, TypeAlias

__all__ = [
    "DATE_OUTPUT_FORMAT",
    "DEFAULT_KEY_SIZE",
    "ENCODINGS",
    "KEYS_PER_FEATURE",
    "SUPPORTED_VERSION",
    "BitsPerFeature",
    "BitsPerToken",
    "Comparison",
    "DateFormat",
    "EnumFormat",
    "ExactComparison",
    "Feature",
    "FeatureFormat",
    "FeatureSpec",
    "Hashing",
    "IgnoredFeature",
    "IntegerFormat",
    "Kdf",
    "LinkageSchema",
    "MissingValue",
    "NgramComparison",
    "NumericComparison",
    "SchemaError",
    "Strategy",
    "StringFormat",
    "fingerprint",
    "load_schema",
    "parse_schema",
    "to_dict",
]

SUPPORTED_VERSION = 3
#: HKDF output per key, in bytes (clkhash's default: the block size of SHA-1/MD5).
DEFAULT_KEY_SIZE = 64
#: Keys derived per feature; clkhash derives two (for doubleHash), BLAKE2 uses the first.
KEYS_PER_FEATURE = 2
#: Character encodings a string feature may declare (as in the v3 master schema).
ENCODINGS = ("ascii", "utf-8", "utf-16", "utf-32")
#: Dates are hashed as digits only, whatever their input format (as clkhash does).
DATE_OUTPUT_FORMAT = "%Y%m%d"

_HASH_SIZES = {"SHA256": 32, "SHA512": 64}
_MAX_BLAKE2B_KEY = 64
_MIN_L = 8
_MAX_L = 65_536
# Generous bounds that only a hostile or broken schema reaches.
_MAX_INSERTIONS = 10_000
_MAX_NGRAM = 32
_MAX_RESOLUTION = 1_000
_MAX_FRACTIONAL_PRECISION = 12
_INTEGER_TEXT = re.compile(r"\s*[+-]?[0-9]+\s*")


class SchemaError(ValueError):
    """The linkage schema is invalid. ``errors`` lists every problem, in Swedish."""

    def __init__(self, errors: list[str]) -> None:
        self.errors = list(errors)
        super().__init__(self.errors)

    def __str__(self) -> str:
        return "Länkschemat är ogiltigt:\n" + "\n".join(f"- {e}" for e in self.errors)


# --------------------------------------------------------------------------- model


@dataclass(frozen=True)
class Kdf:
    """HKDF (RFC 5869) over the shared secret; ``salt``/``info`` are raw bytes."""

    hash: Literal["SHA256", "SHA512"] = "SHA256"
    salt: bytes | None = None
    info: bytes | None = None
    key_size: int = DEFAULT_KEY_SIZE
    type: Literal["HKDF"] = "HKDF"


@dataclass(frozen=True)
class NgramComparison:
    """Tokens are the n-grams of the value padded with n-1 spaces on each side;
    positional n-grams are prefixed with their 1-based position and a space."""

    n: int
    positional: bool = False


@dataclass(frozen=True)
class ExactComparison:
    """The whole (formatted) value is one token."""


@dataclass(frozen=True)
class NumericComparison:
    """Neighbourhood tokens of an integer (Vatsalan & Christen 2015, as in clkhash)."""

    threshold_distance: float
    resolution: int
    fractional_precision: int = 0

    @property
    def distance_interval(self) -> int:
        return round(self.threshold_distance * pow(10, self.fractional_precision))


Comparison: TypeAlias = NgramComparison | ExactComparison | NumericComparison


@dataclass(frozen=True)
class BitsPerToken:
    """Every token is inserted ``bits`` times."""

    bits: int


@dataclass(frozen=True)
class BitsPerFeature:
    """The feature's tokens are inserted ``bits`` times in total (the first ``bits mod n``
    tokens once more than the others)."""

    bits: int


Strategy: TypeAlias = BitsPerToken | BitsPerFeature


@dataclass(frozen=True)
class MissingValue:
    """A value equal to ``sentinel`` is not validated and is hashed as ``replace_with``."""

    sentinel: str
    replace_with: str


@dataclass(frozen=True)
class Hashing:
    comparison: Comparison
    strategy: Strategy
    missing_value: MissingValue | None = None
    hash_type: Literal["blakeHash"] = "blakeHash"


@dataclass(frozen=True)
class StringFormat:
    """Either ``pattern`` (a Python regular expression the whole value must match) or
    ``case``/``min_length``/``max_length`` (lengths in characters)."""

    encoding: str = "utf-8"
    case: Literal["upper", "lower", "mixed"] = "mixed"
    min_length: int | None = None
    max_length: int | None = None
    pattern: str | None = None
    description: str | None = None


@dataclass(frozen=True)
class IntegerFormat:
    minimum: int | None = None
    maximum: int | None = None
    description: str | None = None


@dataclass(frozen=True)
class DateFormat:
    """``format`` is a ``strptime`` format; the value is hashed as ``YYYYMMDD``."""

    format: str
    description: str | None = None


@dataclass(frozen=True)
class EnumFormat:
    values: tuple[str, ...]
    description: str | None = None


FeatureFormat: TypeAlias = StringFormat | IntegerFormat | DateFormat | EnumFormat


@dataclass(frozen=True)
class Feature:
    identifier: str
    format: FeatureFormat
    hashing: Hashing
    description: str | None = None

    @property
    def encoding(self) -> str:
        """Encoding used to turn tokens into bytes (only string features can choose)."""
        return self.format.encoding if isinstance(self.format, StringFormat) else "utf-8"


@dataclass(frozen=True)
class IgnoredFeature:
    """A column that is present in the data but not encoded."""

    identifier: str
    description: str | None = None


FeatureSpec: TypeAlias = Feature | IgnoredFeature


@dataclass(frozen=True)
class LinkageSchema:
    l: int  # noqa: E741 - the name used by the v3 format and the literature
    kdf: Kdf
    features: tuple[FeatureSpec, ...]
    version: int = SUPPORTED_VERSION

    @property
    def identifiers(self) -> tuple[str, ...]:
        return tuple(f.identifier for f in self.features)

    @property
    def clk_bytes(self) -> int:
        return self.l // 8


# --------------------------------------------------------------------------- parsing


def load_schema(path: str | Path) -> LinkageSchema:
    """Read and parse a v3 schema file (UTF-8 JSON)."""
    try:
        data = Path(path).read_bytes()
    except OSError as e:
        raise SchemaError([f"schemafilen kan inte läsas: {e.strerror or e}"]) from e
    return parse_schema(data)


def parse_schema(source: str | bytes | Mapping[str, Any]) -> LinkageSchema:
    """Parse and validate a clkhash v3 linkage schema; raises :class:`SchemaError`."""
    if isinstance(source, str | bytes):
        try:
            document = json.loads(source)
        except UnicodeDecodeError as e:
            raise SchemaError(["schemat är inte kodat som UTF-8"]) from e
        except json.JSONDecodeError as e:
            raise SchemaError(
                [f"schemat är inte giltig JSON (rad {e.lineno}, kolumn {e.colno}): {e.msg}"]
            ) from e
        except RecursionError:
            raise SchemaError(["schemat är för djupt nästlat"]) from None
    else:
        document = source
    errors: list[str] = []
    schema = _Parser(errors).schema(document)
    if errors or schema is None:
        raise SchemaError(errors or ["schemat är ogiltigt"])
    return schema


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "sant/falskt"
    if isinstance(value, int):
        return "heltal"
    if isinstance(value, float):
        return "decimaltal"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "lista"
    if isinstance(value, Mapping):
        return "objekt"
    return type(value).__name__


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _quote(value: Any) -> str:
    """The value as JSON (how the schema author wrote it), shortened if long."""
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


class _Parser:
    """Collects every problem instead of stopping at the first one."""

    def __init__(self, errors: list[str]) -> None:
        self.errors = errors

    def error(self, where: str, message: str) -> None:
        self.errors.append(f"{where}: {message}")

    # ----------------------------------------------------------------- helpers

    def mapping(self, where: str, value: Any) -> Mapping[str, Any] | None:
        if not isinstance(value, Mapping):
            self.error(where, f"måste vara ett objekt (fick {_kind(value)})")
            return None
        return value

    def keys(
        self,
        where: str,
        obj: Mapping[str, Any],
        *,
        required: tuple[str, ...] = (),
        allowed: tuple[str, ...],
        prefix: str = "",
    ) -> bool:
        ok = True
        for key in required:
            if key not in obj:
                self.error(where, f'nyckeln "{prefix}{key}" saknas')
                ok = False
        for key in obj:
            if key not in allowed and key not in required:
                known = ", ".join(sorted(set(allowed) | set(required)))
                self.error(where, f"okänd nyckel {_quote(prefix + str(key))} (tillåtna: {known})")
                ok = False
        return ok

    def integer(
        self,
        where: str,
        name: str,
        value: Any,
        *,
        minimum: int | None = None,
        maximum: int | None = None,
    ) -> int | None:
        if not _is_int(value):
            self.error(where, f"{name} måste vara ett heltal (fick {_kind(value)})")
            return None
        if minimum is not None and value < minimum:
            self.error(where, f"{name} måste vara minst {minimum} (fick {value})")
            return None
        if maximum is not None and value > maximum:
            self.error(where, f"{name} får vara högst {maximum} (fick {value})")
            return None
        return int(value)

    def text(self, where: str, name: str, value: Any) -> str | None:
        if not isinstance(value, str):
            self.error(where, f"{name} måste vara text (fick {_kind(value)})")
            return None
        return value

    def optional_text(self, where: str, name: str, obj: Mapping[str, Any], key: str) -> str | None:
        return self.text(where, f"{name}{key}", obj[key]) if key in obj else None

    def base64(self, where: str, name: str, value: Any) -> bytes | None:
        text = self.text(where, name, value)
        if text is None:
            return None
        try:
            return base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError):
            self.error(where, f"{name} måste vara base64-kodade byte")
            return None

    # ----------------------------------------------------------------- document

    def schema(self, document: Any) -> LinkageSchema | None:
        top = self.mapping("schemat", document)
        if top is None:
            return None
        if "version" not in top:
            self.error("version", "nyckeln saknas; endast clkhash länkschema version 3 stöds")
            return None
        version = top["version"]
        if not (isinstance(version, int | float) and not isinstance(version, bool)) or (
            version != SUPPORTED_VERSION
        ):
            self.error(
                "version",
                f"version {_quote(version)} stöds inte; endast clkhash länkschema version 3 "
                "stöds (konvertera v1/v2 med clkhash först)",
            )
            return None
        self.keys("schemat", top, required=("version", "clkConfig", "features"), allowed=())

        features_raw = top.get("features")
        features: list[FeatureSpec] = []
        if "features" in top:
            if not isinstance(features_raw, list):
                self.error("features", f"måste vara en lista (fick {_kind(features_raw)})")
            elif not features_raw:
                self.error("features", "listan är tom")
            else:
                features = self.features(features_raw)

        config: tuple[int, Kdf] | None = None
        if "clkConfig" in top:
            config = self.clk_config(top["clkConfig"], len(features))

        if self.errors or config is None:
            return None
        return LinkageSchema(l=config[0], kdf=config[1], features=tuple(features))

    def clk_config(self, value: Any, n_features: int) -> tuple[int, Kdf] | None:
        where = "clkConfig"
        cfg = self.mapping(where, value)
        if cfg is None:
            return None
        self.keys(where, cfg, required=("l", "kdf"), allowed=("xorFolds", "xor_folds"))
        for key in ("xorFolds", "xor_folds"):
            if key in cfg and cfg[key] != 0:
                self.error(
                    f"{where}.{key}",
                    "XOR-vikning stöds inte (clkhash 0.18 läser xor_folds men ignorerar "
                    "xorFolds); ange 0 eller ta bort nyckeln",
                )
        length: int | None = None
        if "l" in cfg:
            length = self.integer(f"{where}.l", "l", cfg["l"], minimum=_MIN_L, maximum=_MAX_L)
            if length is not None and length & (length - 1):
                self.error(f"{where}.l", f"l måste vara en tvåpotens, t.ex. 1024 (fick {length})")
                length = None
        kdf = self.kdf(cfg["kdf"], n_features) if "kdf" in cfg else None
        if length is None or kdf is None:
            return None
        return length, kdf

    def kdf(self, value: Any, n_features: int) -> Kdf | None:
        where = "clkConfig.kdf"
        raw = self.mapping(where, value)
        if raw is None:
            return None
        before = len(self.errors)
        self.keys(where, raw, required=("type",), allowed=("hash", "salt", "info", "keySize"))
        if "type" in raw and raw["type"] != "HKDF":
            self.error(where, f"okänd nyckelhärledning {_quote(raw['type'])} (endast HKDF stöds)")
        hash_name = raw.get("hash", "SHA256")
        if hash_name not in _HASH_SIZES:
            self.error(where, f"okänd hashfunktion {_quote(hash_name)} (tillåtna: SHA256, SHA512)")
            hash_name = "SHA256"
        salt = self.base64(where, "salt", raw["salt"]) if "salt" in raw else None
        info = self.base64(where, "info", raw["info"]) if "info" in raw else None
        key_size = DEFAULT_KEY_SIZE
        if "keySize" in raw:
            key_size = (
                self.integer(where, "keySize", raw["keySize"], minimum=1, maximum=_MAX_BLAKE2B_KEY)
                or DEFAULT_KEY_SIZE
            )
        limit = 255 * _HASH_SIZES[hash_name]
        needed = KEYS_PER_FEATURE * n_features * key_size
        if needed > limit:
            self.error(
                where,
                f"HKDF-{hash_name} kan ge högst {limit} byte men {n_features} fält à "
                f"{KEYS_PER_FEATURE} nycklar om {key_size} byte kräver {needed}; minska "
                "keySize, använd SHA512 eller färre fält",
            )
        if len(self.errors) > before:
            return None
        return Kdf(hash=hash_name, salt=salt, info=info, key_size=key_size)

    # ----------------------------------------------------------------- features

    def features(self, raw_features: list[Any]) -> list[FeatureSpec]:
        result: list[FeatureSpec] = []
        seen: dict[str, int] = {}
        for i, raw in enumerate(raw_features):
            where = f"features[{i}]"
            if isinstance(raw, Mapping) and isinstance(raw.get("identifier"), str):
                ident = raw["identifier"]
                where = f"{where} ({_quote(ident)})"
                if ident in seen:
                    self.error(where, f"identifieraren finns redan i features[{seen[ident]}]")
                else:
                    seen[ident] = i
            spec = self.feature(where, raw)
            if spec is not None:
                result.append(spec)
        if result and all(isinstance(f, IgnoredFeature) for f in result):
            self.error("features", "alla fält är ignorerade; minst ett fält måste kodas")
        return result

    def feature(self, where: str, value: Any) -> FeatureSpec | None:
        raw = self.mapping(where, value)
        if raw is None:
            return None
        before = len(self.errors)
        identifier = None
        if "identifier" not in raw:
            self.error(where, 'nyckeln "identifier" saknas')
        else:
            identifier = self.text(where, "identifier", raw["identifier"])
            if identifier is not None and not identifier.strip():
                self.error(where, "identifier får inte vara tom")
        description = self.optional_text(where, "", raw, "description")
        ignored = raw.get("ignored", False)
        if not isinstance(ignored, bool):
            self.error(where, f"ignored måste vara true eller false (fick {_kind(ignored)})")
            return None
        if ignored:
            self.keys(where, raw, allowed=("identifier", "ignored", "description"))
            if len(self.errors) > before or identifier is None:
                return None
            return IgnoredFeature(identifier=identifier, description=description)

        self.keys(
            where,
            raw,
            required=("format", "hashing"),
            allowed=("identifier", "ignored", "description"),
        )
        fmt = self.format(where, raw["format"]) if "format" in raw else None
        hashing = self.hashing(where, raw["hashing"], fmt) if "hashing" in raw else None
        if len(self.errors) > before or identifier is None or fmt is None or hashing is None:
            return None
        return Feature(identifier=identifier, format=fmt, hashing=hashing, description=description)

    def format(self, where: str, value: Any) -> FeatureFormat | None:
        raw = self.mapping(f"{where}.format", value)
        if raw is None:
            return None
        if "type" not in raw:
            self.error(where, 'nyckeln "format.type" saknas')
            return None
        kind = raw["type"]
        before = len(self.errors)
        description = self.optional_text(where, "format.", raw, "description")
        fmt: FeatureFormat | None
        if kind == "string":
            fmt = self.string_format(where, raw, description)
        elif kind == "integer":
            fmt = self.integer_format(where, raw, description)
        elif kind == "date":
            fmt = self.date_format(where, raw, description)
        elif kind == "enum":
            fmt = self.enum_format(where, raw, description)
        else:
            self.error(where, f"okänd typ {_quote(kind)} (tillåtna: string, integer, date, enum)")
            return None
        return fmt if len(self.errors) == before else None

    def string_format(
        self, where: str, raw: Mapping[str, Any], description: str | None
    ) -> StringFormat | None:
        common = ("type", "encoding", "description")
        if "pattern" in raw:
            self.keys(where, raw, allowed=(*common, "pattern"), prefix="format.")
        else:
            self.keys(
                where, raw, allowed=(*common, "case", "minLength", "maxLength"), prefix="format."
            )
        encoding = raw.get("encoding", "utf-8")
        if encoding not in ENCODINGS:
            self.error(
                where, f"okänd teckenkodning {_quote(encoding)} (tillåtna: {', '.join(ENCODINGS)})"
            )
        pattern = None
        if "pattern" in raw:
            pattern = self.text(where, "format.pattern", raw["pattern"])
            if pattern is not None:
                try:
                    re.compile(pattern)
                except re.error as e:
                    self.error(where, f"ogiltigt reguljärt uttryck {_quote(pattern)}: {e}")
        case = raw.get("case", "mixed")
        if case not in ("upper", "lower", "mixed"):
            self.error(
                where, f"okänd skiftlägesregel {_quote(case)} (tillåtna: upper, lower, mixed)"
            )
        min_length = max_length = None
        if "minLength" in raw:
            min_length = self.integer(where, "format.minLength", raw["minLength"], minimum=0)
        if "maxLength" in raw:
            max_length = self.integer(where, "format.maxLength", raw["maxLength"], minimum=1)
        if min_length is not None and max_length is not None and min_length > max_length:
            self.error(
                where,
                f"format.minLength ({min_length}) är större än format.maxLength ({max_length})",
            )
        if not isinstance(encoding, str) or case not in ("upper", "lower", "mixed"):
            return None
        return StringFormat(
            encoding=encoding,
            case=case,
            min_length=min_length,
            max_length=max_length,
            pattern=pattern,
            description=description,
        )

    def integer_format(
        self, where: str, raw: Mapping[str, Any], description: str | None
    ) -> IntegerFormat:
        self.keys(
            where, raw, allowed=("type", "minimum", "maximum", "description"), prefix="format."
        )
        minimum = maximum = None
        if "minimum" in raw:
            minimum = self.integer(where, "format.minimum", raw["minimum"])
        if "maximum" in raw:
            maximum = self.integer(where, "format.maximum", raw["maximum"])
        if minimum is not None and maximum is not None and minimum > maximum:
            self.error(where, f"format.minimum ({minimum}) är större än format.maximum ({maximum})")
        return IntegerFormat(minimum=minimum, maximum=maximum, description=description)

    def date_format(
        self, where: str, raw: Mapping[str, Any], description: str | None
    ) -> DateFormat | None:
        self.keys(
            where, raw, required=("format",), allowed=("type", "description"), prefix="format."
        )
        if "format" not in raw:
            return None
        pattern = self.text(where, "format.format", raw["format"])
        if pattern is None:
            return None
        if not _date_format_works(pattern):
            self.error(
                where,
                f"ogiltigt datumformat {_quote(pattern)} (ange ett strptime-format, "
                't.ex. "%Y-%m-%d")',
            )
            return None
        return DateFormat(format=pattern, description=description)

    def enum_format(
        self, where: str, raw: Mapping[str, Any], description: str | None
    ) -> EnumFormat | None:
        self.keys(
            where, raw, required=("values",), allowed=("type", "description"), prefix="format."
        )
        values = raw.get("values")
        if "values" not in raw:
            return None
        if not isinstance(values, list):
            self.error(where, f"format.values måste vara en lista (fick {_kind(values)})")
            return None
        if not values:
            self.error(where, "format.values är tom; ange minst ett tillåtet värde")
            return None
        bad = [i for i, v in enumerate(values) if not isinstance(v, str)]
        if bad:
            self.error(where, f"format.values[{bad[0]}] måste vara text")
            return None
        return EnumFormat(values=tuple(values), description=description)

    # ----------------------------------------------------------------- hashing

    def hashing(self, where: str, value: Any, fmt: FeatureFormat | None) -> Hashing | None:
        raw = self.mapping(f"{where}.hashing", value)
        if raw is None:
            return None
        before = len(self.errors)
        self.keys(
            where,
            raw,
            required=("comparison", "strategy"),
            allowed=("hash", "missingValue"),
            prefix="hashing.",
        )
        if "hash" in raw:
            self.hash_config(where, raw["hash"])
        comparison = self.comparison(where, raw["comparison"], fmt) if "comparison" in raw else None
        strategy = self.strategy(where, raw["strategy"]) if "strategy" in raw else None
        missing = (
            self.missing_value(where, raw["missingValue"], comparison)
            if "missingValue" in raw
            else None
        )
        if len(self.errors) > before or comparison is None or strategy is None:
            return None
        return Hashing(comparison=comparison, strategy=strategy, missing_value=missing)

    def hash_config(self, where: str, value: Any) -> None:
        raw = self.mapping(f"{where}.hashing.hash", value)
        if raw is None:
            return
        kind = raw.get("type")
        if kind == "doubleHash":
            self.error(
                where,
                "hashing.hash.type doubleHash stöds inte: konstruktionen går att angripa "
                "(Kroll & Steinmetzer 2015); använd blakeHash",
            )
            return
        if kind != "blakeHash":
            self.error(
                where, f"okänd hashtyp {_quote(kind)} i hashing.hash.type (endast blakeHash)"
            )
            return
        if "prevent_singularity" in raw:
            self.error(
                where,
                "hashing.hash.prevent_singularity gäller bara doubleHash och får inte anges "
                "med blakeHash",
            )
            return
        self.keys(where, raw, allowed=("type",), prefix="hashing.hash.")

    def comparison(self, where: str, value: Any, fmt: FeatureFormat | None) -> Comparison | None:
        raw = self.mapping(f"{where}.hashing.comparison", value)
        if raw is None:
            return None
        kind = raw.get("type")
        p = "hashing.comparison."
        if kind == "ngram":
            self.keys(where, raw, required=("n",), allowed=("type", "positional"), prefix=p)
            if "n" not in raw:
                return None
            n = self.integer(where, f"{p}n", raw["n"], minimum=1, maximum=_MAX_NGRAM)
            positional = raw.get("positional", False)
            if not isinstance(positional, bool):
                self.error(where, f"{p}positional måste vara true eller false")
                return None
            return None if n is None else NgramComparison(n=n, positional=positional)
        if kind == "exact":
            self.keys(where, raw, allowed=("type",), prefix=p)
            return ExactComparison()
        if kind == "numeric":
            return self.numeric(where, raw, fmt)
        if "type" not in raw:
            self.error(where, f'nyckeln "{p}type" saknas')
        else:
            self.error(
                where,
                f"okänd jämförelse {_quote(kind)} i {p}type (tillåtna: ngram, exact, numeric)",
            )
        return None

    def numeric(
        self, where: str, raw: Mapping[str, Any], fmt: FeatureFormat | None
    ) -> NumericComparison | None:
        p = "hashing.comparison."
        ok = self.keys(
            where,
            raw,
            required=("thresholdDistance", "resolution"),
            allowed=("type", "fractional_precision"),
            prefix=p,
        )
        if fmt is not None and not isinstance(fmt, IntegerFormat):
            self.error(where, "jämförelsen numeric kan bara användas för fält av typen integer")
            ok = False
        if not ok:
            return None
        distance = raw["thresholdDistance"]
        if (
            not isinstance(distance, int | float)
            or isinstance(distance, bool)
            or not distance > 0
            or distance == float("inf")
        ):
            self.error(where, f"{p}thresholdDistance måste vara ett tal större än 0")
            return None
        resolution = self.integer(
            where, f"{p}resolution", raw["resolution"], minimum=1, maximum=_MAX_RESOLUTION
        )
        precision = self.integer(
            where,
            f"{p}fractional_precision",
            raw.get("fractional_precision", 0),
            minimum=0,
            maximum=_MAX_FRACTIONAL_PRECISION,
        )
        if resolution is None or precision is None:
            return None
        result = NumericComparison(
            threshold_distance=distance, resolution=resolution, fractional_precision=precision
        )
        if result.distance_interval == 0:
            self.error(
                where,
                f"{p}thresholdDistance är för liten för fractional_precision {precision}",
            )
            return None
        return result

    def strategy(self, where: str, value: Any) -> Strategy | None:
        raw = self.mapping(f"{where}.hashing.strategy", value)
        if raw is None:
            return None
        p = "hashing.strategy."
        present = [k for k in ("bitsPerToken", "bitsPerFeature") if k in raw]
        if len(present) != 1:
            self.error(where, f"{p[:-1]} måste ha exakt en av bitsPerToken och bitsPerFeature")
            return None
        key = present[0]
        self.keys(where, raw, allowed=(key,), prefix=p)
        bits = self.integer(where, f"{p}{key}", raw[key], minimum=1, maximum=_MAX_INSERTIONS)
        if bits is None:
            return None
        return BitsPerToken(bits) if key == "bitsPerToken" else BitsPerFeature(bits)

    def missing_value(
        self, where: str, value: Any, comparison: Comparison | None
    ) -> MissingValue | None:
        raw = self.mapping(f"{where}.hashing.missingValue", value)
        if raw is None:
            return None
        p = "hashing.missingValue."
        self.keys(where, raw, required=("sentinel",), allowed=("replaceWith",), prefix=p)
        if "sentinel" not in raw:
            return None
        sentinel = self.text(where, f"{p}sentinel", raw["sentinel"])
        replace_with = sentinel
        if "replaceWith" in raw:
            replace_with = self.text(where, f"{p}replaceWith", raw["replaceWith"])
        if sentinel is None or replace_with is None:
            return None
        if (
            isinstance(comparison, NumericComparison)
            and replace_with
            and not _INTEGER_TEXT.fullmatch(replace_with)
        ):
            self.error(
                where,
                f"{p}replaceWith måste vara tom eller ett heltal när jämförelsen är numeric",
            )
            return None
        return MissingValue(sentinel=sentinel, replace_with=replace_with)


def _date_format_works(pattern: str) -> bool:
    """A usable strptime format parses what it formats and has at least one directive."""
    if "%" not in pattern:
        return False
    sample = datetime(1987, 11, 23)
    try:
        return datetime.strptime(sample.strftime(pattern), pattern) is not None
    except (ValueError, TypeError):
        return False


# --------------------------------------------------------------------------- writing


def to_dict(schema: LinkageSchema, *, descriptions: bool = True) -> dict[str, Any]:
    """The schema as a v3 document with every default written out."""
    kdf: dict[str, Any] = {
        "type": schema.kdf.type,
        "hash": schema.kdf.hash,
        "keySize": schema.kdf.key_size,
    }
    if schema.kdf.salt is not None:
        kdf["salt"] = base64.b64encode(schema.kdf.salt).decode("ascii")
    if schema.kdf.info is not None:
        kdf["info"] = base64.b64encode(schema.kdf.info).decode("ascii")
    features = [_feature_dict(f, descriptions) for f in schema.features]
    return {
        "version": schema.version,
        "clkConfig": {"l": schema.l, "kdf": kdf},
        "features": features,
    }


def _feature_dict(feature: FeatureSpec, descriptions: bool) -> dict[str, Any]:
    out: dict[str, Any] = {"identifier": feature.identifier}
    if descriptions and feature.description is not None:
        out["description"] = feature.description
    if isinstance(feature, IgnoredFeature):
        out["ignored"] = True
        return out
    out["format"] = _format_dict(feature.format, descriptions)
    out["hashing"] = _hashing_dict(feature.hashing)
    return out


def _format_dict(fmt: FeatureFormat, descriptions: bool) -> dict[str, Any]:
    out: dict[str, Any]
    if isinstance(fmt, StringFormat):
        out = {"type": "string", "encoding": fmt.encoding}
        if fmt.pattern is not None:
            out["pattern"] = fmt.pattern
        else:
            out["case"] = fmt.case
            if fmt.min_length is not None:
                out["minLength"] = fmt.min_length
            if fmt.max_length is not None:
                out["maxLength"] = fmt.max_length
    elif isinstance(fmt, IntegerFormat):
        out = {"type": "integer"}
        if fmt.minimum is not None:
            out["minimum"] = fmt.minimum
        if fmt.maximum is not None:
            out["maximum"] = fmt.maximum
    elif isinstance(fmt, DateFormat):
        out = {"type": "date", "format": fmt.format}
    else:
        out = {"type": "enum", "values": list(fmt.values)}
    if descriptions and fmt.description is not None:
        out["description"] = fmt.description
    return out


def _hashing_dict(hashing: Hashing) -> dict[str, Any]:
    comparison: dict[str, Any]
    c = hashing.comparison
    if isinstance(c, NgramComparison):
        comparison = {"type": "ngram", "n": c.n, "positional": c.positional}
    elif isinstance(c, ExactComparison):
        comparison = {"type": "exact"}
    else:
        comparison = {
            "type": "numeric",
            "thresholdDistance": c.threshold_distance,
            "resolution": c.resolution,
            "fractional_precision": c.fractional_precision,
        }
    s = hashing.strategy
    strategy = (
        {"bitsPerToken": s.bits} if isinstance(s, BitsPerToken) else {"bitsPerFeature": s.bits}
    )
    out: dict[str, Any] = {
        "comparison": comparison,
        "strategy": strategy,
        "hash": {"type": hashing.hash_type},
    }
    if hashing.missing_value is not None:
        out["missingValue"] = {
            "sentinel": hashing.missing_value.sentinel,
            "replaceWith": hashing.missing_value.replace_with,
        }
    return out


def fingerprint(schema: LinkageSchema | Mapping[str, Any] | str | bytes) -> str:
    """SHA-256 (hex) of the schema's canonical JSON.

    Canonical: the normalised v3 document of :func:`to_dict` without descriptions, keys
    sorted, no insignificant white space, UTF-8. Two documents that differ only in key
    order, spacing, written-out defaults or descriptions have the same fingerprint; any
    difference that changes encodings or validation changes it.
    """
    if not isinstance(schema, LinkageSchema):
        schema = parse_schema(schema)
    canonical = json.dumps(
        to_dict(schema, descriptions=False),
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        allow_nan=False,
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()

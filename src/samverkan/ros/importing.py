"""Reading register extracts (permit registers, business extracts) row by row.

Pure: no Django. Every problem names the spreadsheet row and the column; the service
that applies a plan does so in one transaction or not at all.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from samverkan.core.identity import (
    IdentityNumberError,
    parse_organisation_number,
    parse_person_number,
)
from samverkan.core.tabular import Problem, Row

# Column names as they appear in Swedish and English files → canonical names.
ALIASES: dict[str, str] = {
    "adress": "address",
    "besöksadress": "address",
    "postnummer": "postal_code",
    "postnr": "postal_code",
    "kommun": "municipality",
    "fastighetsbeteckning": "property_designation",
    "fastighet": "property_designation",
    "verksamhetstyp": "kind",
    "verksamhet": "kind",
    "namn": "name",
    "lokalnamn": "name",
    "organisationsnummer": "organisation_number",
    "orgnr": "organisation_number",
    "företagsnamn": "business_name",
    "företag": "business_name",
    "bolagsform": "legal_form",
    "företagsform": "legal_form",
    "bransch": "line_of_business",
    "tillståndstyp": "permit_type",
    "tillstånd": "permit_type",
    "status": "permit_status",
    "tillståndsstatus": "permit_status",
    "giltigt från": "valid_from",
    "giltigt_från": "valid_from",
    "giltigt till": "valid_to",
    "giltigt_till": "valid_to",
    "utfärdare": "issuer",
    "diarienummer": "reference",
    "person": "person_name",
    "personnamn": "person_name",
    "personnummer": "person_number",
    "personroll": "person_role",
    "roll": "person_role",
    "latitud": "latitude",
    "lat": "latitude",
    "longitud": "longitude",
    "lon": "longitude",
}
REQUIRED = ("address", "municipality")

PERMIT_TYPES = {
    "serveringstillstånd": "alcohol",
    "alkohol": "alcohol",
    "alcohol": "alcohol",
    "tobak": "tobacco",
    "tobacco": "tobacco",
    "livsmedel": "food",
    "livsmedelsregistrering": "food",
    "food": "food",
    "bygglov": "building",
    "användning": "building",
    "building": "building",
    "brandskydd": "fire",
    "fire": "fire",
    "annat": "other",
    "other": "other",
}
PERSON_ROLES = {
    "företrädare": "representative",
    "representant": "representative",
    "firmatecknare": "representative",
    "representative": "representative",
    "styrelseledamot": "board_member",
    "styrelse": "board_member",
    "board_member": "board_member",
    "ägare": "owner",
    "owner": "owner",
    "anställd": "employee",
    "employee": "employee",
}
PERMIT_STATUSES = {
    "gällande": "active",
    "giltigt": "active",
    "aktiv": "active",
    "active": "active",
    "utgånget": "expired",
    "upphört": "expired",
    "expired": "expired",
    "återkallat": "revoked",
    "revoked": "revoked",
    "ansökt": "applied",
    "applied": "applied",
    "avslaget": "denied",
    "denied": "denied",
}


def normalise_address(address: str, postal_code: str = "") -> str:
    """Lower case, no accents on the comparison key, no punctuation, single spaces,
    common abbreviations written out, postal code digits appended."""
    text = unicodedata.normalize("NFKC", address).lower()
    text = re.sub(r"(\w)g\.", r"\1gatan", text)  # Kungsg. → kungsgatan
    text = re.sub(r"(\w)v\.", r"\1vägen", text)  # Rydsv. → rydsvägen
    text = re.sub(r"[.,;:]", " ", text)
    text = " ".join(text.split())
    digits = re.sub(r"\D", "", postal_code)
    return f"{text} {digits}".strip()


@dataclass(frozen=True)
class ParsedRow:
    number: int
    address: str
    postal_code: str
    municipality: str
    property_designation: str
    kind: str
    name: str
    latitude: float | None
    longitude: float | None
    organisation_number: str
    business_name: str
    legal_form: str
    line_of_business: str
    permit_type: str
    permit_status: str
    valid_from: date | None
    valid_to: date | None
    issuer: str
    reference: str
    person_name: str = ""
    person_number: str = ""
    person_role: str = ""

    @property
    def address_key(self) -> str:
        return normalise_address(self.address, self.postal_code)


def _date(value: str, row: int, column: str, problems: list[Problem]) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        problems.append(Problem(row, column, f"”{value}” är inte ett datum (ÅÅÅÅ-MM-DD)."))
        return None


def _coordinate(
    value: str, low: float, high: float, row: int, column: str, problems: list[Problem]
) -> float | None:
    if not value:
        return None
    try:
        number = float(value.replace(",", "."))
    except ValueError:
        problems.append(Problem(row, column, f"”{value}” är inte ett tal."))
        return None
    if not low <= number <= high:
        problems.append(Problem(row, column, f"{number} ligger utanför Sverige ({low}–{high})."))
        return None
    return number


def parse_rows(
    rows: Sequence[Row],
    *,
    municipalities: Mapping[str, str],
    kinds: Mapping[str, str],
) -> tuple[list[ParsedRow], list[Problem]]:
    """Validate rows. ``municipalities`` and ``kinds`` map lower-cased names (and keys)
    to canonical keys; values not in them are errors naming the row and column."""
    parsed: list[ParsedRow] = []
    problems: list[Problem] = []
    for row in rows:
        v = {k: (val or "").strip() for k, val in row.values.items()}
        n = row.number
        before = len(problems)
        if not v.get("address"):
            problems.append(Problem(n, "address", "adressen saknas."))
        municipality = municipalities.get(v.get("municipality", "").lower(), "")
        if not municipality:
            problems.append(
                Problem(n, "municipality", f"”{v.get('municipality', '')}” är ingen känd kommun.")
            )
        kind = ""
        if v.get("kind"):
            kind = kinds.get(v["kind"].lower(), "")
            if not kind:
                problems.append(Problem(n, "kind", f"okänd verksamhetstyp ”{v['kind']}”."))
        postal = re.sub(r"\s", "", v.get("postal_code", ""))
        if postal and not re.fullmatch(r"\d{5}", postal):
            problems.append(Problem(n, "postal_code", "postnumret ska ha fem siffror."))
        orgnr = ""
        if v.get("organisation_number"):
            try:
                orgnr = parse_organisation_number(v["organisation_number"])
            except IdentityNumberError as error:
                problems.append(Problem(n, "organisation_number", str(error)))
        elif v.get("business_name"):
            problems.append(
                Problem(n, "organisation_number", "organisationsnummer krävs för ett företag.")
            )
        permit_type = ""
        permit_status = ""
        if v.get("permit_type"):
            permit_type = PERMIT_TYPES.get(v["permit_type"].lower(), "")
            if not permit_type:
                problems.append(
                    Problem(n, "permit_type", f"okänd tillståndstyp ”{v['permit_type']}”.")
                )
            permit_status = PERMIT_STATUSES.get(v.get("permit_status", "").lower(), "")
            if not permit_status:
                problems.append(
                    Problem(n, "permit_status", f"okänd status ”{v.get('permit_status', '')}”.")
                )
        valid_from = _date(v.get("valid_from", ""), n, "valid_from", problems)
        valid_to = _date(v.get("valid_to", ""), n, "valid_to", problems)
        if valid_from and valid_to and valid_to < valid_from:
            problems.append(Problem(n, "valid_to", "slutdatumet ligger före startdatumet."))
        person_number = ""
        person_role = ""
        if v.get("person_name") or v.get("person_number"):
            if not v.get("person_name"):
                problems.append(Problem(n, "person_name", "personens namn saknas."))
            if v.get("person_number"):
                try:
                    person_number = parse_person_number(v["person_number"]).value
                except IdentityNumberError as error:
                    problems.append(Problem(n, "person_number", str(error)))
            person_role = PERSON_ROLES.get(v.get("person_role", "").lower(), "")
            if not person_role:
                problems.append(
                    Problem(n, "person_role", f"okänd roll ”{v.get('person_role', '')}”.")
                )
        latitude = _coordinate(v.get("latitude", ""), 55.0, 69.1, n, "latitude", problems)
        longitude = _coordinate(v.get("longitude", ""), 10.9, 24.2, n, "longitude", problems)
        if len(problems) > before:
            continue
        parsed.append(
            ParsedRow(
                number=n,
                address=v["address"],
                postal_code=postal,
                municipality=municipality,
                property_designation=v.get("property_designation", ""),
                kind=kind,
                name=v.get("name", ""),
                latitude=latitude,
                longitude=longitude,
                organisation_number=orgnr,
                business_name=v.get("business_name", ""),
                legal_form=v.get("legal_form", ""),
                line_of_business=v.get("line_of_business", ""),
                permit_type=permit_type,
                permit_status=permit_status,
                valid_from=valid_from,
                valid_to=valid_to,
                issuer=v.get("issuer", ""),
                reference=v.get("reference", ""),
                person_name=v.get("person_name", ""),
                person_number=person_number,
                person_role=person_role,
            )
        )
    return parsed, problems

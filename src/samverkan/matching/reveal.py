"""Re-identification at the data owner: join the matches exported from the service with the
owner's own mapping (reference → row, written by ``samverkan match encode --mapping``) and
the original register. Runs offline; pure (no Django).

Every use is appended to a local log (time, operating-system user, the matches file's
SHA-256, how many rows were revealed), since the service cannot see what happens here.
"""

from __future__ import annotations

import csv
import getpass
import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from samverkan.core.exporting import csv_lines, unescape_formula
from samverkan.matching.localfiles import MatchFileError

MATCH_COLUMNS = ("number", "match_type", "ref", "counterpart", "band")


@dataclass(frozen=True)
class RevealResult:
    revealed: int
    not_ours: int


def _read_csv(path: Path, what: str, required: tuple[str, ...]) -> list[dict[str, str]]:
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            missing = [c for c in required if c not in (reader.fieldnames or [])]
            if missing:
                raise MatchFileError(f"{what} saknar kolumnerna: {', '.join(missing)}.")
            return list(reader)
    except (OSError, UnicodeDecodeError) as error:
        raise MatchFileError(f"{what} ({path.name}) kunde inte läsas: {error}") from error


def reveal(
    *,
    matches_path: Path,
    mapping_path: Path,
    input_path: Path,
    output_path: Path,
    log_path: Path,
) -> RevealResult:
    matches = _read_csv(matches_path, "Matchningsfilen", MATCH_COLUMNS)
    mapping = {
        row["ref"]: row["row"] for row in _read_csv(mapping_path, "Kopplingsfilen", ("ref", "row"))
    }
    try:
        with input_path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.reader(handle)
            header = next(reader, None)
            if header is None:
                raise MatchFileError("Registerfilen är tom.")
            rows = {str(number): row for number, row in enumerate(reader, start=2)}
    except (OSError, UnicodeDecodeError) as error:
        raise MatchFileError(f"Registerfilen kunde inte läsas: {error}") from error
    revealed = 0
    not_ours = 0
    out_rows: list[list[str]] = []
    for match in matches:
        row_number = mapping.get(match["ref"])
        if row_number is None:
            not_ours += 1
            continue
        row = rows.get(row_number)
        if row is None:
            raise MatchFileError(
                f"Rad {row_number} finns inte i registerfilen: är det samma fil som kodades?"
            )
        # The export escaped text that a spreadsheet would take for a formula; the output
        # is escaped again below, once.
        out_rows.append(
            [
                *(
                    unescape_formula(match[c])
                    for c in ("number", "match_type", "counterpart", "band")
                ),
                row_number,
                *row,
            ]
        )
        revealed += 1
    # Names and identity numbers that someone opens in a spreadsheet: written through the
    # application's export path, which keeps register values from becoming formulas.
    header = ["matchnummer", "matchningstyp", "motpart", "likhetsband", "rad", *header]
    with output_path.open("w", encoding="utf-8", newline="") as handle:
        handle.writelines(csv_lines(header, out_rows, delimiter=",", bom=False))
    digest = hashlib.sha256(matches_path.read_bytes()).hexdigest()
    new_log = not log_path.exists()
    with log_path.open("a", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        if new_log:
            writer.writerow(["tid", "anvandare", "matchningsfil_sha256", "avslojade", "utdata"])
        writer.writerow(
            [
                datetime.now(UTC).isoformat(timespec="seconds"),
                getpass.getuser(),
                digest,
                revealed,
                str(output_path),
            ]
        )
    return RevealResult(revealed, not_ours)

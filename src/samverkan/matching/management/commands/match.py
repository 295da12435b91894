from __future__ import annotations

import csv
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from samverkan.matching import localfiles, reveal, schema


class Command(BaseCommand):
    help = (
        "Privacy-preserving matching. 'encode' runs at the data owner without the server; "
        "'link' compares two encoded files; 'reveal' re-identifies the owner's own matches."
    )
    # Runs offline at the data owner: no database or project checks are needed.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True)
        enc = sub.add_parser("encode", help="Encode a CSV file with a linkage schema (v3).")
        enc.add_argument("--schema", type=Path, required=True)
        enc.add_argument("--secret-file", type=Path, required=True)
        enc.add_argument("--input", type=Path, required=True)
        enc.add_argument("--output", type=Path, required=True)
        enc.add_argument(
            "--mapping", type=Path, help="Where to keep reference → row (stays with you)."
        )
        enc.add_argument("--identity-column", help="Column with personnummer/samordningsnummer.")
        enc.add_argument("--block-column", help="Column to block on (e.g. birth year).")
        enc.add_argument(
            "--from-column", help="Column (outside the schema) with the record's start date."
        )
        enc.add_argument(
            "--to-column", help="Column (outside the schema) with the record's end date."
        )
        enc.add_argument("--workers", type=int, default=None)
        lnk = sub.add_parser("link", help="Compare two encoded files.")
        lnk.add_argument("a", type=Path)
        lnk.add_argument("b", type=Path)
        lnk.add_argument("--threshold", type=float, required=True)
        lnk.add_argument("--one-to-one", action="store_true")
        lnk.add_argument("--blocking", action="store_true", help="Compare only within blocks.")
        lnk.add_argument("--output", type=Path, required=True)
        lnk.add_argument("--workers", type=int, default=None)
        rev = sub.add_parser(
            "reveal", help="Re-identify your own matched records locally, with your mapping."
        )
        rev.add_argument("--matches", type=Path, required=True, help="Export from the service.")
        rev.add_argument("--mapping", type=Path, required=True, help="From 'encode --mapping'.")
        rev.add_argument("--input", type=Path, required=True, help="The register you encoded.")
        rev.add_argument("--output", type=Path, required=True)
        rev.add_argument(
            "--log", type=Path, default=None, help="Local reveal log (default: beside output)."
        )

    def _progress(self, done: int, total: int) -> None:
        if total:
            sys.stderr.write(f"\r{done}/{total} ({100 * done // total} %)")
            if done >= total:
                sys.stderr.write("\n")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["subcommand"] == "encode":
                self._encode(options)
            elif options["subcommand"] == "reveal":
                self._reveal(options)
            else:
                self._link(options)
        except (localfiles.MatchFileError, schema.SchemaError, OSError, ValueError) as error:
            raise CommandError(str(error)) from error

    def _encode(self, options: dict[str, Any]) -> None:
        result = localfiles.encode_file(
            schema_path=options["schema"],
            secret=localfiles.read_secret(options["secret_file"]),
            input_path=options["input"],
            output_path=options["output"],
            mapping_path=options["mapping"],
            identity_column=options["identity_column"],
            block_column=options["block_column"],
            from_column=options["from_column"],
            to_column=options["to_column"],
            workers=options["workers"],
            progress=self._progress,
        )
        for problem in result.invalid[:500]:
            self.stderr.write(problem)
        self.stdout.write(
            f"{result.records} poster kodade; {len(result.invalid)} rader med ogiltiga värden "
            "kodades inte (se ovan)."
        )

    def _link(self, options: dict[str, Any]) -> None:
        pairs = localfiles.link_files(
            options["a"],
            options["b"],
            threshold=options["threshold"],
            one_to_one=options["one_to_one"],
            blocking=options["blocking"],
            workers=options["workers"],
            progress=self._progress,
        )
        with options["output"].open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["a_index", "b_index", "score"])
            for a_index, b_index, score in pairs:
                writer.writerow([a_index, b_index, repr(score)])
        self.stdout.write(f"{len(pairs)} par med likhet ≥ {options['threshold']}.")

    def _reveal(self, options: dict[str, Any]) -> None:
        output: Path = options["output"]
        result = reveal.reveal(
            matches_path=options["matches"],
            mapping_path=options["mapping"],
            input_path=options["input"],
            output_path=output,
            log_path=options["log"] or output.with_name("reveal-log.csv"),
        )
        self.stdout.write(
            f"{result.revealed} egna poster återidentifierade till {output}; "
            f"{result.not_ours} träffar hörde till andra datamängder. "
            "En träff är en avvikelse att kontrollera, aldrig ett bevis."
        )

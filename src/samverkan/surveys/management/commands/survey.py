from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from samverkan.core.tabular import TableError, read_table
from samverkan.surveys import selectors, services
from samverkan.surveys.models import Wave, WaveResults, WaveStatus
from samverkan.surveys.publishing import results_from_dict
from samverkan.surveys.reporting import results_csv


class Command(BaseCommand):
    help = "Survey tools: import-responses WAVE FILE, results WAVE --format json|csv."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True)
        imp = sub.add_parser(
            "import-responses",
            help="Import paper answers (CSV or XLSX) with each form's answer code (svarskod) "
            "into an open wave.",
        )
        imp.add_argument("wave", help="The wave's short name (slug).")
        imp.add_argument("file", type=Path)
        res = sub.add_parser("results", help="Print the results of a wave.")
        res.add_argument("wave")
        res.add_argument("--format", choices=["json", "csv"], default="json")
        res.add_argument("--language", choices=["sv", "en"], default="sv")

    def _wave(self, slug: str) -> Wave:
        try:
            return selectors.wave_by_slug(user=None, slug=slug)
        except Wave.DoesNotExist as exc:
            raise CommandError(f"Det finns ingen enkätomgång med kortnamnet ”{slug}”.") from exc

    def handle(self, *args: Any, **options: Any) -> None:
        wave = self._wave(options["wave"])
        if options["subcommand"] == "import-responses":
            path: Path = options["file"]
            if not path.exists():
                raise CommandError(f"Filen {path} finns inte.")
            try:
                rows = read_table(
                    path.read_bytes(),
                    path.name,
                    aliases=services.RESPONSE_ALIASES,
                    required=(services.CODE_COLUMN,),
                )
                count = services.import_responses(actor=None, wave=wave, rows=rows)
            except ValidationError as error:
                raise CommandError(" ".join(error.messages)) from error
            except TableError as error:
                for problem in error.problems[:200]:
                    self.stderr.write(str(problem))
                raise CommandError(
                    f"Inget importerades: {len(error.problems)} fel i filen."
                ) from error
            self.stdout.write(
                self.style.SUCCESS(f"{count} pappersenkäter importerades till {wave.name}.")
            )
            return
        if wave.status != WaveStatus.CLOSED:
            raise CommandError(
                f"Enkätomgången ”{wave.slug}” är inte stängd: resultat publiceras först när "
                "den har stängts."
            )
        services.compute_results(actor=None, wave=wave)
        stored = WaveResults.objects.get(wave=wave, language=options["language"])
        result = results_from_dict(stored.data)
        if options["format"] == "json":
            self.stdout.write(json.dumps(result.as_dict(), ensure_ascii=False, indent=2))
        else:
            self.stdout.write(results_csv(result), ending="")

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from samverkan.core.retention import run_purges, run_retention


class Command(BaseCommand):
    help = "Retention: 'run' deletes records older than their retention policy allows."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True)
        run = sub.add_parser("run", help="Delete expired records.")
        run.add_argument("--dry-run", action="store_true", help="Count only; delete nothing.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["subcommand"] != "run":
            raise CommandError("Okänt underkommando.")
        results = run_retention(dry_run=options["dry_run"])
        purged = run_purges(dry_run=options["dry_run"])
        if not results and not purged:
            self.stdout.write("Inga gallringsregler är inlagda.")
        verb = "skulle raderas" if options["dry_run"] else "raderade"
        for result in results:
            self.stdout.write(
                f"{result.record_type}: {result.deleted} {verb} (äldre än {result.months} månader)"
            )
        for name, count in purged.items():
            self.stdout.write(f"{name}: {count} {verb} (tidsgränsen har passerats)")

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from samverkan.ros import riskfacts


class Command(BaseCommand):
    help = "ROS tools: recompute-risk scores every premises with the current indicator settings."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True)
        sub.add_parser("recompute-risk", help="Recompute all risk scores.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["subcommand"] != "recompute-risk":
            raise CommandError("Okänt underkommando.")

        def progress(done: int, total: int) -> None:
            self.stdout.write(f"{done}/{total}")

        count = riskfacts.recompute(progress=progress)
        self.stdout.write(self.style.SUCCESS(f"Riskpoäng beräknade för {count} lokaler."))

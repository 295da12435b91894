from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from samverkan.audit import services
from samverkan.audit.models import AuditAction


class Command(BaseCommand):
    help = "Audit log tools. 'verify' recomputes the hash chain and reports any tampering."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True)
        sub.add_parser("verify", help="Verify the audit log's hash chain.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["subcommand"] != "verify":
            raise CommandError("Okänt underkommando.")
        problems = services.verify()
        with transaction.atomic():
            services.record(
                actor=None,
                action=AuditAction.VERIFY,
                object_type="audit",
                details={"intact": not problems, "problems": len(problems), "via": "cli"},
            )
        if not problems:
            self.stdout.write(
                self.style.SUCCESS("Granskningsloggen är oförändrad: kedjan stämmer.")
            )
            return
        for problem in problems:
            where = f"post {problem.seq}" if problem.seq is not None else "kedjans slut"
            self.stderr.write(f"{where}: {problem.kind}: {problem.detail}")
        raise CommandError(f"Granskningsloggen har ändrats: {len(problems)} fel hittades.")

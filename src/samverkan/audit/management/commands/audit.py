from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone

from samverkan.audit import services
from samverkan.audit.models import AuditAction, AuditEntry


class Command(BaseCommand):
    help = (
        "Audit log tools. 'verify' recomputes the hash chain and reports any tampering;"
        " 'sign-ins' lists failed sign-ins and lock-outs that concern no organisation."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True)
        sub.add_parser("verify", help="Verify the audit log's hash chain.")
        sign_ins = sub.add_parser(
            "sign-ins",
            help="Failed sign-ins and lock-outs for unknown user names (or accounts without"
            " organisation), which no auditor sees: for platform staff.",
        )
        sign_ins.add_argument("--days", type=int, default=7, help="How far back (default 7).")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["subcommand"] == "sign-ins":
            self._sign_ins(options["days"])
            return
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

    def _sign_ins(self, days: int) -> None:
        since = timezone.now() - timedelta(days=max(days, 0))
        entries = AuditEntry.objects.filter(
            action__in=[AuditAction.LOGIN_FAILED, AuditAction.LOCKED_OUT],
            organisation_id__isnull=True,
            subject_organisation_id__isnull=True,
            timestamp__gte=since,
        ).order_by("seq")
        for entry in entries.iterator():
            self.stdout.write(
                "\t".join(
                    [
                        timezone.localtime(entry.timestamp).strftime("%Y-%m-%d %H:%M:%S"),
                        entry.action,
                        entry.object_repr,
                        entry.ip_address,
                        ",".join(f"{k}={v}" for k, v in sorted(entry.details.items())),
                    ]
                )
            )

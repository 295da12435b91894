from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from samverkan.demo import data


class Command(BaseCommand):
    help = "Create the demo database under ./var, load synthetic demo data and serve it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--no-serve", action="store_true", help="Only set up the data.")
        parser.add_argument("--port", type=int, default=8000)

    def handle(self, *args: Any, **options: Any) -> None:
        settings.VAR_DIR.mkdir(parents=True, exist_ok=True)
        call_command("migrate", interactive=False, verbosity=0)
        accounts = data.load()
        self.stdout.write(self.style.SUCCESS("Demodata är inläst (syntetiska uppgifter)."))
        self.stdout.write("")
        self.stdout.write(f"Lösenord för alla demokonton: {data.DEMO_PASSWORD}")
        self.stdout.write(f"{'Användarnamn':<34} {'Organisation':<28} Roll")
        for username, organisation, role in accounts:
            self.stdout.write(f"{username:<34} {organisation:<28} {role}")
        if not settings.REQUIRE_2FA:
            self.stdout.write(
                self.style.WARNING(
                    "Demoläge: tvåfaktorinloggning är avstängd. Använd inga riktiga uppgifter."
                )
            )
        if options["no_serve"]:
            return
        self.stdout.write(f"Öppna http://127.0.0.1:{options['port']}/ i webbläsaren.")
        call_command("serve", port=options["port"])

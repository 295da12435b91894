"""Run by test_storage_bytes.py in a separate process: a wave on a fresh SQLite *file*
(the test databases are in memory), N responses submitted in a known order through the
service, each carrying its index in free text, then the close. Prints the database path."""

from __future__ import annotations

import os
import random
import sys

import django

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "samverkan.settings")
django.setup()

from django.conf import settings  # noqa: E402
from django.core import mail  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

N = int(sys.argv[1])


def main() -> None:
    call_command("migrate", verbosity=0)
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.SURVEY_RESPONSE_BATCH = 10
    mail.outbox = []
    from test_waves import LINK, _rows, _wave, answer

    from samverkan.organisations.roles import Role
    from samverkan.surveys import services
    from worldkit import build_world

    world = build_world()
    coordinator = world.user("linkoping", Role.COORDINATOR)
    wave = _wave(world)
    services.import_invitees(actor=coordinator, wave=wave, rows=_rows("Linköpings kommun", N))
    services.open_wave(actor=coordinator, wave=wave)
    services.send_invitations(actor=coordinator, wave=wave, base_url="http://testserver/")
    tokens = [LINK.search(m.body).group(1) for m in mail.outbox]  # type: ignore[union-attr]
    random.Random(7).shuffle(tokens)
    for index, token in enumerate(tokens):
        raw = answer()
        raw["comment"] = f"MARK{index:04d}END"
        services.submit_response(token=token, raw_answers=raw)
    services.close_wave(actor=coordinator, wave=wave)
    print(connection.settings_dict["NAME"])
    connection.close()


main()

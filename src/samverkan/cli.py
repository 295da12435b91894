"""The ``samverkan`` command: Django's management commands with the project's settings.

samverkan demo [--no-serve]      create ./var, migrate, load demo data, serve
samverkan serve [--port N]       web server and background worker
samverkan migrate                apply database migrations
samverkan audit verify           check the audit log's hash chain
samverkan retention run          delete records past their retention period
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["demo"]:
        os.environ.setdefault("SAMVERKAN_DEMO", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "samverkan.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["samverkan", *args])


if __name__ == "__main__":
    main()

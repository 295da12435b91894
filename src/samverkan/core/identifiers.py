"""Identifiers shown to people that count nothing. Pure: imports no Django.

A sequential number shown to one organisation tells it how many records all
organisations made (the gaps between its own numbers are the others'). Identifiers that
people read, say and type are therefore random codes from an alphabet without
look-alike characters (no 0/O, no 1/I); uniqueness is checked where they are stored.
"""

from __future__ import annotations

import secrets

ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def random_code(length: int, *, group: int = 0) -> str:
    """``length`` random characters of :data:`ALPHABET`, in groups of ``group`` joined by
    hyphens when ``group`` is set (``K7QX-4M9D``)."""
    code = "".join(secrets.choice(ALPHABET) for _ in range(length))
    if group <= 0:
        return code
    return "-".join(code[i : i + group] for i in range(0, length, group))

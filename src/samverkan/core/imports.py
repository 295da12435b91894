"""What every table import shares: the upload size limit, the length limits of the model
fields the columns go into, and the store of files waiting between preview and confirm.

Previews hold register extracts with identity numbers, so they are kept encrypted under
``SAMVERKAN_VAR_DIR/imports/`` (AES-GCM with a key that lives only in the user's session,
files readable by the server's user only), deleted when the import is confirmed or
cancelled, and deleted after ``SAMVERKAN_IMPORT_PREVIEW_HOURS`` when abandoned: by
``samverkan retention run`` and whenever a new preview is stored.
"""

from __future__ import annotations

import base64
import contextlib
import os
import re
import secrets
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from django import forms
from django.conf import settings
from django.db import models
from django.utils.translation import gettext as _

from samverkan.core.tabular import Problem, Row

# --- Upload size --------------------------------------------------------------------


def check_upload_size(uploaded: Any, limit_mb: int | None = None) -> None:
    """A form's clean_file: refuse a file over the limit before anything reads it."""
    limit = settings.IMPORT_MAX_UPLOAD_MB if limit_mb is None else limit_mb
    if uploaded.size > limit * 1024 * 1024:
        raise forms.ValidationError(
            _("The file is larger than %(limit)s MB.") % {"limit": limit}, code="too_large"
        )


# --- Field lengths ------------------------------------------------------------------


def max_lengths(columns: Mapping[str, tuple[type[models.Model], str]]) -> dict[str, int]:
    """Column → the max_length of the model field it is stored in."""
    limits: dict[str, int] = {}
    for column, (model, field_name) in columns.items():
        length = getattr(model._meta.get_field(field_name), "max_length", None)
        if length:
            limits[column] = int(length)
    return limits


def check_lengths(rows: Iterable[Row], limits: Mapping[str, int]) -> list[Problem]:
    """A problem for every value longer than its column's field holds, naming the row and
    the column as the file names it."""
    problems: list[Problem] = []
    for row in rows:
        for column, limit in limits.items():
            value = row.values.get(column) or ""
            if len(value) > limit:
                problems.append(
                    Problem(
                        row.number,
                        row.label(column),
                        _("at most %(limit)d characters (%(length)d).")
                        % {"limit": limit, "length": len(value)},
                    )
                )
    return problems


# --- Previews -----------------------------------------------------------------------

_ID = re.compile(r"[0-9a-f]{32}")
_SUFFIX = ".preview"


def _directory() -> Path:
    path = Path(settings.VAR_DIR) / "imports"
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def _path(file_id: str) -> Path:
    if not _ID.fullmatch(file_id):
        raise ValueError("not a preview id")
    return _directory() / f"{file_id}{_SUFFIX}"


def store_preview(data: bytes) -> dict[str, str]:
    """Keep ``data`` until the user confirms; the returned dict goes into the session (it
    holds the key: without the session the file cannot be read)."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    purge_previews()
    file_id = secrets.token_hex(16)
    key = AESGCM.generate_key(bit_length=256)
    nonce = secrets.token_bytes(12)
    sealed = nonce + AESGCM(key).encrypt(nonce, data, file_id.encode())
    descriptor = os.open(_path(file_id), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(sealed)
    return {"id": file_id, "key": base64.b64encode(key).decode()}


def load_preview(preview: Mapping[str, str]) -> bytes | None:
    """The stored file, or None when it is gone, expired or does not open with the key."""
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    try:
        path = _path(str(preview.get("id", "")))
        if time.time() - path.stat().st_mtime > _max_age():
            return None
        sealed = path.read_bytes()
        key = base64.b64decode(str(preview.get("key", "")), validate=True)
        return AESGCM(key).decrypt(sealed[:12], sealed[12:], path.stem.encode())
    except (OSError, ValueError, InvalidTag):
        return None


def delete_preview(preview: Mapping[str, str] | None) -> None:
    if not preview:
        return
    with contextlib.suppress(ValueError):
        _path(str(preview.get("id", ""))).unlink(missing_ok=True)


def _max_age() -> float:
    return float(settings.IMPORT_PREVIEW_HOURS) * 3600


def purge_previews(actor: Any = None, dry_run: bool = False) -> int:
    """Delete previews older than SAMVERKAN_IMPORT_PREVIEW_HOURS (a retention purge)."""
    cutoff = time.time() - _max_age()
    count = 0
    directory = Path(settings.VAR_DIR) / "imports"
    if not directory.is_dir():
        return 0
    for path in directory.iterdir():
        try:
            if path.is_file() and path.stat().st_mtime < cutoff:
                count += 1
                if not dry_run:
                    path.unlink(missing_ok=True)
        except OSError:
            continue
    return count

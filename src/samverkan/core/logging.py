"""Logging filter that keeps identity numbers out of every log line."""

from __future__ import annotations

import logging

from samverkan.core.identity import redact


class RedactIdentityNumbers(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:
            return True
        redacted = redact(message)
        if redacted != message:
            record.msg = redacted
            record.args = None
        return True

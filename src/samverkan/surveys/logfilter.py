"""A logging filter that keeps respondents out of every log.

A log line with the path of a respondent page (``/enkat/svar/<token>/`` or the
thank-you page) would tie a token, and the time it was used, to the request; paired with
the invitees' list or the e-mails it could link answers to people. Records about those
paths are dropped: the development server's request lines (``django.server``), Django's
warnings about 4xx and 5xx responses (``django.request``, whose record also carries the
request) and anything else that mentions such a path."""

from __future__ import annotations

import logging

RESPONDENT_PREFIX = "/enkat/"


def _mentions_respondent_path(record: logging.LogRecord) -> bool:
    request = getattr(record, "request", None)
    path = getattr(request, "path", None)
    if isinstance(path, str) and path.startswith(RESPONDENT_PREFIX):
        return True
    try:
        message = record.getMessage()
    except Exception:
        message = str(record.msg)
    return RESPONDENT_PREFIX in message


class DropRespondentRequests(logging.Filter):
    """Drop every record about a respondent page (see the module's docstring)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not _mentions_respondent_path(record)

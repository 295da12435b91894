"""When and to whom a wave's results are published.

Results exist only for a closed wave: while a wave is open, every reading between two
submissions would show the newcomer's answers. They are computed once after the close
(``services.compute_results``) and stored per language, so the dashboard, exports, PDF,
API and command line show the same figures for as long as the wave is kept.

A comparison with an earlier wave (the trend) is part of the stored results only when the
earlier wave is comparable (:func:`comparable_previous`), and it is shown only to viewers
whose organisation took part in that earlier wave (:func:`for_viewer`).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from django.utils.translation import gettext as _

from samverkan.core.scoping import get_scope
from samverkan.surveys.analysis import Indicator, Results
from samverkan.surveys.models import Wave, WaveStatus


class ResultsNotPublished(Exception):
    """The wave is not closed: its results do not exist yet."""

    def __init__(self, wave: Wave) -> None:
        self.wave = wave
        super().__init__(not_published_message(wave))


def not_published_message(wave: Wave) -> str:
    if wave.status == WaveStatus.DRAFT:
        return _(
            "The survey has not been opened yet. Results are published when the survey has "
            "been closed."
        )
    return _(
        "The survey is open. Results are published when it has been closed, so that no "
        "answer can be read as it arrives."
    )


def _participant_ids(wave: Wave) -> set[int]:
    return {wave.owner_id, *wave.shared_with.values_list("pk", flat=True)}


def comparison_problem(wave: Wave, previous: Wave) -> str | None:
    """Why ``previous`` cannot be compared with ``wave``, or None when it can: it must be
    closed, use a questionnaire with the same fingerprint and cover a reference period
    of the same length."""
    if previous.pk == wave.pk:
        return _("A survey cannot be compared with itself.")
    if previous.status != WaveStatus.CLOSED:
        return _("The earlier survey must be closed before it can be compared with.")
    if previous.questionnaire.fingerprint != wave.questionnaire.fingerprint:
        return _(
            "The earlier survey used other questions; only surveys with the same questions "
            "can be compared."
        )
    length_now = period_length(wave)
    length_then = period_length(previous)
    if length_now is not None and length_then is not None and length_now != length_then:
        return _("The earlier survey covered a reference period of another length.")
    return None


def period_length(wave: Wave) -> int | None:
    """The length of the wave's reference period in months, when the wave knows it."""
    months = getattr(wave, "period_months", None)
    return int(months) if months is not None else None


def comparable_previous(wave: Wave) -> Wave | None:
    """The earlier wave the results are compared with, or None."""
    previous = wave.previous_wave
    if previous is None or comparison_problem(wave, previous) is not None:
        return None
    return previous


def for_viewer(*, wave: Wave, results: Results, user: Any) -> Results:
    """The results as ``user`` may see them: without the trend unless one of the user's
    organisations took part in the earlier wave."""
    previous = comparable_previous(wave)
    if previous is not None and get_scope(user).organisation_ids & _participant_ids(previous):
        return results
    return replace(results, exposure=[_without_trend(i) for i in results.exposure])


def shows_trend(*, wave: Wave, user: Any) -> bool:
    previous = comparable_previous(wave)
    return previous is not None and bool(
        get_scope(user).organisation_ids & _participant_ids(previous)
    )


def _without_trend(indicator: Indicator) -> Indicator:
    return replace(indicator, trend=None) if indicator.trend is not None else indicator


def require_closed(wave: Wave) -> None:
    if wave.status != WaveStatus.CLOSED:
        raise ResultsNotPublished(wave)


def results_from_dict(data: dict[str, Any]) -> Results:
    """Rebuild stored results (the inverse of ``Results.as_dict``)."""
    return Results.from_dict(data)


def trend_wave(*, wave: Wave, user: Any) -> Wave | None:
    """The earlier wave whose comparison ``user`` sees, or None."""
    return comparable_previous(wave) if shows_trend(wave=wave, user=user) else None


def protected_rates(
    invited: dict[str, int], responded: dict[str, int], k: int
) -> dict[str, int | None]:
    """The number who answered per group, None where it is hidden: a group is shown only
    when both those who answered and those who did not are none or at least ``k`` (so
    that nobody's taking part, or not, can be read), and never as the only hidden group
    beside a published total. Pure computation."""
    hidden: set[str] = set()
    for group, total in invited.items():
        answered = responded.get(group, 0)
        if 0 < answered < k or 0 < total - answered < k:
            hidden.add(group)
    if len(hidden) == 1:
        rest = sorted((invited[g], g) for g in invited if g not in hidden)
        if rest:
            hidden.add(rest[0][1])
    return {g: None if g in hidden else responded.get(g, 0) for g in invited}


def interim_response_rates(*, wave: Wave) -> list[dict[str, Any]]:
    """The response rate per municipality of an open wave and in total, with small
    groups protected (the only figures published before the close)."""
    from samverkan.surveys import selectors
    from samverkan.surveys.strata import municipality_value, participants

    invited_strata, responded_strata = selectors.strata_counts(wave=wave)
    names = {municipality_value(o): o.name for o in participants(wave)}
    invited: dict[str, int] = {}
    responded: dict[str, int] = {}
    for (municipality, _role, _gender), n in invited_strata.items():
        invited[municipality] = invited.get(municipality, 0) + n
    for (municipality, _role, _gender), n in responded_strata.items():
        responded[municipality] = responded.get(municipality, 0) + n
    shown = protected_rates(invited, responded, wave.min_cell_size)
    total_invited = sum(invited.values())
    total = protected_rates({"": total_invited}, {"": sum(responded.values())}, wave.min_cell_size)[
        ""
    ]
    rows: list[dict[str, Any]] = []
    for group in sorted(invited, key=lambda g: names.get(g, g)):
        answered = shown[group]
        if invited[group]:
            rows.append(
                {
                    "label": names.get(group, group),
                    "invited": invited[group],
                    "responded": answered,
                    "rate": None if answered is None else answered / invited[group],
                }
            )
    rows.append(
        {
            "label": _("All"),
            "invited": total_invited,
            "responded": total,
            "rate": None if total is None or not total_invited else total / total_invited,
            "total": True,
        }
    )
    return rows

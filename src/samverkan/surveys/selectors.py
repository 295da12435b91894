"""Reads of the survey module, scoped to the user."""

from __future__ import annotations

import uuid
from collections import Counter
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.shortcuts import get_object_or_404

from samverkan.core.scoping import get_scope
from samverkan.core.selectors import get_scoped
from samverkan.organisations.roles import Action, Role
from samverkan.surveys.models import Invitee, QuestionnaireVersion, Response, SurveyTexts, Wave


def wave_list(*, user: Any) -> QuerySet[Wave]:
    return (
        Wave.objects.restrict(user, Action.VIEW)
        .select_related("owner", "questionnaire")
        .order_by("-created_at")
    )


def wave_get(*, user: Any, pk: Any, action: Action = Action.VIEW) -> Wave:
    return get_scoped(Wave, user, pk, action)


def wave_by_slug(*, user: Any | None, slug: str) -> Wave:
    """For the command line: ``user`` None means the operator, who sees every wave."""
    if user is None:
        return Wave.objects.get(slug=slug)
    return Wave.objects.restrict(user, Action.VIEW).get(slug=slug)


def questionnaire_list(*, user: Any) -> QuerySet[QuestionnaireVersion]:
    """Questionnaire versions the user may read: those of the user's organisations, of
    the organisations in a collaboration with them, and those of the waves the user sees
    (a wave's participants read its questions)."""
    from samverkan.organisations.selectors import partner_organisations

    orgs = get_scope(user).organisation_ids
    if not orgs:
        return QuestionnaireVersion.objects.none()
    waves = Wave.objects.restrict(user, Action.VIEW).values("questionnaire_id")
    return QuestionnaireVersion.objects.filter(
        Q(created_by_organisation_id__in=orgs)
        | Q(created_by_organisation__in=partner_organisations(user))
        | Q(pk__in=waves)
    ).select_related("created_by_organisation")


def questionnaire_get(*, user: Any, uid: Any) -> QuestionnaireVersion:
    """One version by its uid; 404 when the user may not read it."""
    return get_object_or_404(questionnaire_list(user=user), uid=uid)


def managed_invitees(*, user: Any, wave: Wave) -> QuerySet[Invitee]:
    """Invitees of the user's own organisations (coordinators only)."""
    orgs = get_scope(user).orgs_with_role(Role.COORDINATOR)
    return Invitee.objects.filter(wave=wave, organisation_id__in=orgs).order_by("email")


def invitation_counts(*, user: Any, wave: Wave) -> dict[str, int]:
    return managed_invitees(user=user, wave=wave).aggregate(
        total=Count("pk"),
        invited=Count("pk", filter=Q(invited=True)),
        responded=Count("pk", filter=Q(responded=True)),
    )


def strata_counts(
    *, wave: Wave
) -> tuple[Counter[tuple[str, str, str]], Counter[tuple[str, str, str]]]:
    """Invited and answered per municipality × role × gender (aggregates only, one query)."""
    from samverkan.surveys.strata import municipality_value

    names = {o.pk: municipality_value(o) for o in [wave.owner, *wave.shared_with.all()]}
    invited: Counter[tuple[str, str, str]] = Counter()
    responded: Counter[tuple[str, str, str]] = Counter()
    rows = (
        Invitee.objects.filter(wave=wave)
        .values("organisation_id", "role", "gender")
        .annotate(n=Count("pk"), answered=Count("pk", filter=Q(responded=True)))
    )
    for row in rows:
        key = (names.get(row["organisation_id"], "?"), row["role"], row["gender"])
        invited[key] += row["n"]
        if row["answered"]:
            responded[key] += row["answered"]
    return invited, responded


def answers(*, wave: Wave) -> list[dict[str, Any]]:
    """All answers of a wave, in the random order of their ids."""
    return list(Response.objects.filter(wave=wave).order_by("pk").values_list("answers", flat=True))


def text_organisations(*, user: Any, wave: Wave) -> list[Any]:
    """The wave's participating organisations whose texts the user may edit (where the
    user is a coordinator)."""
    from samverkan.surveys.strata import participants

    own = get_scope(user).orgs_with_role(Role.COORDINATOR)
    return [o for o in participants(wave) if o.pk in own]


def survey_texts_by_uid(*, uid: str) -> SurveyTexts | None:
    """An organisation's texts for the thank-you page, by their random id (public)."""
    try:
        key = uuid.UUID(uid)
    except ValueError:
        return None
    return SurveyTexts.objects.filter(uid=key).first()

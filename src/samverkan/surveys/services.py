"""Every write of the survey module: keyword-only, one transaction, audited inside.

Submitting answers is the exception to "audit everything": a respondent's submission
writes no audit entry, since its time would tie the answers to the invitee.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import date
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import Case, F, Value, When
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from samverkan.audit import services as audit
from samverkan.audit.models import AuditAction
from samverkan.core.imports import check_lengths, max_lengths
from samverkan.core.scoping import get_scope
from samverkan.core.sharing import share_targets
from samverkan.core.tabular import Problem, Row, TableError
from samverkan.organisations.models import Organisation
from samverkan.organisations.roles import Action, Role
from samverkan.surveys import periods
from samverkan.surveys import questionnaire as qn
from samverkan.surveys.models import (
    MIN_CELL_SIZE,
    Invitee,
    QuestionnaireVersion,
    Response,
    Wave,
    WaveStatus,
)
from samverkan.surveys.selectors import questionnaire_list
from samverkan.surveys.strata import (
    load_questionnaire,
    municipality_value,
    participants,
    stratum_options,
)
from samverkan.surveys.tokens import new_token, token_hash, unusable_hash


class SurveyClosed(Exception):
    """The wave does not take answers (not opened yet, or closed)."""


class TokenUsed(Exception):
    """The link has been used already (or never existed)."""


def _require_coordinator(actor: Any, organisation: Organisation) -> None:
    if organisation.pk not in get_scope(actor).orgs_with_role(Role.COORDINATOR):
        raise PermissionDenied(_("Only the organisation's coordinators may do this."))


# --- Questionnaires --------------------------------------------------------------


@transaction.atomic
def import_questionnaire(
    *, actor: Any, organisation: Organisation, document: str
) -> QuestionnaireVersion:
    _require_coordinator(actor, organisation)
    try:
        parsed = qn.parse_yaml(document)
    except qn.QuestionnaireError as error:
        raise ValidationError({"document": error.errors}) from error
    if QuestionnaireVersion.objects.filter(
        created_by_organisation=organisation, key=parsed.key, version=parsed.version
    ).exists():
        raise ValidationError(
            {
                "document": _(
                    "Version %(version)s of “%(key)s” exists already: raise the version number."
                )
                % {"version": parsed.version, "key": parsed.key}
            }
        )
    version = QuestionnaireVersion.objects.create(
        key=parsed.key,
        version=parsed.version,
        title=parsed.title.get("sv", parsed.key),
        document=document,
        fingerprint=qn.fingerprint(parsed),
        created_by_organisation=organisation,
    )
    audit.record(actor=actor, action=AuditAction.CREATE, obj=version, organisation=organisation)
    return version


@transaction.atomic
def update_questionnaire(
    *, actor: Any, questionnaire: QuestionnaireVersion, document: str
) -> QuestionnaireVersion:
    _require_coordinator(actor, questionnaire.created_by_organisation)
    if questionnaire.locked:
        raise ValidationError(
            {
                "document": _(
                    "The questionnaire is locked because a survey using it has been opened. "
                    "Make a new version instead."
                )
            }
        )
    try:
        parsed = qn.parse_yaml(document)
    except qn.QuestionnaireError as error:
        raise ValidationError({"document": error.errors}) from error
    if (parsed.key, parsed.version) != (questionnaire.key, questionnaire.version):
        raise ValidationError(
            {"document": _("The key and version cannot change when editing a version.")}
        )
    questionnaire.document = document
    questionnaire.title = parsed.title.get("sv", parsed.key)
    questionnaire.fingerprint = qn.fingerprint(parsed)
    questionnaire.save()
    audit.record(actor=actor, action=AuditAction.UPDATE, obj=questionnaire)
    return questionnaire


def ensure_default_questionnaire(*, actor: Any, organisation: Organisation) -> QuestionnaireVersion:
    """The shipped questionnaire: the organisation's own copy, else a copy the actor may
    read (a collaboration partner's, so that partners share one version), else a new
    copy imported for the organisation."""
    default = qn.load_default()
    existing = (
        questionnaire_list(user=actor)
        .filter(key=default.key, version=default.version)
        .order_by(
            Case(When(created_by_organisation=organisation, then=Value(0)), default=Value(1)),
            "created_at",
        )
        .first()
    )
    if existing is not None:
        return existing
    return import_questionnaire(
        actor=actor, organisation=organisation, document=qn.to_yaml(default)
    )


# --- Waves -------------------------------------------------------------------------


@transaction.atomic
def create_wave(
    *,
    actor: Any,
    owner: Organisation,
    name: str,
    slug: str,
    questionnaire: QuestionnaireVersion,
    partners: Iterable[Organisation],
    period_start: date | None = None,
    period_end: date | None = None,
    reference_period: str | None = None,
    min_cell_size: int = MIN_CELL_SIZE,
    weighting: bool = True,
    previous_wave: Wave | None = None,
) -> Wave:
    """``period_start`` and ``period_end`` give the reference period; ``reference_period``
    (older callers) is read from text such as ``2025`` or ``de senaste tolv månaderna``."""
    _require_coordinator(actor, owner)
    period_start, period_end = _period(period_start, period_end, reference_period)
    if min_cell_size < MIN_CELL_SIZE:
        raise ValidationError(
            {
                "min_cell_size": _("The smallest group shown cannot be below %(k)s.")
                % {"k": MIN_CELL_SIZE}
            }
        )
    if Wave.objects.filter(slug=slug).exists():
        raise ValidationError({"slug": _("The short name is taken.")})
    if not questionnaire_list(user=actor).filter(pk=questionnaire.pk).exists():
        raise ValidationError({"questionnaire": _("Choose a questionnaire.")})
    if previous_wave is not None and previous_wave.owner_id != owner.pk:
        raise ValidationError(
            {"previous_wave": _("Compare only with an earlier wave run by the same organisation.")}
        )
    partner_list = share_targets(owner, partners, field="partners")
    wave = Wave(
        owner=owner,
        name=name.strip(),
        slug=slug,
        questionnaire=questionnaire,
        period_start=period_start,
        period_end=period_end,
        min_cell_size=min_cell_size,
        weighting=weighting,
        previous_wave=previous_wave,
        created_by=actor,
    )
    wave.full_clean()
    if previous_wave is not None:
        from samverkan.surveys.publishing import comparison_problem

        problem = comparison_problem(wave, previous_wave)
        if problem:
            raise ValidationError({"previous_wave": problem})
    wave.save()
    wave.shared_with.set(partner_list)
    audit.record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=wave,
        organisation=owner,
        details={"participants": sorted(o.name for o in [owner, *partner_list])},
    )
    return wave


def _period(start: date | None, end: date | None, text: str | None) -> tuple[date, date]:
    if start is None and end is None and text is not None:
        parsed = periods.parse_period(text, today=timezone.localdate())
        if parsed is None:
            raise ValidationError({"period_start": _("Give the reference period as two dates.")})
        return parsed
    if start is None or end is None:
        raise ValidationError(
            {
                "period_start" if start is None else "period_end": _(
                    "Give the reference period as two dates."
                )
            }
        )
    if end <= start:
        raise ValidationError(
            {"period_end": _("The end of the reference period must come after its start.")}
        )
    return start, end


def _require_owner_change(actor: Any, wave: Wave) -> None:
    if not Wave.objects.allowed(actor, Action.CHANGE, wave.pk) or wave.owner_id not in get_scope(
        actor
    ).orgs_with_role(Role.COORDINATOR):
        raise PermissionDenied(
            _("Only the coordinators of the organisation running the survey may do this.")
        )


@transaction.atomic
def update_wave_settings(
    *,
    actor: Any,
    wave: Wave,
    min_cell_size: int,
    weighting: bool,
    period_start: date | None = None,
    period_end: date | None = None,
    reference_period: str | None = None,
) -> Wave:
    _require_owner_change(actor, wave)
    if wave.status != WaveStatus.DRAFT:
        raise ValidationError(
            {
                "__all__": _(
                    "The survey has been opened: its questions and anonymity settings can no "
                    "longer change, so that all answers are comparable and anonymous."
                )
            }
        )
    if min_cell_size < MIN_CELL_SIZE:
        raise ValidationError(
            {
                "min_cell_size": _("The smallest group shown cannot be below %(k)s.")
                % {"k": MIN_CELL_SIZE}
            }
        )
    if period_start is None and period_end is None and reference_period is None:
        period_start, period_end = wave.period_start, wave.period_end
    wave.period_start, wave.period_end = _period(period_start, period_end, reference_period)
    wave.min_cell_size = min_cell_size
    wave.weighting = weighting
    wave.save()
    audit.record(actor=actor, action=AuditAction.UPDATE, obj=wave, details={"settings": True})
    return wave


@transaction.atomic
def open_wave(*, actor: Any, wave: Wave) -> Wave:
    _require_owner_change(actor, wave)
    if wave.status != WaveStatus.DRAFT:
        raise ValidationError({"__all__": _("Only a draft survey can be opened.")})
    if wave.period_end > timezone.localdate():
        raise ValidationError(
            {
                "__all__": _(
                    "The reference period ends in the future: the survey can be opened on "
                    "its last day at the earliest. Change the period in the settings."
                )
            }
        )
    wave.status = WaveStatus.OPEN
    wave.opened_on = timezone.localdate()
    wave.save(update_fields=["status", "opened_on", "updated_at"])
    QuestionnaireVersion.objects.filter(pk=wave.questionnaire_id).update(locked=True)
    audit.record(actor=actor, action=AuditAction.UPDATE, obj=wave, details={"status": "open"})
    return wave


@transaction.atomic
def close_wave(*, actor: Any, wave: Wave) -> Wave:
    _require_owner_change(actor, wave)
    if wave.status != WaveStatus.OPEN:
        raise ValidationError({"__all__": _("Only an open survey can be closed.")})
    wave.status = WaveStatus.CLOSED
    wave.closed_on = timezone.localdate()
    wave.save(update_fields=["status", "closed_on", "updated_at"])
    # Rewrite every invitee and response row of the wave in this one transaction, so that
    # row versions no longer carry the transaction of each submission (on PostgreSQL the
    # invitee and the response of one submission would otherwise share a transaction id).
    Invitee.objects.filter(wave=wave).update(reminders=F("reminders"))
    Response.objects.filter(wave=wave).update(source=F("source"))
    from samverkan.surveys.drafts import discard_wave_drafts

    discard_wave_drafts(wave=wave)  # saved answers never outlive the wave
    audit.record(actor=actor, action=AuditAction.UPDATE, obj=wave, details={"status": "closed"})
    from samverkan.jobs.services import start_job

    # The results are computed once, in the background, after the close has committed.
    start_job(actor=actor, kind="survey_results", params={"wave": str(wave.pk)})
    return wave


# --- Invitees ----------------------------------------------------------------------

INVITEE_ALIASES = {
    "e-post": "email",
    "epost": "email",
    "e-mail": "email",
    "mejl": "email",
    "kommun": "municipality",
    "roll": "role",
    "kön": "gender",
    "kon": "gender",
    "åldersgrupp": "age_band",
    "ålder": "age_band",
    "age band": "age_band",
    "age": "age_band",
}
INVITEE_COLUMNS = ("email", "municipality", "role", "gender")
# Columns stored as they are written (role, gender and age band when the questionnaire gives
# no options): longer values than the field holds are refused with their row and column.
INVITEE_FIELDS: dict[str, tuple[type[Any], str]] = {
    "email": (Invitee, "email"),
    "role": (Invitee, "role"),
    "gender": (Invitee, "gender"),
    "age_band": (Invitee, "age_band"),
}


def _match_option(value: str, options: dict[str, set[str]]) -> str | None:
    wanted = value.strip().lower()
    for option_value, labels in options.items():
        if wanted == option_value or wanted in labels:
            return option_value
    return None


@transaction.atomic
def import_invitees(*, actor: Any, wave: Wave, rows: Sequence[Row]) -> int:
    """Add invitees from a parsed table. All rows or none: every problem is reported
    with its row and column. Each municipality's coordinators import their own."""
    from django.core.validators import validate_email

    questionnaire = load_questionnaire(wave.questionnaire.document)
    coordinator_orgs = get_scope(actor).orgs_with_role(Role.COORDINATOR)
    organisations = {municipality_value(o): o for o in participants(wave)}
    names = {o.name.lower(): key for key, o in organisations.items()}
    options = {s: stratum_options(questionnaire, s) for s in ("role", "gender", "age_band")}
    problems: list[Problem] = check_lengths(rows, max_lengths(INVITEE_FIELDS))
    seen: set[str] = set(Invitee.objects.filter(wave=wave).values_list("email", flat=True))
    new: list[Invitee] = []
    for row in rows:
        values = row.values
        email = values.get("email", "").strip().lower()
        try:
            validate_email(email)
        except ValidationError:
            problems.append(Problem(row.number, "email", _("not a valid e-mail address.")))
        if email in seen:
            problems.append(Problem(row.number, "email", _("the address appears twice.")))
        seen.add(email)
        municipality = values.get("municipality", "").strip()
        key = names.get(municipality.lower()) or (
            municipality if municipality in organisations else None
        )
        organisation = organisations.get(key) if key else None
        if organisation is None:
            problems.append(
                Problem(row.number, "municipality", _("not one of the survey's organisations."))
            )
        elif organisation.pk not in coordinator_orgs:
            problems.append(
                Problem(
                    row.number,
                    "municipality",
                    _("you may only import invitees of your own organisation."),
                )
            )
        matched: dict[str, str] = {}
        for column in ("role", "gender", "age_band"):
            raw = values.get(column, "")
            if column == "age_band" and not raw:
                matched[column] = ""
                continue
            found = _match_option(raw, options[column]) if options[column] else raw
            if not found:
                problems.append(
                    Problem(
                        row.number,
                        column,
                        _("“%(value)s” is not an allowed value.") % {"value": raw},
                    )
                )
            else:
                matched[column] = found
        if organisation is not None and len(matched) == 3:
            new.append(
                Invitee(
                    wave=wave,
                    organisation=organisation,
                    email=email,
                    role=matched["role"],
                    gender=matched["gender"],
                    age_band=matched["age_band"],
                    token_hash=unusable_hash(),
                )
            )
    if not rows:
        problems.append(Problem(None, None, _("The file has no rows with invitees.")))
    if problems:
        raise TableError(problems)
    Invitee.objects.bulk_create(new, batch_size=2000)
    audit.record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=wave,
        details={"invitees_imported": len(new)},
    )
    return len(new)


def _send(
    *,
    wave: Wave,
    invitees: Sequence[Invitee],
    reminder: bool,
    base_url: str,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Give each invitee a fresh token and e-mail the link; earlier links stop working."""
    connection = get_connection()
    subject = (_("Reminder: %(name)s") if reminder else _("Survey: %(name)s")) % {"name": wave.name}
    sent = 0
    total = len(invitees)
    for index, invitee in enumerate(invitees, start=1):
        token, hashed = new_token()
        link = base_url.rstrip("/") + reverse("respondent:respond", args=[token])
        body = _(
            "You are invited to answer the survey “%(name)s” about undue influence "
            "during %(period)s.\n\nYour answers are anonymous: they are stored without any "
            "link to you or to this message. The link works once.\n\n%(link)s\n"
        ) % {"name": wave.name, "period": wave.reference_period, "link": link}
        if reminder:
            body += "\n" + _("This link replaces the one in the earlier message.")
        with transaction.atomic():
            Invitee.objects.filter(pk=invitee.pk).update(
                token_hash=hashed,
                invited=True,
                reminders=invitee.reminders + (1 if reminder else 0),
            )
            EmailMessage(
                subject, body, settings.DEFAULT_FROM_EMAIL, [invitee.email], connection=connection
            ).send()
        sent += 1
        if progress is not None and (index % 100 == 0 or index == total):
            progress(index, total)
    return sent


def send_invitations(
    *,
    actor: Any,
    wave: Wave,
    base_url: str,
    reminders: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Invite (or remind) the actor's own organisations' invitees of an open wave."""
    if wave.status != WaveStatus.OPEN:
        raise ValidationError({"__all__": _("Invitations go out only while the survey is open.")})
    orgs = get_scope(actor).orgs_with_role(Role.COORDINATOR)
    invitees = Invitee.objects.filter(wave=wave, organisation_id__in=orgs)
    if reminders:
        invitees = invitees.filter(invited=True, responded=False)
    else:
        invitees = invitees.filter(invited=False)
    targets = list(invitees.order_by("pk"))
    sent = _send(
        wave=wave, invitees=targets, reminder=reminders, base_url=base_url, progress=progress
    )
    with transaction.atomic():
        audit.record(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=wave,
            details={"reminders_sent" if reminders else "invitations_sent": sent},
        )
    return sent


# --- Answers -----------------------------------------------------------------------


def wave_for_token(token: str) -> Wave:
    invitee = (
        Invitee.objects.select_related("wave", "wave__questionnaire")
        .filter(token_hash=token_hash(token))
        .first()
    )
    if invitee is None or invitee.responded:
        raise TokenUsed
    if invitee.wave.status != WaveStatus.OPEN:
        raise SurveyClosed
    return invitee.wave


def submit_response(*, token: str, raw_answers: dict[str, Any]) -> None:
    """Store one response and consume the token in the same transaction.

    The response keeps no reference to the token or invitee, no time and no IP
    address; a second submission with the same token stores nothing."""
    with transaction.atomic():
        invitee = (
            Invitee.objects.select_for_update()
            .select_related("wave", "wave__questionnaire")
            .filter(token_hash=token_hash(token), responded=False)
            .first()
        )
        if invitee is None:
            raise TokenUsed
        wave = invitee.wave
        if wave.status != WaveStatus.OPEN:
            raise SurveyClosed
        questionnaire = load_questionnaire(wave.questionnaire.document)
        try:
            answers = qn.validate_answers(
                questionnaire,
                raw_answers,
                municipalities=[municipality_value(o) for o in participants(wave)],
            )
        except qn.AnswerError as error:
            raise ValidationError(error.errors) from error
        updated = Invitee.objects.filter(pk=invitee.pk, responded=False).update(
            responded=True, token_hash=unusable_hash()
        )
        if updated != 1:
            raise TokenUsed
        Response.objects.create(wave=wave, answers=answers, source="web")


@transaction.atomic
def import_responses(*, actor: Any | None, wave: Wave, rows: Sequence[Row]) -> int:
    """Responses collected on paper or in another tool, validated against the wave's
    questionnaire. All rows or none."""
    questionnaire = load_questionnaire(wave.questionnaire.document)
    municipalities = [municipality_value(o) for o in participants(wave)]
    problems: list[Problem] = []
    valid: list[dict[str, Any]] = []
    for row in rows:
        try:
            valid.append(
                qn.validate_answers(questionnaire, row.values, municipalities=municipalities)
            )
        except qn.AnswerError as error:
            problems.extend(
                Problem(row.number, field, message) for field, message in error.errors.items()
            )
    if not rows:
        problems.append(Problem(None, None, _("The file has no responses.")))
    if problems:
        raise TableError(problems)
    # Random ids and no time: imported responses cannot be told from each other by order.
    Response.objects.bulk_create(
        [Response(wave=wave, answers=answers, source="import") for answers in valid],
        batch_size=2000,
    )
    audit.record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=wave,
        details={"responses_imported": len(valid)},
    )
    return len(valid)


@transaction.atomic
def set_wave_partners(*, actor: Any, wave: Wave, partners: Iterable[Organisation]) -> Wave:
    """Change the participating organisations of a draft wave (then locked with it)."""
    _require_owner_change(actor, wave)
    if wave.status != WaveStatus.DRAFT:
        raise ValidationError(
            {"partners": _("The participants cannot change after the survey has been opened.")}
        )
    partner_list = share_targets(wave.owner, partners, field="partners")
    before = {o.name for o in wave.shared_with.all()}
    wave.shared_with.set(partner_list)
    after = {o.name for o in partner_list}
    audit.record(
        actor=actor,
        action=AuditAction.SHARE if after - before else AuditAction.UNSHARE,
        obj=wave,
        details={"added": sorted(after - before), "removed": sorted(before - after)},
    )
    return wave


# --- Results -------------------------------------------------------------------------

RESULT_LANGUAGES = ("sv", "en")


def compute_results(*, actor: Any | None, wave: Wave) -> None:
    """Compute and store the published results of a closed wave in every language.

    Runs after the close (a background job) and again only if the stored results are
    missing; a closed wave's answers never change, so neither do its results."""
    from samverkan.surveys.models import WaveResults
    from samverkan.surveys.publishing import require_closed
    from samverkan.surveys.reporting import wave_results

    require_closed(wave)
    for language in RESULT_LANGUAGES:
        if WaveResults.objects.filter(wave=wave, language=language).exists():
            continue
        data = wave_results(wave=wave, language=language).as_dict()
        with transaction.atomic():
            _, created = WaveResults.objects.get_or_create(
                wave=wave, language=language, defaults={"data": data}
            )
            if created:
                audit.record(
                    actor=actor,
                    action=AuditAction.UPDATE,
                    obj=wave,
                    organisation=wave.owner,
                    details={"results_computed": language},
                )


def read_results(*, actor: Any, wave: Wave, language: str, channel: str) -> Any:
    """The results of a closed wave as ``actor`` may see them, audited with the channel
    (html, csv, json, pdf, api). Raises ``publishing.ResultsNotPublished`` for a wave
    that is not closed."""
    from samverkan.surveys.models import WaveResults
    from samverkan.surveys.publishing import for_viewer, require_closed, results_from_dict

    require_closed(wave)
    language = "en" if language.startswith("en") else "sv"
    stored = WaveResults.objects.filter(wave=wave, language=language).first()
    if stored is None:
        compute_results(actor=actor, wave=wave)
        stored = WaveResults.objects.get(wave=wave, language=language)
    with transaction.atomic():
        audit.record(
            actor=actor,
            action=(AuditAction.VIEW_RESULTS if channel in ("html", "api") else AuditAction.EXPORT),
            obj=wave,
            details={"results": channel},
        )
    return for_viewer(wave=wave, results=results_from_dict(stored.data), user=actor)


def read_free_text(*, actor: Any, wave: Wave, purpose: str) -> list[tuple[str, list[str]]]:
    """The free-text answers of a closed wave, item by item, for the coordinators of the
    organisation that ran it, audited with the stated purpose.

    Each item's texts are sorted alphabetically and shown apart from every other answer,
    so a text is never seen beside the answers of the person who wrote it."""
    from samverkan.surveys.publishing import require_closed
    from samverkan.surveys.selectors import answers as wave_answers

    if wave.owner_id not in get_scope(actor).orgs_with_role(Role.COORDINATOR):
        raise PermissionDenied(
            _("Only the coordinators of the organisation running the survey may read free text.")
        )
    require_closed(wave)
    purpose = purpose.strip()
    if len(purpose) < 5:
        raise ValidationError({"purpose": _("State the purpose.")})
    questionnaire = load_questionnaire(wave.questionnaire.document)
    items = [item for item in questionnaire.items if item.type == qn.ItemType.TEXT]
    rows = wave_answers(wave=wave)
    language = "sv"
    texts: list[tuple[str, list[str]]] = []
    for item in items:
        found = sorted(
            str(a[item.id]).strip()
            for a in rows
            if isinstance(a.get(item.id), str) and str(a[item.id]).strip()
        )
        label = item.text.get(language) or next(iter(item.text.values()), item.id)
        texts.append((label, found))
    with transaction.atomic():
        audit.record(
            actor=actor,
            action=AuditAction.VIEW,
            obj=wave,
            details={"free_text": sum(len(t) for _, t in texts)},
            purpose=purpose,
        )
    return texts

"""Every write of the survey module: keyword-only, one transaction, audited inside.

Submitting answers is the exception to "audit everything": a respondent's submission
writes no audit entry, since its time would tie the answers to the invitee. Answers reach
the ``Response`` table through the encrypted buffer of ``surveys/buffer.py``.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
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
from samverkan.organisations import collaboration_guard
from samverkan.organisations.models import Organisation
from samverkan.organisations.roles import Action, Role
from samverkan.surveys import buffer, periods
from samverkan.surveys import questionnaire as qn
from samverkan.surveys.answer_messages import answer_messages
from samverkan.surveys.models import (
    MIN_CELL_SIZE,
    Invitee,
    InviteeToken,
    QuestionnaireVersion,
    SurveyTexts,
    UsedToken,
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
from samverkan.surveys.tokens import (
    answer_code,
    code_hash,
    new_token,
    normalise_code,
    token_hash,
    token_hashes,
)


class LinkUnavailable(Exception):
    """A respondent link that does not lead to the form; ``reason`` names the page."""

    reason = "invalid"
    status = 404


class TokenInvalid(LinkUnavailable):
    """No link like this was ever sent."""


class TokenUsed(LinkUnavailable):
    """The link (or another link to the same invitee) has been used."""

    reason = "used"
    status = 410


class SurveyClosed(LinkUnavailable):
    """The wave does not take answers: not opened, closed, or past its last day."""

    reason = "expired"
    status = 410


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
    collaboration_guard.require_joint_work(owner, partner_list, field="partners")
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
    collaboration_guard.require_joint_work(wave.owner, wave.shared_with.all())
    wave.status = WaveStatus.OPEN
    wave.opened_on = timezone.localdate()
    wave.save(update_fields=["status", "opened_on", "updated_at"])
    QuestionnaireVersion.objects.filter(pk=wave.questionnaire_id).update(locked=True)
    audit.record(actor=actor, action=AuditAction.UPDATE, obj=wave, details={"status": "open"})
    return wave


def _lock_wave(wave: Wave | Any) -> Wave:
    pk = wave.pk if isinstance(wave, Wave) else wave
    return (
        Wave.objects.select_for_update(of=("self",))
        .select_related("questionnaire", "owner")
        .get(pk=pk)
    )


@transaction.atomic
def close_wave(*, actor: Any, wave: Wave) -> Wave:
    _require_owner_change(actor, wave)
    locked = _lock_wave(wave)
    if locked.status != WaveStatus.OPEN:
        raise ValidationError({"__all__": _("Only an open survey can be closed.")})
    locked.status = wave.status = WaveStatus.CLOSED
    locked.closed_on = wave.closed_on = timezone.localdate()
    locked.save(update_fields=["status", "closed_on", "updated_at"])
    # Links that were never used stop working: only their hashes stay, with the wave, so
    # that they show "expired"; nothing maps a token to an address any more.
    remaining = list(
        InviteeToken.objects.filter(wave=locked).values_list("token_hash", "code_hash")
    )
    UsedToken.objects.bulk_create(
        [UsedToken(hash=h, wave=locked) for pair in remaining for h in pair],
        batch_size=1000,
        ignore_conflicts=True,
    )
    buffer.secure_delete()
    InviteeToken.objects.filter(wave=locked).delete()
    # Write the buffer's rest and rewrite every response in random order with fresh ids,
    # and rewrite every invitee row, all in this one transaction: no order, id or
    # transaction id follows the submissions any more (buffer.py removes old versions).
    buffer.rewrite(wave=locked)
    Invitee.objects.filter(wave=locked).update(reminders=F("reminders"))
    from samverkan.surveys.drafts import discard_wave_drafts

    discard_wave_drafts(wave=locked)  # saved answers never outlive the wave
    audit.record(actor=actor, action=AuditAction.UPDATE, obj=locked, details={"status": "closed"})
    from samverkan.jobs.services import start_job

    # The results are computed once, in the background, after the close has committed.
    start_job(actor=actor, kind="survey_results", params={"wave": str(locked.pk)})
    return locked


@transaction.atomic
def set_wave_deadline(*, actor: Any, wave: Wave, deadline: date | None) -> Wave:
    """The last day to answer: links stop working after it. It may move while the wave is
    open (to give more time), not after it has closed."""
    _require_owner_change(actor, wave)
    locked = _lock_wave(wave)
    if locked.status == WaveStatus.CLOSED:
        raise ValidationError({"deadline": _("The survey is closed.")})
    if deadline is not None and deadline < timezone.localdate():
        raise ValidationError({"deadline": _("The last day to answer cannot be in the past.")})
    before = locked.deadline
    locked.deadline = wave.deadline = deadline
    locked.save(update_fields=["deadline", "updated_at"])
    audit.record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=locked,
        details={
            "deadline": [str(before) if before else None, str(deadline) if deadline else None]
        },
    )
    return locked


@transaction.atomic
def update_survey_texts(
    *, actor: Any, organisation: Organisation, contact: str, support: str, data_protection: str
) -> SurveyTexts:
    """The organisation's texts for its invitees (contact, support, data protection)."""
    _require_coordinator(actor, organisation)
    texts, _created = SurveyTexts.objects.select_for_update().get_or_create(
        organisation=organisation
    )
    new = {
        "contact": contact.strip(),
        "support": support.strip(),
        "data_protection": data_protection.strip(),
    }
    changed = sorted(k for k, v in new.items() if getattr(texts, k) != v)
    for key, value in new.items():
        setattr(texts, key, value)
    texts.full_clean()
    texts.save()
    audit.record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=texts,
        organisation=organisation,
        details={"survey_texts": changed},
    )
    return texts


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


@dataclass(frozen=True)
class Link:
    """A new link of an invitee: the token for the URL and its answer code for paper."""

    token: str
    code: str


def issue_link(*, invitee: Invitee) -> Link:
    """Add a working link to an invitee (earlier links keep working). Runs inside the
    caller's transaction; sending is audited by ``send_invitations``."""
    token, _hashed = new_token()
    link_hash, answer_hash = token_hashes(token)
    InviteeToken.objects.create(
        wave_id=invitee.wave_id, invitee=invitee, token_hash=link_hash, code_hash=answer_hash
    )
    return Link(token=token, code=answer_code(token))


def texts_for(organisation_id: int) -> SurveyTexts | None:
    return SurveyTexts.objects.filter(organisation_id=organisation_id).first()


def invitation_body(
    *,
    wave: Wave,
    organisations: Sequence[str],
    link: str,
    code: str,
    texts: SurveyTexts | None,
    reminder: bool,
) -> str:
    """The invitation (or reminder) text: who sends it, until when, how anonymity is
    protected, whom to contact and the data-protection information."""
    parts = []
    if reminder:
        parts.append(
            _(
                "This is a reminder. If you have already answered, thank you: no more "
                "messages will come. Every link we have sent you works until you answer; "
                "if you have started in an earlier message's link, continue there."
            )
        )
    parts.append(
        _(
            "You are invited to answer the survey “%(name)s” about undue influence during "
            "%(period)s. The survey is sent by %(organisations)s."
        )
        % {
            "name": wave.name,
            "period": wave.reference_period,
            "organisations": ", ".join(organisations),
        }
    )
    if wave.deadline:
        parts.append(
            _("Please answer by %(deadline)s. The link stops working after that day.")
            % {"deadline": wave.deadline.isoformat()}
        )
    parts.append(link)
    parts.append(
        _(
            "If you would rather answer on paper, ask the contact below for a form and "
            "write this answer code on it: %(code)s"
        )
        % {"code": code}
    )
    parts.append(
        _(
            "How your anonymity is protected: your answers are stored without your name, "
            "e-mail address, link, answer code or the time you answered. When you answer, "
            "every link sent to you is deleted, and the answers are stored with others' in "
            "random order. Results are shown only for groups of at least %(k)s respondents, "
            "and only after the survey has closed."
        )
        % {"k": wave.min_cell_size}
    )
    if texts is not None and texts.contact:
        parts.append(_("Contact: %(text)s") % {"text": texts.contact})
    if texts is not None and texts.data_protection:
        parts.append(_("Data protection: %(text)s") % {"text": texts.data_protection})
    return "\n\n".join(parts) + "\n"


def _send(
    *,
    wave: Wave,
    invitees: Sequence[Invitee],
    reminder: bool,
    base_url: str,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Give each invitee a new link and e-mail it; earlier links keep working."""
    connection = get_connection()
    subject = (_("Reminder: %(name)s") if reminder else _("Survey: %(name)s")) % {"name": wave.name}
    organisations = [o.name for o in participants(wave)]
    texts = {
        t.organisation_id: t
        for t in SurveyTexts.objects.filter(organisation__in=participants(wave))
    }
    sent = 0
    total = len(invitees)
    for index, invitee in enumerate(invitees, start=1):
        with transaction.atomic():
            # The update locks the invitee row: an invitee who answered meanwhile gets no
            # new link (and an answer waits until the link exists, then deletes it).
            updated = Invitee.objects.filter(pk=invitee.pk, responded=False).update(
                invited=True,
                reminders=invitee.reminders + (1 if reminder else 0),
            )
            if not updated:
                continue
            issued = issue_link(invitee=invitee)
            link = base_url.rstrip("/") + reverse("respondent:respond", args=[issued.token])
            body = invitation_body(
                wave=wave,
                organisations=organisations,
                link=link,
                code=issued.code,
                texts=texts.get(invitee.organisation_id),
                reminder=reminder,
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


@dataclass(frozen=True)
class Letter:
    """A printable invitation: the addressee, and the text with a new link and its code."""

    email: str
    body: str


def issue_letters(*, actor: Any, wave: Wave, base_url: str) -> list[Letter]:
    """Printable invitations for the actor's own organisations' invitees who have not
    answered: each gets a new link and answer code (earlier links keep working)."""
    if wave.status != WaveStatus.OPEN:
        raise ValidationError({"__all__": _("Invitations go out only while the survey is open.")})
    orgs = get_scope(actor).orgs_with_role(Role.COORDINATOR)
    if not orgs & {o.pk for o in participants(wave)}:
        raise PermissionDenied(_("Only the participating organisations' coordinators may do this."))
    organisations = [o.name for o in participants(wave)]
    texts = {t.organisation_id: t for t in SurveyTexts.objects.filter(organisation_id__in=orgs)}
    letters = []
    with transaction.atomic():
        invitees = list(
            Invitee.objects.select_for_update()
            .filter(wave=wave, organisation_id__in=orgs, responded=False)
            .order_by("email")
        )
        for invitee in invitees:
            issued = issue_link(invitee=invitee)
            link = base_url.rstrip("/") + reverse("respondent:respond", args=[issued.token])
            body = invitation_body(
                wave=wave,
                organisations=organisations,
                link=link,
                code=issued.code,
                texts=texts.get(invitee.organisation_id),
                reminder=invitee.invited,
            )
            letters.append(Letter(email=invitee.email, body=body))
        Invitee.objects.filter(pk__in=[i.pk for i in invitees]).update(invited=True)
        audit.record(
            actor=actor, action=AuditAction.UPDATE, obj=wave, details={"letters": len(letters)}
        )
    return letters


# --- Answers -----------------------------------------------------------------------


def _check_answering(wave: Wave) -> None:
    if wave.status != WaveStatus.OPEN:
        raise SurveyClosed
    if wave.deadline is not None and timezone.localdate() > wave.deadline:
        raise SurveyClosed


def _unavailable(hashed: str) -> LinkUnavailable:
    """Why a hash that is no working link does not work: expired, used or unknown."""
    used = UsedToken.objects.select_related("wave").filter(hash=hashed).first()
    if used is None:
        return TokenInvalid()
    try:
        _check_answering(used.wave)
    except SurveyClosed as closed:
        return closed
    return TokenUsed()


def wave_for_token(token: str) -> Wave:
    """The wave a working link leads to; else raises TokenInvalid, TokenUsed or
    SurveyClosed (closed or past its last day)."""
    hashed = token_hash(token)
    row = (
        InviteeToken.objects.select_related("wave", "wave__questionnaire")
        .filter(token_hash=hashed)
        .first()
    )
    if row is None:
        raise _unavailable(hashed)
    _check_answering(row.wave)
    return row.wave


@dataclass(frozen=True)
class Submitted:
    """What the thank-you page may know: the random id of the respondent's
    organisation's texts (no token, no invitee)."""

    texts: uuid.UUID | None


def _consume(*, wave: Wave, invitee_id: Any, answers: dict[str, Any], source: str) -> None:
    """Mark the invitee answered, retire all its links and buffer the answers."""
    updated = Invitee.objects.filter(pk=invitee_id, responded=False).update(responded=True)
    if updated != 1:
        raise TokenUsed
    spent = list(
        InviteeToken.objects.filter(invitee_id=invitee_id).values_list("token_hash", "code_hash")
    )
    UsedToken.objects.bulk_create(
        [UsedToken(hash=h, wave=wave) for pair in spent for h in pair], ignore_conflicts=True
    )
    buffer.secure_delete()
    InviteeToken.objects.filter(invitee_id=invitee_id).delete()
    buffer.add(wave=wave, answers=answers, source=source)


def submit_response(*, token: str, raw_answers: dict[str, Any]) -> Submitted:
    """Consume the link and buffer the answers in one transaction.

    The buffered response keeps no reference to the token or invitee, no time and no IP
    address; every link of the invitee is deleted (only its hash stays, with the wave, to
    say "already used"), so a second submission with any of them stores nothing."""
    hashed = token_hash(token)
    with transaction.atomic():
        wave_id = InviteeToken.objects.filter(token_hash=hashed).values_list("wave_id", flat=True)
        first = wave_id.first()
        if first is None:
            raise _unavailable(hashed)
        # The wave row first (as close_wave does), then the link: submissions of one wave
        # take turns, so a batch is written exactly once.
        wave = _lock_wave(first)
        row = InviteeToken.objects.select_for_update().filter(token_hash=hashed).first()
        if row is None:
            raise _unavailable(hashed)
        _check_answering(wave)
        questionnaire = load_questionnaire(wave.questionnaire.document)
        try:
            answers = qn.validate_answers(
                questionnaire,
                raw_answers,
                municipalities=[municipality_value(o) for o in participants(wave)],
            )
        except qn.AnswerError as error:
            # In the active language: the respondent view makes it the form's.
            raise ValidationError(answer_messages(error.problems)) from error
        organisation_id = Invitee.objects.filter(pk=row.invitee_id).values_list(
            "organisation_id", flat=True
        )[0]
        _consume(wave=wave, invitee_id=row.invitee_id, answers=answers, source="web")
        from samverkan.surveys.drafts import discard_draft

        # A draft saved on this link goes with the submission. Drafts on the invitee's other
        # links cannot be found without those links (only their hashes are known here, and
        # a way to find them would tie drafts to invitees; see drafts.py); they stay sealed,
        # unreachable through their used links, until the close deletes them.
        discard_draft(token=token)
        texts = texts_for(organisation_id)
    return Submitted(texts=texts.uid if texts is not None else None)


RESPONSE_ALIASES = {
    "svarskod": "code",
    "kod": "code",
    "answer code": "code",
    "answer_code": "code",
}
CODE_COLUMN = "code"


@transaction.atomic
def import_responses(*, actor: Any | None, wave: Wave, rows: Sequence[Row]) -> int:
    """Answers given on paper, each row with the respondent's answer code, validated
    against the wave's questionnaire; only while the wave is open. Each code is consumed
    as a web submission consumes its link: the invitee is marked answered, their links
    stop working and the answers go through the buffer. All rows or none; unknown, used
    or repeated codes are row errors. ``actor`` None is the operator on the command line;
    a coordinator imports the forms of their own organisations' invitees."""
    if actor is not None and not (
        get_scope(actor).orgs_with_role(Role.COORDINATOR) & {o.pk for o in participants(wave)}
    ):
        raise PermissionDenied(_("Only the participating organisations' coordinators may do this."))
    locked = _lock_wave(wave)
    if locked.status != WaveStatus.OPEN:
        raise ValidationError(
            {"__all__": _("Paper answers can be imported only while the survey is open.")}
        )
    questionnaire = load_questionnaire(locked.questionnaire.document)
    municipalities = [municipality_value(o) for o in participants(locked)]
    own = get_scope(actor).orgs_with_role(Role.COORDINATOR) if actor is not None else None
    problems: list[Problem] = []
    hashes = {
        row.number: code_hash(row.values.get(CODE_COLUMN, ""))
        for row in rows
        if normalise_code(row.values.get(CODE_COLUMN, ""))
    }
    links = {
        t.code_hash: t
        for t in InviteeToken.objects.filter(
            wave=locked, code_hash__in=hashes.values()
        ).select_related("invitee")
    }
    used = set(
        UsedToken.objects.filter(wave=locked, hash__in=hashes.values()).values_list(
            "hash", flat=True
        )
    )
    valid: list[tuple[Any, dict[str, Any]]] = []
    seen: set[Any] = set()
    for row in rows:
        hashed = hashes.get(row.number)
        link = links.get(hashed) if hashed else None
        if hashed is None:
            problems.append(
                Problem(row.number, "svarskod", _("missing or not a valid answer code."))
            )
        elif hashed in used:
            problems.append(Problem(row.number, "svarskod", _("the answer code has been used.")))
        elif link is None:
            problems.append(
                Problem(row.number, "svarskod", _("no invitee of this survey has this code."))
            )
        elif own is not None and link.invitee.organisation_id not in own:
            problems.append(
                Problem(
                    row.number,
                    "svarskod",
                    _("the code belongs to another organisation's invitee."),
                )
            )
        elif link.invitee_id in seen:
            problems.append(
                Problem(row.number, "svarskod", _("another row has a code of the same invitee."))
            )
        values = {k: v for k, v in row.values.items() if k != CODE_COLUMN}
        try:
            answers = qn.validate_answers(questionnaire, values, municipalities=municipalities)
        except qn.AnswerError as error:
            problems.extend(
                Problem(row.number, field, message)
                for field, message in answer_messages(error.problems).items()
            )
            continue
        if link is not None:
            seen.add(link.invitee_id)
            valid.append((link.invitee_id, answers))
    if not rows:
        problems.append(Problem(None, None, _("The file has no responses.")))
    if problems:
        raise TableError(problems)
    for invitee_id, answers in valid:
        _consume(wave=locked, invitee_id=invitee_id, answers=answers, source="paper")
    audit.record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=locked,
        details={"paper_responses_imported": len(valid)},
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
    from samverkan.surveys.reporting import wave_results_in

    require_closed(wave)
    stored = set(WaveResults.objects.filter(wave=wave).values_list("language", flat=True))
    if stored >= set(RESULT_LANGUAGES):
        return
    # Every language from one run of the attacker check, stored together: results in two
    # languages from two runs could differ and together publish what neither run checked.
    results = wave_results_in(wave=wave, languages=RESULT_LANGUAGES)
    with transaction.atomic():
        Wave.objects.select_for_update().filter(pk=wave.pk).first()
        if set(WaveResults.objects.filter(wave=wave).values_list("language", flat=True)) >= set(
            RESULT_LANGUAGES
        ):
            return  # computed meanwhile by another worker
        WaveResults.objects.filter(wave=wave).delete()
        WaveResults.objects.bulk_create(
            [
                WaveResults(wave=wave, language=language, data=results[language].as_dict())
                for language in RESULT_LANGUAGES
            ]
        )
        audit.record(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=wave,
            organisation=wave.owner,
            details={"results_computed": ",".join(RESULT_LANGUAGES)},
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


def read_free_text(
    *, actor: Any, wave: Wave, purpose: str, language: str = "sv"
) -> list[tuple[str, list[str]]]:
    """The free-text answers of a closed wave, item by item, for the coordinators of the
    organisation that ran it, audited with the stated purpose. Each item is named by its
    question in ``language`` (Swedish where the questionnaire has no such text).

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
    texts: list[tuple[str, list[str]]] = []
    for item in items:
        found = sorted(
            str(a[item.id]).strip()
            for a in rows
            if isinstance(a.get(item.id), str) and str(a[item.id]).strip()
        )
        text = item.text
        label = text.get(language) or text.get("sv") or next(iter(text.values()), item.id)
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

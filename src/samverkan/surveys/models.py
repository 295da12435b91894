"""Surveys on undue influence: questionnaire versions, waves, invitees, links and responses.

Anonymity is structural: a Response has no reference to an invitee or a token, no
timestamp and a random id; an Invitee only records *that* it has answered. Submissions
wait, encrypted, in ``BufferedResponse`` until a batch is written in random order, and
closing a wave rewrites its responses in random order (see ``surveys/buffer.py`` and
docs/adr/0005-survey-anonymity.md).
"""

from __future__ import annotations

import uuid

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from samverkan.core.scoping import ScopedRecord
from samverkan.surveys import periods

MIN_CELL_SIZE = 5


class QuestionnaireVersion(models.Model):
    """One version of a questionnaire, stored as its YAML document, belonging to the
    organisation that imported it.

    Editable until a wave using it has been opened; then it is locked for good. Read by
    the members of its organisation, of the organisations in a collaboration with it and of
    those taking part in a wave using it (``selectors.questionnaire_list``). Pages name a
    version by its random ``uid``; the sequential primary key would count every
    organisation's versions.
    """

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    key = models.SlugField(_("key"), max_length=80)
    version = models.PositiveIntegerField(_("version"))
    title = models.CharField(_("title"), max_length=200)
    document = models.TextField(_("questionnaire (YAML)"))
    fingerprint = models.CharField(max_length=64)
    locked = models.BooleanField(_("locked"), default=False)
    created_by_organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["key", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["created_by_organisation", "key", "version"],
                name="questionnaire_owner_key_version",
            )
        ]
        verbose_name = _("questionnaire version")

    def __str__(self) -> str:
        return f"{self.title} v{self.version}"


class WaveStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class Wave(ScopedRecord):
    """A survey run at the same time in several municipalities with one locked
    questionnaire version. The participating organisations are the owner and the
    organisations it is shared with."""

    slug = models.SlugField(_("short name"), max_length=80, unique=True)
    name = models.CharField(_("name"), max_length=200)
    questionnaire = models.ForeignKey(
        QuestionnaireVersion, on_delete=models.PROTECT, related_name="waves"
    )
    period_start = models.DateField(_("reference period from"))
    period_end = models.DateField(_("reference period until"))
    status = models.CharField(
        _("status"), max_length=10, choices=WaveStatus.choices, default=WaveStatus.DRAFT
    )
    min_cell_size = models.PositiveIntegerField(
        _("smallest group shown"),
        default=MIN_CELL_SIZE,
        validators=[MinValueValidator(MIN_CELL_SIZE)],
    )
    weighting = models.BooleanField(_("weight for non-response"), default=True)
    previous_wave = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("earlier wave to compare with"),
    )
    opened_on = models.DateField(_("opened"), null=True, blank=True)
    closed_on = models.DateField(_("closed"), null=True, blank=True)
    deadline = models.DateField(
        _("last day to answer"),
        null=True,
        blank=True,
        help_text=_("Links stop working after this day."),
    )

    retention_date_field = "closed_on"

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("survey wave")
        verbose_name_plural = _("survey waves")

    def __str__(self) -> str:
        return self.name

    def period_text(self, language: str) -> str:
        """The reference period in ``language`` ("sv" or "en"):
        ``1 december 2025–30 november 2026``."""
        return periods.format_period(self.period_start, self.period_end, language)

    @property
    def period_texts(self) -> dict[str, str]:
        """The reference period in every questionnaire language, to fill ``{period}``."""
        return periods.period_texts(self.period_start, self.period_end)

    @property
    def reference_period(self) -> str:
        """The reference period in the active language (the name the period had when it
        was free text; pages, reports and e-mails read it)."""
        return self.period_text("en" if (get_language() or "sv").startswith("en") else "sv")

    @reference_period.setter
    def reference_period(self, text: str) -> None:
        """Set the period from old-style free text (``2025``, ``de senaste tolv
        månaderna``, two ISO dates); ``ValueError`` when it cannot be read."""
        parsed = periods.parse_period(text, today=timezone.localdate())
        if parsed is None:
            raise ValueError(f"not a reference period: {text!r}")
        self.period_start, self.period_end = parsed

    @property
    def period_days(self) -> int:
        return periods.period_days(self.period_start, self.period_end)

    @property
    def period_months(self) -> int:
        """The period's length in whole months (rounded): waves are comparable in a trend
        only when their periods are equally long."""
        return periods.period_months(self.period_start, self.period_end)

    def clean(self) -> None:
        super().clean()
        if self.period_start and self.period_end and self.period_end <= self.period_start:
            raise ValidationError(
                {"period_end": _("The end of the reference period must come after its start.")}
            )


class Invitee(models.Model):
    """Someone invited to a wave, managed by their own municipality's coordinators.

    The links sent by e-mail are ``InviteeToken`` rows, stored only as hashes.
    ``responded`` says that one of them (or the answer code on a paper form) has been
    used; nothing links the invitee to the answers."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    wave = models.ForeignKey(Wave, on_delete=models.CASCADE, related_name="invitees")
    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    email = models.EmailField(_("e-mail"))
    role = models.CharField(_("role"), max_length=40)
    gender = models.CharField(_("gender"), max_length=40)
    age_band = models.CharField(_("age band"), max_length=40, blank=True)
    invited = models.BooleanField(default=False)
    reminders = models.PositiveSmallIntegerField(default=0)
    responded = models.BooleanField(default=False)

    class Meta:
        ordering = ["email"]
        constraints = [
            models.UniqueConstraint(fields=["wave", "email"], name="invitee_unique_email")
        ]

    def __str__(self) -> str:
        return f"#{self.pk}"


class Response(models.Model):
    """One submitted questionnaire. Deliberately without invitee, token, time or any
    ordered identifier."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    wave = models.ForeignKey(Wave, on_delete=models.CASCADE, related_name="responses")
    answers = models.JSONField()
    source = models.CharField(max_length=10, default="web")

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return str(self.pk)


class WaveResults(models.Model):
    """The published results of a closed wave in one language, computed once after the
    wave has closed (``services.compute_results``), so that every channel and every
    later reading shows the same figures. Only aggregates that passed the small-group
    protection are stored here."""

    wave = models.ForeignKey(Wave, on_delete=models.CASCADE, related_name="results")
    language = models.CharField(max_length=8)
    data = models.JSONField()
    computed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["wave", "language"], name="wave_results_language")
        ]

    def __str__(self) -> str:
        return f"{self.wave_id} ({self.language})"


class ResponseDraft(models.Model):
    """Answers a respondent saved to finish later on the same link.

    Sealed with a key derived from the link's token, which the server never stores, and
    found by an HMAC of the token under another purpose, so neither the content nor the
    invitee behind a draft can be learnt without the link. No time is kept (it would tie the
    answers to the invitee); drafts are deleted on submission and when the wave closes.
    ``surveys/drafts.py`` writes and reads them."""

    lookup = models.CharField(max_length=64, primary_key=True)
    wave = models.ForeignKey(Wave, on_delete=models.CASCADE, related_name="+")
    sealed = models.BinaryField()

    def __str__(self) -> str:
        return "draft"


class InviteeToken(models.Model):
    """One working link of an invitee: the SHA-256 hash of the link's token and the keyed
    hash of its answer code (the short form of the same token printed for paper forms).

    A reminder adds a link and leaves the earlier ones working; the first one used (on the
    web or as a code on paper) deletes every link of the invitee, and closing the wave
    deletes the rest, so that after answering nothing maps a token to an address."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    wave = models.ForeignKey(Wave, on_delete=models.CASCADE, related_name="+")
    invitee = models.ForeignKey(Invitee, on_delete=models.CASCADE, related_name="tokens")
    token_hash = models.CharField(max_length=64, unique=True)
    code_hash = models.CharField(max_length=64, unique=True)

    def __str__(self) -> str:
        return str(self.pk)


class UsedToken(models.Model):
    """The hash of a link or answer code that no longer works, with its wave only (no
    invitee), so that the respondent is told "already used" or "expired" instead of
    "unknown". Keyed by the hash, so the table's order says nothing; rewritten in random
    order when the wave closes."""

    hash = models.CharField(max_length=64, primary_key=True)
    wave = models.ForeignKey(Wave, on_delete=models.CASCADE, related_name="+")

    def __str__(self) -> str:
        return self.hash[:8]


class BufferedResponse(models.Model):
    """A submitted response waiting to be written to ``Response`` with a batch: the answers
    encrypted (AES-GCM, key derived from SECRET_KEY), a random id, no time."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    wave = models.ForeignKey(Wave, on_delete=models.CASCADE, related_name="+")
    payload = models.BinaryField()

    def __str__(self) -> str:
        return str(self.pk)


class SurveyTexts(models.Model):
    """What an organisation tells its invitees: whom to contact about the survey, where to
    find support, and its data-protection information. Shown in invitations and on the
    thank-you page; edited by the organisation's coordinators. The thank-you page names
    the texts by the random ``uid``, never by anything about the respondent."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.OneToOneField(
        "organisations.Organisation", on_delete=models.CASCADE, related_name="+"
    )
    contact = models.TextField(
        _("contact for questions about the survey"), max_length=1000, blank=True
    )
    support = models.TextField(_("support for those affected"), max_length=2000, blank=True)
    data_protection = models.TextField(
        _("data-protection information"), max_length=4000, blank=True
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("survey texts")

    def __str__(self) -> str:
        return str(self.organisation_id)

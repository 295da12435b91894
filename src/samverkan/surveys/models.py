"""Surveys on undue influence: questionnaire versions, waves, invitees and responses.

Anonymity is structural: a Response has no reference to an invitee or a token, no
timestamp and a random id; an Invitee only records *that* it has answered.
"""

from __future__ import annotations

import uuid

from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from samverkan.core.scoping import ScopedRecord

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
    reference_period = models.CharField(_("reference period"), max_length=200)
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

    retention_date_field = "closed_on"

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("survey wave")
        verbose_name_plural = _("survey waves")

    def __str__(self) -> str:
        return self.name


class Invitee(models.Model):
    """Someone invited to a wave, managed by their own municipality's coordinators.

    The token sent by e-mail is stored only as a hash. ``responded`` says that the
    token has been used; nothing links the invitee to the answers."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    wave = models.ForeignKey(Wave, on_delete=models.CASCADE, related_name="invitees")
    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    email = models.EmailField(_("e-mail"))
    role = models.CharField(_("role"), max_length=40)
    gender = models.CharField(_("gender"), max_length=40)
    age_band = models.CharField(_("age band"), max_length=40, blank=True)
    token_hash = models.CharField(max_length=64, unique=True)
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

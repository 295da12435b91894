"""Datasets of encodings, matching runs, matches and their investigation.

No model here holds a name or an identity number: datasets hold keyed encodings made by
their owners (``samverkan match encode``), matches hold the owner's own opaque record
reference. Only the demo keeps synthetic clear-text rows (:class:`DemoRecord`) so that
re-identification can be shown on the server.
"""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from samverkan.core.scoping import ScopedRecord
from samverkan.matching.matchtypes import DatasetType
from samverkan.matching.workflow import MatchStatus, Outcome

DATASET_TYPE_CHOICES = [
    (DatasetType.TENANTS.value, _("Tenants")),
    (DatasetType.BENEFITS.value, _("Financial assistance")),
    (DatasetType.HOUSING_QUEUE.value, _("Housing queue")),
    (DatasetType.EMPLOYEES.value, _("Employees")),
    (DatasetType.DECEASED.value, _("Deceased persons")),
    (DatasetType.OTHER.value, _("Other")),
]

STATUS_CHOICES = [
    (MatchStatus.NEW.value, _("New")),
    (MatchStatus.INVESTIGATING.value, _("Under investigation")),
    (MatchStatus.WAITING.value, _("Waiting for information")),
    (MatchStatus.CLOSED.value, _("Closed")),
]

OUTCOME_CHOICES = [
    (Outcome.INCORRECT_PAYMENT.value, _("Incorrect payment")),
    (Outcome.SUSPECTED_CRIME.value, _("Suspected crime – reported to the police")),
    (Outcome.NO_ACTION.value, _("No action")),
    (Outcome.ALREADY_KNOWN.value, _("Already known")),
]


class MatchTypeCatalogueVersion(models.Model):
    """A version of the match type catalogue (YAML), edited by administrators. New runs use
    the newest version; each run keeps the text it used."""

    document = models.TextField(_("catalogue (YAML)"))
    note = models.CharField(_("what changed"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("match type catalogue version")
        verbose_name_plural = _("match type catalogue versions")

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.note}".strip()


class EncodedDataset(ScopedRecord):
    """An uploaded file of encodings of one declared type and period. Never shared: other
    organisations learn only that it took part in a run."""

    dataset_type = models.CharField(_("dataset type"), max_length=30, choices=DATASET_TYPE_CHOICES)
    period_start = models.DateField(_("period from"))
    period_end = models.DateField(_("period to"))
    municipality_code = models.CharField(_("municipality"), max_length=4)
    description = models.CharField(_("description"), max_length=200, blank=True)
    schema_fingerprint = models.CharField(_("schema fingerprint"), max_length=64)
    clk_bits = models.PositiveIntegerField(default=1024)
    record_count = models.PositiveIntegerField(_("records"))
    token_count = models.PositiveIntegerField(_("records with identity number"))
    invalid_rows = models.PositiveIntegerField(_("rows the encoder could not encode"), default=0)
    file_sha256 = models.CharField(max_length=64)
    encodings_expire_at = models.DateTimeField(_("encodings deleted after"))
    encodings_deleted_at = models.DateTimeField(_("encodings deleted"), null=True, blank=True)

    # The row is kept (matches refer to it); its encodings expire after
    # SAMVERKAN_MATCH_ENCODING_DAYS (services.delete_expired_encodings).
    retention_date_field = ""

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("encoded dataset")
        verbose_name_plural = _("encoded datasets")

    def __str__(self) -> str:
        return f"{self.get_dataset_type_display()} {self.period_start}–{self.period_end}"

    @property
    def has_encodings(self) -> bool:
        return self.encodings_deleted_at is None


class DatasetEncodings(models.Model):
    """The encodings themselves, apart from the dataset row so that lists never load them.
    ``payload`` is a compressed numpy archive (refs, clks, tokens, starts, ends)."""

    dataset = models.OneToOneField(
        EncodedDataset, on_delete=models.CASCADE, primary_key=True, related_name="encodings"
    )
    payload = models.BinaryField()

    def __str__(self) -> str:
        return str(self.dataset_id)


class DemoRecord(models.Model):
    """Demo only: the synthetic clear-text row behind a reference, so that the owner's
    re-identification can be shown on the server. Real owners keep this mapping locally."""

    dataset = models.ForeignKey(EncodedDataset, on_delete=models.CASCADE, related_name="+")
    ref = models.CharField(max_length=64)
    data = models.JSONField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["dataset", "ref"], name="demorecord_unique_ref")
        ]

    def __str__(self) -> str:
        return self.ref


class RunStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Finished")
    FAILED = "failed", _("Failed")


class MatchRun(models.Model):
    """One matching run over the datasets of a collaboration for a period."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    collaboration = models.ForeignKey(
        "organisations.Collaboration", on_delete=models.PROTECT, related_name="+"
    )
    organisation = models.ForeignKey(
        "organisations.Organisation",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("started by organisation"),
    )
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    period_start = models.DateField(_("period from"))
    period_end = models.DateField(_("period to"))
    match_types = models.JSONField(_("match types"), default=list)
    catalogue = models.TextField(_("catalogue used"))
    datasets = models.ManyToManyField(EncodedDataset, related_name="runs", blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=RunStatus.choices, default=RunStatus.QUEUED
    )
    job = models.ForeignKey(
        "jobs.Job", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    summary = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(_("started"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("matching run")
        verbose_name_plural = _("matching runs")

    def __str__(self) -> str:
        return f"{self.period_start}–{self.period_end}"


class Match(ScopedRecord):
    """One organisation's view of a matched pair: its own record, the match type, the
    counterpart organisation and a score band. The counterpart has its own Match row with
    the same ``pair`` and ``number``; neither sees the other's reference or data."""

    run = models.ForeignKey(MatchRun, on_delete=models.CASCADE, related_name="matches")
    pair = models.UUIDField(default=uuid.uuid4)
    number = models.CharField(_("match number"), max_length=20)
    match_type = models.CharField(_("match type"), max_length=50)
    # Labels as they were when the run was made, {"sv": …, "en": …}.
    match_type_label = models.JSONField(_("match type"), default=dict)
    priority = models.PositiveSmallIntegerField(_("priority"))
    dataset = models.ForeignKey(
        EncodedDataset, on_delete=models.PROTECT, related_name="+", verbose_name=_("dataset")
    )
    ref = models.CharField(_("record reference"), max_length=64)
    counterpart = models.ForeignKey(
        "organisations.Organisation",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("counterpart"),
    )
    own_counterpart_ref = models.CharField(
        _("your other record's reference"),
        max_length=64,
        blank=True,
        help_text=_("Only when both records of the pair are the organisation's own."),
    )
    counterpart_dataset_type = models.CharField(
        _("counterpart's dataset type"), max_length=30, choices=DATASET_TYPE_CHOICES
    )
    band = models.CharField(_("score band"), max_length=50)
    band_label = models.JSONField(_("score band"), default=dict)
    via_token = models.BooleanField(_("matched on identity number"), default=False)
    status = models.CharField(
        _("status"), max_length=12, choices=STATUS_CHOICES, default=MatchStatus.NEW.value
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("assignee"),
    )
    outcome = models.CharField(_("outcome"), max_length=30, choices=OUTCOME_CHOICES, blank=True)
    amount_recovered = models.DecimalField(
        _("recovery claimed (SEK)"),
        max_digits=12,
        decimal_places=0,
        default=Decimal(0),
        validators=[MinValueValidator(Decimal(0))],
    )
    amount_stopped = models.DecimalField(
        _("payments stopped (SEK)"),
        max_digits=12,
        decimal_places=0,
        default=Decimal(0),
        validators=[MinValueValidator(Decimal(0))],
    )
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)

    # Retention counts from closing; open matches are kept until closed.
    retention_date_field = "closed_at"

    class Meta:
        ordering = ["priority", "number"]
        constraints = [
            models.UniqueConstraint(fields=["pair", "owner"], name="match_unique_side"),
            # Numbers are random (services._new_numbers): one per pair, shared by its sides.
            models.UniqueConstraint(fields=["number", "owner"], name="match_unique_number"),
        ]
        indexes = [models.Index(fields=["owner", "status"])]
        verbose_name = _("match")
        verbose_name_plural = _("matches")

    def __str__(self) -> str:
        return self.number


class EventKind(models.TextChoices):
    STATUS = "status", _("Status changed")
    ASSIGN = "assign", _("Assigned")
    NOTE = "note", _("Note")
    EXCHANGE = "exchange", _("Information exchanged")
    OUTCOME = "outcome", _("Outcome recorded")
    REVEAL = "reveal", _("Record re-identified")


class MatchEvent(models.Model):
    """Append-only history of a match: status changes, notes, exchanges with the
    counterpart (always with a legal basis) and outcomes."""

    match = models.ForeignKey(Match, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    kind = models.CharField(max_length=10, choices=EventKind.choices)
    from_status = models.CharField(max_length=12, blank=True)
    to_status = models.CharField(max_length=12, blank=True)
    text = models.TextField(blank=True)
    legal_basis = models.CharField(max_length=50, blank=True)
    legal_basis_label = models.CharField(max_length=200, blank=True)
    direction = models.CharField(max_length=10, blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.kind}"

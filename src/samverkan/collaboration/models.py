"""The collaboration agreement: parties, their decisions, period, functions, work areas and
its append-only history. The agreement belongs to an ``organisations.Collaboration``."""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from samverkan.organisations.models import Collaboration, Organisation


class Agreement(models.Model):
    # Random, so that an address tells nothing about how many agreements exist.
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    collaboration = models.OneToOneField(
        Collaboration,
        on_delete=models.PROTECT,
        related_name="agreement",
        verbose_name=_("collaboration"),
    )
    title = models.CharField(_("title"), max_length=200)
    period_start = models.DateField(_("period start"), null=True, blank=True)
    period_end = models.DateField(_("period end"), null=True, blank=True)
    renewal_note = models.TextField(_("renewal"), blank=True, max_length=2000)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )

    class Meta:
        ordering = ["title"]
        verbose_name = _("collaboration agreement")
        verbose_name_plural = _("collaboration agreements")

    def __str__(self) -> str:
        return self.title


class Party(models.Model):
    agreement = models.ForeignKey(
        Agreement, on_delete=models.CASCADE, related_name="parties", verbose_name=_("agreement")
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", verbose_name=_("organisation")
    )
    required = models.BooleanField(
        _("decision required"),
        default=True,
        help_text=_("The agreement is in force only when every required party has decided."),
    )
    joined_on = models.DateField(_("party from"))
    left_on = models.DateField(_("left on"), null=True, blank=True)

    class Meta:
        ordering = ["joined_on", "organisation__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["agreement", "organisation"], name="agreement_party_unique"
            )
        ]
        verbose_name = _("party")
        verbose_name_plural = _("parties")

    def __str__(self) -> str:
        return self.organisation.name


def decision_upload_to(instance: Any, filename: str) -> str:
    # The stored name is random: the original name may say more than the document.
    suffix = filename.rsplit(".", 1)[-1].lower()[:8] if "." in filename else "bin"
    return f"collaboration/decisions/{uuid.uuid4().hex}.{suffix}"


class Decision(models.Model):
    """One party's decision on the agreement (for instance in its municipal board)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    agreement = models.ForeignKey(
        Agreement, on_delete=models.CASCADE, related_name="decisions", verbose_name=_("agreement")
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", verbose_name=_("organisation")
    )
    decided_on = models.DateField(_("decided on"))
    body = models.CharField(_("decision-making body"), max_length=200)
    paragraph = models.CharField(_("paragraph reference"), max_length=50, blank=True)
    conditions = models.TextField(_("conditions"), blank=True, max_length=2000)
    document = models.FileField(
        _("decision document"), upload_to=decision_upload_to, blank=True, max_length=200
    )
    document_name = models.CharField(_("document name"), max_length=200, blank=True)
    recorded_at = models.DateTimeField(_("recorded"), auto_now_add=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )

    class Meta:
        ordering = ["decided_on", "organisation__name"]
        verbose_name = _("decision")
        verbose_name_plural = _("decisions")

    def __str__(self) -> str:
        return f"{self.organisation} {self.decided_on} {self.paragraph}".strip()


class AssignedFunction(models.Model):
    """A function the agreement assigns work to (the municipal director, a security chief)
    and who holds it. A name and a work contact only: never an identity number."""

    agreement = models.ForeignKey(
        Agreement, on_delete=models.CASCADE, related_name="functions", verbose_name=_("agreement")
    )
    function = models.CharField(_("function"), max_length=200)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", verbose_name=_("organisation")
    )
    person_name = models.CharField(_("name"), max_length=200, blank=True)
    contact = models.CharField(_("work contact"), max_length=200, blank=True)

    class Meta:
        ordering = ["organisation__name", "function"]
        verbose_name = _("assigned function")
        verbose_name_plural = _("assigned functions")

    def __str__(self) -> str:
        return f"{self.function} ({self.organisation})"


class WorkArea(models.Model):
    agreement = models.ForeignKey(
        Agreement, on_delete=models.CASCADE, related_name="work_areas", verbose_name=_("agreement")
    )
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True, max_length=4000)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "name"]
        verbose_name = _("work area")
        verbose_name_plural = _("work areas")

    def __str__(self) -> str:
        return self.name


class EventKind(models.TextChoices):
    CREATED = "created", _("Agreement recorded")
    CHANGED = "changed", _("Agreement changed")
    DECISION = "decision", _("Decision recorded")
    JOINED = "joined", _("Party joined")
    LEFT = "left", _("Party left")
    REQUIREMENT = "requirement", _("Requirement changed")
    FUNCTION = "function", _("Function assigned")
    IN_FORCE = "in_force", _("Came into force")
    NOT_IN_FORCE = "not_in_force", _("No longer in force")


class AppendOnly(models.QuerySet["AgreementEvent"]):
    def update(self, **kwargs: Any) -> int:
        raise TypeError("The agreement's history is append-only.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise TypeError("The agreement's history is append-only.")


class AgreementEvent(models.Model):
    """One row of the agreement's history. Rows are only ever added."""

    agreement = models.ForeignKey(
        Agreement, on_delete=models.PROTECT, related_name="events", verbose_name=_("agreement")
    )
    at = models.DateTimeField(_("time"), auto_now_add=True)
    effective_on = models.DateField(_("effective on"), null=True, blank=True)
    kind = models.CharField(_("event"), max_length=20, choices=EventKind.choices)
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("organisation"),
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    details = models.JSONField(_("details"), default=dict, blank=True)

    objects = AppendOnly.as_manager()

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("agreement event")
        verbose_name_plural = _("agreement history")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.get_kind_display()}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise TypeError("The agreement's history is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise TypeError("The agreement's history is append-only.")


class ReceivedRecord(models.Model):
    """A record another party had shared with a party that left: kind, id and title only,
    kept for the leaving party's own follow-up. Shown only to the leaving organisation."""

    agreement = models.ForeignKey(
        Agreement, on_delete=models.CASCADE, related_name="+", verbose_name=_("agreement")
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", verbose_name=_("organisation")
    )
    withdrawn_on = models.DateField(_("withdrawn on"))
    record_type = models.CharField(_("kind of record"), max_length=100)
    record_id = models.CharField(_("record id"), max_length=64)
    owner = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", verbose_name=_("shared by")
    )
    confidentiality = models.CharField(_("confidentiality"), max_length=12)
    label = models.CharField(_("title"), max_length=200, blank=True)

    class Meta:
        ordering = ["withdrawn_on", "record_type", "label"]
        verbose_name = _("record received before leaving")
        verbose_name_plural = _("records received before leaving")

    def __str__(self) -> str:
        return f"{self.record_type} {self.record_id}"

    @property
    def kind_label(self) -> str:
        """The kind of record in the reader's language (the stored key if the kind is gone)."""
        from django.apps import apps

        try:
            model = apps.get_model(self.record_type)
        except (LookupError, ValueError):
            return self.record_type
        return str(model._meta.verbose_name)

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from samverkan.cases.workflow import CaseStatus
from samverkan.core.identity import PersonNumber
from samverkan.core.scoping import ScopedRecord

STATUS_CHOICES = [
    (CaseStatus.OPEN.value, _("Open")),
    (CaseStatus.ON_HOLD.value, _("On hold")),
    (CaseStatus.CLOSED.value, _("Closed")),
]


class Case(ScopedRecord):
    """A joint case (samverkansärende): the platform's general record for shared work."""

    reference = models.CharField(_("reference"), max_length=30, unique=True)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=STATUS_CHOICES, default=CaseStatus.OPEN.value
    )
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)

    retention_date_field = "closed_at"

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("case")
        verbose_name_plural = _("cases")

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"


class CaseStatusChange(models.Model):
    """Append-only status history of a case."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="status_history")
    from_status = models.CharField(max_length=12, choices=STATUS_CHOICES, blank=True)
    to_status = models.CharField(max_length=12, choices=STATUS_CHOICES)
    changed_at = models.DateTimeField(auto_now_add=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    comment = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["changed_at", "pk"]

    def __str__(self) -> str:
        return f"{self.from_status or '-'} → {self.to_status}"


class CasePerson(models.Model):
    """A person connected to a case. Person-level data: every view is audited."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="persons")
    name = models.CharField(_("name"), max_length=200)
    person_number = models.CharField(_("personal identity number"), max_length=12, blank=True)
    role = models.CharField(_("role in the case"), max_length=100, blank=True)

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("person")
        verbose_name_plural = _("persons")

    def __str__(self) -> str:
        return self.name

    def audit_repr(self) -> str:
        return f"{_('Person')} #{self.pk} ({self.case.reference})"

    @property
    def person_number_display(self) -> str:
        if not self.person_number:
            return ""
        return str(PersonNumber(self.person_number))

    @property
    def person_number_masked(self) -> str:
        if not self.person_number:
            return ""
        return PersonNumber(self.person_number).masked()

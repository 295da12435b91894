from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditAction(models.TextChoices):
    CREATE = "create", _("Created")
    UPDATE = "update", _("Changed")
    DELETE = "delete", _("Deleted")
    VIEW = "view", _("Viewed personal data")
    EXPORT = "export", _("Exported")
    SHARE = "share", _("Shared")
    UNSHARE = "unshare", _("Sharing withdrawn")
    LOGIN = "login", _("Signed in")
    LOGIN_FAILED = "login_failed", _("Failed sign-in")
    LOGOUT = "logout", _("Signed out")
    LOCKED_OUT = "locked_out", _("Locked out")
    TWO_FACTOR = "two_factor", _("Two-factor sign-in")
    RETENTION = "retention", _("Retention run")
    VERIFY = "verify", _("Audit log verified")
    JOB = "job", _("Background job")
    REVEAL = "reveal", _("Re-identified a record")
    VIEW_RESULTS = "view_results", _("Viewed survey results")


class AppendOnlyQuerySet(models.QuerySet["AuditEntry"]):
    def update(self, **kwargs: Any) -> int:
        raise PermissionError("The audit log is append-only.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise PermissionError("The audit log is append-only.")


class AuditEntry(models.Model):
    """One entry of the append-only, hash-chained audit log.

    No foreign keys: the log must stay intact when users, organisations or records
    are deleted, so it keeps ids and names as they were at the time.
    """

    seq = models.BigIntegerField(_("number"), unique=True)
    timestamp = models.DateTimeField(_("time"), db_index=True)
    actor_id = models.BigIntegerField(_("user id"), null=True, blank=True, db_index=True)
    actor_username = models.CharField(_("user"), max_length=150, blank=True)
    organisation_id = models.BigIntegerField(_("organisation id"), null=True, blank=True)
    organisation_name = models.CharField(_("organisation"), max_length=200, blank=True)
    subject_organisation_id = models.BigIntegerField(
        _("owning organisation of the object"), null=True, blank=True, db_index=True
    )
    # The confidentiality level of the object (or of the record it is part of) when the
    # entry was written: auditors read in full only entries at the levels their role reads.
    subject_confidentiality = models.CharField(
        _("confidentiality of the object"), max_length=12, blank=True
    )
    action = models.CharField(_("action"), max_length=20, choices=AuditAction.choices)
    object_type = models.CharField(_("object type"), max_length=100, blank=True, db_index=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    object_repr = models.CharField(_("object"), max_length=200, blank=True)
    purpose = models.TextField(_("purpose"), blank=True)
    details = models.JSONField(_("details"), default=dict, blank=True)
    ip_address = models.CharField(_("IP address"), max_length=45, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    objects = AppendOnlyQuerySet.as_manager()

    # Set on entries read for an auditor who may not read the object (audit.selectors).
    redacted = False

    class Meta:
        ordering = ["-seq"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.object_type}:{self.object_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise PermissionError("The audit log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise PermissionError("The audit log is append-only.")

    def redact(self) -> None:
        """Blank what the entry says about its object, in memory only: the entry then
        tells that an action happened on an object of its type, not which or why."""
        self.redacted = True
        self.object_id = ""
        self.object_repr = ""
        self.purpose = ""
        self.details = {}

    @property
    def object_type_label(self) -> str:
        """The object type in words (the model's name), or as stored."""
        from django.apps import apps

        try:
            return str(apps.get_model(self.object_type)._meta.verbose_name)
        except (LookupError, ValueError):
            return self.object_type

    def chain_fields(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "timestamp": self.timestamp.isoformat(),
            "actor_id": self.actor_id,
            "actor_username": self.actor_username,
            "organisation_id": self.organisation_id,
            "organisation_name": self.organisation_name,
            "subject_organisation_id": self.subject_organisation_id,
            "subject_confidentiality": self.subject_confidentiality,
            "action": self.action,
            "object_type": self.object_type,
            "object_id": self.object_id,
            "object_repr": self.object_repr,
            "purpose": self.purpose,
            "details": self.details,
            "ip_address": self.ip_address,
        }


class AuditHead(models.Model):
    """The chain's head: a single row, locked while an entry is appended."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    seq = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("audit chain head")

    def __str__(self) -> str:
        return f"{self.seq}:{self.hash}"

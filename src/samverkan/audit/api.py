from __future__ import annotations

from django.db.models import QuerySet
from rest_framework import serializers, viewsets

from samverkan.audit import selectors
from samverkan.audit.models import AuditEntry


class AuditEntrySerializer(serializers.ModelSerializer[AuditEntry]):
    redacted = serializers.BooleanField(
        read_only=True,
        help_text=(
            "The entry is about a record above the levels the auditor role reads: object id,"
            " object, purpose and details are left out."
        ),
    )

    class Meta:
        model = AuditEntry
        # No sequence number: it counts every organisation's activity. The hash
        # identifies an entry.
        fields = [
            "hash",
            "timestamp",
            "actor_username",
            "organisation_name",
            "action",
            "object_type",
            "object_id",
            "object_repr",
            "purpose",
            "details",
            "redacted",
        ]
        read_only_fields = fields


class AuditEntryViewSet(viewsets.ReadOnlyModelViewSet[AuditEntry]):
    """The audit log, read-only, for auditors (granskare) of the caller's organisations.
    Entries about records above the auditor role's levels come redacted."""

    queryset = AuditEntry.objects.none()
    serializer_class = AuditEntrySerializer
    lookup_field = "hash"

    def get_queryset(self) -> QuerySet[AuditEntry]:
        params = self.request.query_params
        return selectors.audit_entries(
            user=self.request.user,
            query=params.get("q", ""),
            action=params.get("action", ""),
        )

from __future__ import annotations

from django.db.models import QuerySet
from rest_framework import serializers, viewsets

from samverkan.audit import selectors
from samverkan.audit.models import AuditEntry


class AuditEntrySerializer(serializers.ModelSerializer[AuditEntry]):
    class Meta:
        model = AuditEntry
        fields = [
            "seq",
            "timestamp",
            "actor_username",
            "organisation_name",
            "action",
            "object_type",
            "object_id",
            "object_repr",
            "purpose",
            "details",
            "hash",
        ]
        read_only_fields = fields


class AuditEntryViewSet(viewsets.ReadOnlyModelViewSet[AuditEntry]):
    """The audit log, read-only, for auditors (granskare) of the caller's organisations."""

    queryset = AuditEntry.objects.none()
    serializer_class = AuditEntrySerializer
    lookup_field = "seq"

    def get_queryset(self) -> QuerySet[AuditEntry]:
        params = self.request.query_params
        return selectors.audit_entries(
            user=self.request.user,
            query=params.get("q", ""),
            action=params.get("action", ""),
        )

from __future__ import annotations

from django.db.models import QuerySet
from rest_framework import serializers, viewsets

from samverkan.jobs import selectors
from samverkan.jobs.models import Job


class JobSerializer(serializers.ModelSerializer[Job]):
    percent = serializers.IntegerField(read_only=True)

    class Meta:
        model = Job
        fields = [
            "id",
            "kind",
            "status",
            "progress_current",
            "progress_total",
            "percent",
            "message",
            "result",
            "created_at",
            "finished_at",
        ]


class JobViewSet(viewsets.ReadOnlyModelViewSet[Job]):
    """The caller's own background jobs and their progress."""

    queryset = Job.objects.none()
    serializer_class = JobSerializer

    def get_queryset(self) -> QuerySet[Job]:
        return selectors.job_list(user=self.request.user)

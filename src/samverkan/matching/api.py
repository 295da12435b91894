"""The caller's organisation's matches through the API: read them (audited) and move them
along the workflow. Never the counterpart's side, never scores."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from samverkan.matching import selectors, services
from samverkan.matching.models import OUTCOME_CHOICES, STATUS_CHOICES, Match
from samverkan.organisations.roles import Action


class MatchSerializer(serializers.ModelSerializer[Match]):
    counterpart: Any = serializers.SlugRelatedField(slug_field="name", read_only=True)
    dataset_type: Any = serializers.CharField(source="dataset.dataset_type", read_only=True)
    assignee: Any = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )
    outcome: Any = serializers.ChoiceField(
        choices=OUTCOME_CHOICES, allow_blank=True, read_only=True
    )

    class Meta:
        model = Match
        fields = [
            "id",
            "number",
            "match_type",
            "match_type_label",
            "priority",
            "ref",
            "dataset",
            "dataset_type",
            "counterpart",
            "counterpart_dataset_type",
            "band",
            "band_label",
            "via_token",
            "status",
            "assignee",
            "outcome",
            "amount_recovered",
            "amount_stopped",
            "closed_at",
        ]
        read_only_fields = fields


class StatusChangeSerializer(serializers.Serializer[Any]):
    status = serializers.ChoiceField(choices=STATUS_CHOICES)
    outcome = serializers.ChoiceField(choices=OUTCOME_CHOICES, required=False, allow_blank=True)
    amount_recovered = serializers.DecimalField(
        max_digits=12, decimal_places=0, min_value=Decimal(0), required=False
    )
    amount_stopped = serializers.DecimalField(
        max_digits=12, decimal_places=0, min_value=Decimal(0), required=False
    )
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True)


class MatchViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet[Match]
):
    """The caller's organisation's matches (coordinators and case officers). A match is an
    inconsistency to check, never proof."""

    queryset = Match.objects.none()
    serializer_class = MatchSerializer

    def get_queryset(self) -> QuerySet[Match]:
        return selectors.match_list(user=self.request.user).select_related("dataset")

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        response = super().list(request, *args, **kwargs)
        results = response.data.get("results", []) if isinstance(response.data, dict) else []
        services.record_list_view(actor=request.user, count=len(results), what="api")
        return response

    def get_object(self) -> Match:
        match = selectors.match_get(user=self.request.user, pk=self.kwargs["pk"])
        services.record_match_view(actor=self.request.user, match=match)
        return match

    @extend_schema(request=StatusChangeSerializer, responses=MatchSerializer)
    @action(detail=True, methods=["post"])
    def status(self, request: Request, pk: Any = None) -> Response:
        """Change the status; closing requires the outcome and records the amounts."""
        match = selectors.match_get(user=request.user, pk=pk, action=Action.CHANGE)
        data = StatusChangeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        services.change_status(
            actor=request.user,
            match=match,
            status=values["status"],
            outcome=values.get("outcome", ""),
            amount_recovered=values.get("amount_recovered"),
            amount_stopped=values.get("amount_stopped"),
            note=values.get("note", ""),
        )
        return Response(MatchSerializer(match).data)

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import get_language
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from samverkan.organisations.roles import Action
from samverkan.surveys import selectors, services
from samverkan.surveys.models import MIN_CELL_SIZE, Wave


class WaveSerializer(serializers.ModelSerializer[Wave]):
    owner: Any = serializers.SlugRelatedField(slug_field="name", read_only=True)
    participants: Any = serializers.SlugRelatedField(
        source="shared_with", slug_field="name", many=True, read_only=True
    )
    questionnaire: Any = serializers.StringRelatedField()
    reference_period = serializers.CharField(
        read_only=True,
        help_text="The reference period in the request's language, e.g. "
        "“1 December 2025–30 November 2026”.",
    )
    period_months = serializers.IntegerField(
        read_only=True, help_text="The reference period's length in whole months (rounded)."
    )

    class Meta:
        model = Wave
        fields = [
            "id",
            "slug",
            "name",
            "status",
            "owner",
            "participants",
            "questionnaire",
            "period_start",
            "period_end",
            "reference_period",
            "period_months",
            "min_cell_size",
            "weighting",
            "opened_on",
            "closed_on",
        ]
        read_only_fields = fields


class WaveSettingsSerializer(serializers.Serializer[Any]):
    period_start = serializers.DateField(required=False)
    period_end = serializers.DateField(required=False)
    min_cell_size = serializers.IntegerField(min_value=MIN_CELL_SIZE, required=False)
    weighting = serializers.BooleanField(required=False)


class WaveViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet[Wave]):
    """Survey waves the caller's organisations run or take part in."""

    queryset = Wave.objects.none()
    serializer_class = WaveSerializer

    def get_queryset(self) -> QuerySet[Wave]:
        return selectors.wave_list(user=self.request.user).prefetch_related("shared_with")

    def get_object(self) -> Wave:
        return selectors.wave_get(user=self.request.user, pk=self.kwargs["pk"])

    @extend_schema(request=WaveSettingsSerializer, responses=WaveSerializer)
    def partial_update(self, request: Request, pk: Any = None) -> Response:
        """Change the settings of a draft wave; refused once the wave has been opened."""
        wave = selectors.wave_get(user=request.user, pk=pk, action=Action.CHANGE)
        data = WaveSettingsSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        services.update_wave_settings(
            actor=request.user,
            wave=wave,
            period_start=values.get("period_start", wave.period_start),
            period_end=values.get("period_end", wave.period_end),
            min_cell_size=values.get("min_cell_size", wave.min_cell_size),
            weighting=values.get("weighting", wave.weighting),
        )
        return Response(WaveSerializer(wave).data)

    @extend_schema(
        responses={
            200: OpenApiTypes.OBJECT,
            409: OpenApiResponse(
                response=OpenApiTypes.OBJECT,
                description="The wave is not closed: its results are not published yet.",
            ),
        }
    )
    @action(detail=True, methods=["get"])
    def results(self, request: Request, pk: Any = None) -> Response:
        """The results of a closed wave with small groups suppressed (the shape of
        `samverkan survey results --format json`). A wave that is not closed answers 409:
        results are published only after the close."""
        from samverkan.surveys.publishing import ResultsNotPublished

        wave = selectors.wave_get(user=request.user, pk=pk)
        try:
            result = services.read_results(
                actor=request.user, wave=wave, language=get_language() or "sv", channel="api"
            )
        except ResultsNotPublished as error:
            return Response({"detail": str(error)}, status=409)
        return Response(result.as_dict())

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from samverkan.collaboration import selectors, services
from samverkan.collaboration.models import Agreement, AssignedFunction, Decision, Party
from samverkan.organisations.models import Organisation


class PartySerializer(serializers.ModelSerializer[Party]):
    organisation: Any = serializers.SlugRelatedField(slug_field="name", read_only=True)

    class Meta:
        model = Party
        fields = ["organisation", "required", "joined_on", "left_on"]
        read_only_fields = fields


class DecisionSerializer(serializers.ModelSerializer[Decision]):
    organisation: Any = serializers.SlugRelatedField(slug_field="name", read_only=True)
    has_document = serializers.SerializerMethodField()

    class Meta:
        model = Decision
        fields = [
            "id",
            "organisation",
            "decided_on",
            "body",
            "paragraph",
            "conditions",
            "has_document",
        ]
        read_only_fields = fields

    def get_has_document(self, obj: Decision) -> bool:
        return bool(obj.document)


class FunctionSerializer(serializers.ModelSerializer[AssignedFunction]):
    organisation: Any = serializers.SlugRelatedField(slug_field="name", read_only=True)

    class Meta:
        model = AssignedFunction
        fields = ["function", "organisation", "person_name", "contact"]
        read_only_fields = fields


class AgreementSerializer(serializers.ModelSerializer[Agreement]):
    collaboration: Any = serializers.SlugRelatedField(slug_field="name", read_only=True)
    in_force = serializers.SerializerMethodField()
    missing_decisions = serializers.SerializerMethodField()
    status = serializers.SerializerMethodField()
    parties = PartySerializer(many=True, read_only=True)
    decisions = DecisionSerializer(many=True, read_only=True)
    functions = FunctionSerializer(many=True, read_only=True)
    work_areas: Any = serializers.SlugRelatedField(slug_field="name", many=True, read_only=True)

    class Meta:
        model = Agreement
        fields = [
            "id",
            "title",
            "collaboration",
            "in_force",
            "missing_decisions",
            "status",
            "period_start",
            "period_end",
            "renewal_note",
            "parties",
            "decisions",
            "functions",
            "work_areas",
        ]
        read_only_fields = fields

    def _status(self, obj: Agreement) -> selectors.AgreementStatus:
        cache = self.context.setdefault("_status", {})
        if obj.pk not in cache:
            cache[obj.pk] = selectors.agreement_status(obj)
        return cache[obj.pk]

    def get_in_force(self, obj: Agreement) -> bool:
        return self._status(obj).in_force

    def get_missing_decisions(self, obj: Agreement) -> list[str]:
        return list(self._status(obj).missing)

    def get_status(self, obj: Agreement) -> str:
        return self._status(obj).sentence


class DecisionWriteSerializer(serializers.Serializer[Any]):
    organisation = serializers.PrimaryKeyRelatedField(queryset=Organisation.objects.all())
    decided_on = serializers.DateField()
    body = serializers.CharField(max_length=200)
    paragraph = serializers.CharField(max_length=50, required=False, allow_blank=True)
    conditions = serializers.CharField(max_length=2000, required=False, allow_blank=True)


class AgreementViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet[Agreement],
):
    """Collaboration agreements of the caller's collaborations, with whether each is in
    force and exactly which parties' decisions are missing."""

    queryset = Agreement.objects.none()
    serializer_class = AgreementSerializer

    def get_queryset(self) -> QuerySet[Agreement]:
        return selectors.agreement_list(user=self.request.user).prefetch_related(
            "parties__organisation",
            "decisions__organisation",
            "functions__organisation",
            "work_areas",
        )

    def get_object(self) -> Agreement:
        return selectors.get_agreement(user=self.request.user, pk=self.kwargs["pk"])

    @extend_schema(request=DecisionWriteSerializer, responses={201: AgreementSerializer})
    @action(detail=True, methods=["post"])
    def decisions(self, request: Request, pk: Any = None) -> Response:
        agreement = selectors.get_agreement(user=request.user, pk=pk)
        data = DecisionWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        services.record_decision(
            actor=request.user,
            agreement=agreement,
            organisation=values["organisation"],
            decided_on=values["decided_on"],
            body=values["body"],
            paragraph=values.get("paragraph", ""),
            conditions=values.get("conditions", ""),
        )
        return Response(AgreementSerializer(agreement).data, status=status.HTTP_201_CREATED)

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from samverkan.cases import selectors, services
from samverkan.cases.forms import CONFIDENTIALITY_CHOICES
from samverkan.cases.models import STATUS_CHOICES, Case, CasePerson
from samverkan.cases.workflow import CaseStatus
from samverkan.organisations.models import Organisation
from samverkan.organisations.roles import Action, Confidentiality


class CaseSerializer(serializers.ModelSerializer[Case]):
    owner: Any = serializers.SlugRelatedField(slug_field="name", read_only=True)
    shared_with: Any = serializers.SlugRelatedField(slug_field="name", many=True, read_only=True)

    class Meta:
        model = Case
        fields = [
            "id",
            "reference",
            "title",
            "description",
            "status",
            "confidentiality",
            "owner",
            "shared_with",
            "created_at",
            "updated_at",
            "closed_at",
        ]
        read_only_fields = fields


class CaseWriteSerializer(serializers.Serializer[Any]):
    owner = serializers.PrimaryKeyRelatedField(
        queryset=Organisation.objects.all(),
        required=False,
        help_text=_("Id of the owning organisation (create only)."),
    )
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(max_length=10000, required=False, allow_blank=True)
    confidentiality = serializers.ChoiceField(
        choices=CONFIDENTIALITY_CHOICES, default=Confidentiality.INTERNAL.value
    )


class ShareSerializer(serializers.Serializer[Any]):
    shared_with = serializers.PrimaryKeyRelatedField(queryset=Organisation.objects.all(), many=True)


class StatusSerializer(serializers.Serializer[Any]):
    status = serializers.ChoiceField(choices=STATUS_CHOICES)
    comment = serializers.CharField(max_length=500, required=False, allow_blank=True)


class PersonSerializer(serializers.ModelSerializer[CasePerson]):
    person_number = serializers.CharField(source="person_number_display", read_only=True)

    class Meta:
        model = CasePerson
        fields = ["id", "name", "person_number", "role"]


class CaseViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet[Case],
):
    """Cases visible to the caller: their organisations' own and those shared with them."""

    queryset = Case.objects.none()
    serializer_class = CaseSerializer

    def get_queryset(self) -> QuerySet[Case]:
        return selectors.case_list(
            user=self.request.user,
            query=self.request.query_params.get("q", ""),
            status=self.request.query_params.get("status", ""),
        ).prefetch_related("shared_with")

    def get_object(self) -> Case:
        return selectors.case_get(user=self.request.user, pk=self.kwargs["pk"])

    @extend_schema(request=CaseWriteSerializer, responses={201: CaseSerializer})
    def create(self, request: Request) -> Response:
        data = CaseWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        owner = data.validated_data.get("owner")
        if owner is None:
            raise serializers.ValidationError({"owner": [_("This field is required.")]})
        case = services.create_case(
            actor=request.user,
            owner=owner,
            title=data.validated_data["title"],
            description=data.validated_data.get("description", ""),
            confidentiality=Confidentiality(data.validated_data["confidentiality"]),
        )
        return Response(CaseSerializer(case).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=CaseWriteSerializer, responses=CaseSerializer)
    def partial_update(self, request: Request, pk: Any = None) -> Response:
        case = selectors.case_get(user=request.user, pk=pk, action=Action.CHANGE)
        data = CaseWriteSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        services.update_case(
            actor=request.user,
            case=case,
            title=values.get("title", case.title),
            description=values.get("description", case.description),
            confidentiality=Confidentiality(values.get("confidentiality", case.confidentiality)),
        )
        return Response(CaseSerializer(case).data)

    @extend_schema(request=ShareSerializer, responses=CaseSerializer)
    @action(detail=True, methods=["post"])
    def share(self, request: Request, pk: Any = None) -> Response:
        case = selectors.case_get(user=request.user, pk=pk, action=Action.SHARE)
        data = ShareSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.set_case_sharing(
            actor=request.user, case=case, organisations=data.validated_data["shared_with"]
        )
        return Response(CaseSerializer(case).data)

    @extend_schema(request=StatusSerializer, responses=CaseSerializer)
    @action(detail=True, methods=["post"])
    def status(self, request: Request, pk: Any = None) -> Response:
        case = selectors.case_get(user=request.user, pk=pk, action=Action.CHANGE)
        data = StatusSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.set_case_status(
            actor=request.user,
            case=case,
            status=CaseStatus(data.validated_data["status"]),
            comment=data.validated_data.get("comment", ""),
        )
        return Response(CaseSerializer(case).data)

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "purpose",
                str,
                required=True,
                description=_("Purpose of the look-up, recorded in the audit log."),
            )
        ],
        responses=PersonSerializer(many=True),
    )
    @action(detail=True, methods=["get"], pagination_class=None)
    def persons(self, request: Request, pk: Any = None) -> Response:
        """Person-level data: requires a purpose and is audited."""
        case = selectors.case_get(user=request.user, pk=pk)
        services.record_person_view(
            actor=request.user,
            case=case,
            purpose=request.query_params.get("purpose", ""),
            channel="api",
        )
        persons = selectors.case_persons(case=case)
        return Response(PersonSerializer(persons, many=True).data)

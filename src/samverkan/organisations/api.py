from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import api_view
from rest_framework.request import Request
from rest_framework.response import Response

from samverkan.organisations import selectors
from samverkan.organisations.models import Organisation


class OrganisationSerializer(serializers.ModelSerializer[Organisation]):
    class Meta:
        model = Organisation
        fields = ["id", "name", "short_name", "type"]


class OrganisationViewSet(viewsets.ReadOnlyModelViewSet[Organisation]):
    """The directory of organisations (names and types; no operational data)."""

    queryset = Organisation.objects.none()
    serializer_class = OrganisationSerializer

    def get_queryset(self) -> QuerySet[Organisation]:
        return selectors.directory()


class MembershipSerializer(serializers.Serializer[Any]):
    organisation = OrganisationSerializer()
    role = serializers.CharField()


class MeSerializer(serializers.Serializer[Any]):
    username = serializers.CharField()
    name = serializers.CharField()
    memberships = MembershipSerializer(many=True)


@extend_schema(responses=MeSerializer)
@api_view(["GET"])
def me(request: Request) -> Response:
    user: Any = request.user
    memberships = selectors.user_memberships(user)
    return Response(
        MeSerializer(
            {
                "username": user.get_username(),
                "name": user.get_full_name(),
                "memberships": [
                    {"organisation": m.organisation, "role": m.role} for m in memberships
                ],
            }
        ).data
    )

"""The REST API's router: every app's viewsets under /api/v1/."""

from rest_framework.routers import DefaultRouter

from samverkan.audit.api import AuditEntryViewSet
from samverkan.cases.api import CaseViewSet
from samverkan.collaboration.api import AgreementViewSet
from samverkan.jobs.api import JobViewSet
from samverkan.matching.api import MatchViewSet
from samverkan.organisations.api import OrganisationViewSet
from samverkan.surveys.api import WaveViewSet

router = DefaultRouter()
router.register("organisations", OrganisationViewSet, basename="organisation")
router.register("cases", CaseViewSet, basename="case")
router.register("jobs", JobViewSet, basename="job")
router.register("audit", AuditEntryViewSet, basename="audit")
router.register("surveys/waves", WaveViewSet, basename="wave")
router.register("matching/matches", MatchViewSet, basename="match")
router.register("collaboration/agreements", AgreementViewSet, basename="agreement")

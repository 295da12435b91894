from __future__ import annotations

from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from samverkan.api_router import router
from samverkan.core import views as core_views
from samverkan.organisations.api import me
from samverkan.surveys.urls import respondent_urlpatterns

urlpatterns = [
    path("", include("samverkan.core.urls")),
    path("konto/", include("samverkan.accounts.urls")),
    path("arenden/", include("samverkan.cases.urls")),
    path("granskning/", include("samverkan.audit.urls")),
    path("jobb/", include("samverkan.jobs.urls")),
    path("enkater/", include("samverkan.surveys.urls")),
    path("ros/", include("samverkan.ros.urls")),
    path("matchning/", include("samverkan.matching.urls")),
    path("samverkan/", include("samverkan.collaboration.urls")),
    path("enkat/", include((respondent_urlpatterns, "respondent"))),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/me/", me, name="api-me"),
    path("api/v1/", include(router.urls)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
]

if settings.OIDC_ENABLED:
    urlpatterns.append(path("oidc/", include("mozilla_django_oidc.urls")))

handler403 = core_views.error_403
handler404 = core_views.error_404
handler500 = core_views.error_500

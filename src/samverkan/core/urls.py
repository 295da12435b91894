from django.urls import path

from samverkan.core import views

app_name = "core"
urlpatterns = [
    path("", views.home, name="home"),
    path("organisation/", views.switch_organisation, name="switch_organisation"),
    path("healthz", views.healthz, name="healthz"),
]

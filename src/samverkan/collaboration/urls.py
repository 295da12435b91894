from django.urls import path

from samverkan.collaboration import views

app_name = "collaboration"
urlpatterns = [
    path("", views.agreement_list, name="list"),
    path("ny/", views.agreement_create, name="create"),
    path("<uuid:pk>/", views.agreement_detail, name="detail"),
    path("<uuid:pk>/historik/", views.agreement_history, name="history"),
    path("<uuid:pk>/beslut/", views.decision_add, name="decision_add"),
    path("<uuid:pk>/ny-part/", views.party_join, name="join"),
    path("<uuid:pk>/uttrade/", views.party_leave, name="leave"),
    path("<uuid:pk>/krav/", views.party_requirement, name="requirement"),
    path("<uuid:pk>/funktion/", views.function_add, name="function_add"),
    path("beslut/<uuid:pk>/dokument/", views.decision_document, name="decision_document"),
]

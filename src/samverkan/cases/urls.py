from django.urls import path

from samverkan.cases import views

app_name = "cases"
urlpatterns = [
    path("", views.case_list, name="list"),
    path("export.csv", views.case_export, name="export"),
    path("nytt/", views.case_create, name="create"),
    path("<uuid:pk>/", views.case_detail, name="detail"),
    path("<uuid:pk>/andra/", views.case_edit, name="edit"),
    path("<uuid:pk>/dela/", views.case_share, name="share"),
    path("<uuid:pk>/status/", views.case_status, name="status"),
    path("<uuid:pk>/radera/", views.case_delete, name="delete"),
    path("<uuid:pk>/personer/", views.case_persons, name="persons"),
    path("<uuid:pk>/personer/ny/", views.person_add, name="person_add"),
]

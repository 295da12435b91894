from django.urls import path

from samverkan.matching import views

app_name = "matching"
urlpatterns = [
    path("", views.match_list, name="match_list"),
    path("export.csv", views.match_export, name="match_export"),
    path("traffar/<uuid:pk>/", views.match_detail, name="match_detail"),
    path("traffar/<uuid:pk>/status/", views.match_status, name="match_status"),
    path("traffar/<uuid:pk>/tilldela/", views.match_assign, name="match_assign"),
    path("traffar/<uuid:pk>/anteckning/", views.match_note, name="match_note"),
    path("traffar/<uuid:pk>/utbyte/", views.match_exchange, name="match_exchange"),
    path("traffar/<uuid:pk>/visa-post/", views.match_reveal, name="match_reveal"),
    path("datamangder/", views.dataset_list, name="dataset_list"),
    path("datamangder/ladda-upp/", views.dataset_upload, name="dataset_upload"),
    path(
        "datamangder/<uuid:pk>/radera-kodningar/",
        views.dataset_delete_encodings,
        name="dataset_delete_encodings",
    ),
    path("korningar/", views.run_list, name="run_list"),
    path("korningar/ny/", views.run_create, name="run_create"),
    path("korningar/<uuid:pk>/", views.run_detail, name="run_detail"),
    path("matchningstyper/", views.catalogue_view, name="catalogue"),
    path("statistik/", views.statistics_view, name="statistics"),
    path("utfall/", views.report_view, name="report"),
    path("utfall.<str:fmt>", views.report_view, name="report_export"),
]

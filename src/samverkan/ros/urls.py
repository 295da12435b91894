from django.urls import path

from samverkan.ros import views

app_name = "ros"
urlpatterns = [
    path("", views.premises_list, name="premises_list"),
    path("lokaler/<uuid:pk>/", views.premises_detail, name="premises_detail"),
    path("lokaler/<uuid:pk>/dela/", views.premises_share, name="premises_share"),
    path("lokaler/<uuid:pk>/signal/", views.signal_create, name="signal_create"),
    path("lokaler/<uuid:pk>/personer/", views.premises_persons, name="premises_persons"),
    path("signaler/<uuid:pk>/dela/", views.signal_share, name="signal_share"),
    path("import/", views.register_import, name="register_import"),
    path("export.<str:fmt>", views.premises_export, name="premises_export"),
    path("karta/", views.map_page, name="map"),
    path("karta/data.geojson", views.map_data, name="map_data"),
    path("risk/", views.risk_settings, name="risk_settings"),
]

from samverkan.ros import views_operations as ops  # noqa: E402

urlpatterns += [
    path("insatser/", ops.operation_list, name="operation_list"),
    path("insatser/ny/", ops.operation_create, name="operation_create"),
    path("insatser/<uuid:pk>/", ops.operation_detail, name="operation_detail"),
    path("insatser/<uuid:pk>/mal/", ops.operation_targets, name="operation_targets"),
    path("insatser/<uuid:pk>/uppdrag/", ops.operation_assignment, name="operation_assignment"),
    path("insatser/<uuid:pk>/status/", ops.operation_stage, name="operation_stage"),
    path(
        "insatser/<uuid:pk>/protokoll/<uuid:participation>/",
        ops.inspection_create,
        name="inspection_create",
    ),
    path("insatser/<uuid:pk>/underlag.pdf", ops.briefing_pdf, name="briefing_pdf"),
    path("protokoll/<uuid:pk>/atgard/", ops.follow_up_create, name="follow_up_create"),
    path("protokoll/<uuid:pk>/atgard/<uuid:task>/klar/", ops.follow_up_done, name="follow_up_done"),
    path("resultat/", ops.outcome_view, name="outcomes"),
    path("resultat.<str:fmt>", ops.outcome_view, name="outcomes_export"),
]

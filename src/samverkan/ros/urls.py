from django.urls import path

from samverkan.ros import views

app_name = "ros"
urlpatterns = [
    path("", views.premises_list, name="premises_list"),
    path("lokaler/<uuid:pk>/", views.premises_detail, name="premises_detail"),
    path("lokaler/<uuid:pk>/dela/", views.premises_share, name="premises_share"),
    path("lokaler/<uuid:pk>/signal/", views.signal_create, name="signal_create"),
    path("signaler/<uuid:pk>/dela/", views.signal_share, name="signal_share"),
    path("import/", views.register_import, name="register_import"),
    path("export.<str:fmt>", views.premises_export, name="premises_export"),
    path("karta/", views.map_page, name="map"),
    path("karta/data.geojson", views.map_data, name="map_data"),
    path("risk/", views.risk_settings, name="risk_settings"),
]

from django.urls import path

from samverkan.jobs import views

app_name = "jobs"
urlpatterns = [
    path("", views.job_list, name="list"),
    path("<uuid:pk>/", views.job_detail, name="detail"),
]

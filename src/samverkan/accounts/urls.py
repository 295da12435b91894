from django.urls import path

from samverkan.accounts import views

app_name = "accounts"
urlpatterns = [
    path("logga-in/", views.LoginView.as_view(), name="login"),
    path("logga-ut/", views.LogoutView.as_view(), name="logout"),
    path("tvafaktor/", views.two_factor, name="two_factor"),
    path("logga-ut-overallt/", views.sign_out_everywhere, name="sign_out_everywhere"),
    path("api-token/", views.api_token, name="api_token"),
    path("api-token/aterkalla/", views.revoke_api_token, name="revoke_api_token"),
]

from django.urls import path

from samverkan.surveys import coordinator_views, views

app_name = "surveys"
urlpatterns = [
    path("", views.wave_list, name="wave_list"),
    path("ny/", views.wave_create, name="wave_create"),
    path("<uuid:pk>/", views.wave_detail, name="wave_detail"),
    path("<uuid:pk>/installningar/", views.wave_settings, name="wave_settings"),
    path("<uuid:pk>/oppna/", views.wave_open, name="wave_open"),
    path("<uuid:pk>/stang/", views.wave_close, name="wave_close"),
    path("<uuid:pk>/inbjudna/", views.invitee_import, name="invitee_import"),
    path("<uuid:pk>/utskick/", views.send_invitations, name="send_invitations"),
    path("<uuid:pk>/texter/", coordinator_views.wave_texts, name="wave_texts"),
    path("<uuid:pk>/pappersenkater/", coordinator_views.paper_import, name="paper_import"),
    path("<uuid:pk>/brev/", coordinator_views.letters, name="letters"),
    path("<uuid:pk>/resultat/", views.results, name="results"),
    path("<uuid:pk>/resultat.<str:fmt>", views.results_export, name="results_export"),
    path("<uuid:pk>/rapport.pdf", views.report_pdf, name="report_pdf"),
    path("<uuid:pk>/fritext/", views.free_text, name="free_text"),
    path("formular/", views.questionnaire_list, name="questionnaire_list"),
    path("formular/importera/", views.questionnaire_import, name="questionnaire_import"),
    path("formular/<uuid:uid>/", views.questionnaire_detail, name="questionnaire_detail"),
    path("formular/<uuid:uid>/andra/", views.questionnaire_edit, name="questionnaire_edit"),
]

respondent_urlpatterns = [
    path("svar/<str:token>/", views.respond, name="respond"),
    path("tack/", views.thanks, name="thanks"),
]

from django.urls import path

from wugong.upkeep import views

app_name = "upkeep"
urlpatterns = [
    path("", views.home, name="home"),
    path("notices/", views.notices, name="notices"),
    path("visits/", views.visit_todo, name="visit_todo"),
    path("visits/household/<int:household_pk>/", views.visit_new, name="visit_new"),
    path("visits/coverage/", views.visit_coverage, name="visit_coverage"),
    path("assistance/", views.assistance_list, name="assistance_list"),
    path("assistance/<int:pk>/", views.assistance_act, name="assistance_act"),
    path("reports/", views.report_list, name="report_list"),
    path("reports/new/", views.report_new, name="report_new"),
    path("reports/figures/", views.report_figures, name="report_figures"),
    path("reports/photos/<int:pk>/", views.report_photo, name="report_photo"),
    path("reports/<int:pk>/", views.report_detail, name="report_detail"),
    path("reports/<int:pk>/<slug:action>/", views.report_act, name="report_act"),
]

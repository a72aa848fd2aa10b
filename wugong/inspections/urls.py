from django.urls import path

from wugong.inspections import views

app_name = "inspections"
urlpatterns = [
    path("", views.home, name="home"),
    path("rounds/<int:pk>/", views.round_detail, name="round"),
    path("rounds/<int:pk>/households/<int:household_pk>/", views.score, name="score"),
    path("rounds/<int:pk>/areas/<int:area_pk>/", views.score, name="score_area"),
    path("households/<int:pk>/", views.household_results, name="household"),
    path("ranking/", views.ranking, name="ranking"),
    path("photos/<int:pk>/", views.photo, name="photo"),
    path("manage/", views.manage, name="manage"),
    path("manage/checklists/", views.checklist_new, name="checklist_new"),
    path("manage/checklists/<int:pk>/active/", views.checklist_active, name="checklist_active"),
    path("manage/schedule/", views.schedule_set, name="schedule_set"),
    path("manage/rounds/", views.round_new, name="round_new"),
    path("manage/areas/", views.area_new, name="area_new"),
]

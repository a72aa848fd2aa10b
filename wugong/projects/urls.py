from django.urls import path

from wugong.projects import views

app_name = "projects"
urlpatterns = [
    path("", views.project_list, name="list"),
    path("new/", views.project_new, name="new"),
    path("resources/", views.resources, name="resources"),
    path("programme/<int:place_id>/", views.programme, name="programme"),
    path("honour/<int:place_id>/", views.place_honour, name="place_honour"),
    path("honour/<int:place_id>.<str:fmt>", views.place_honour, name="place_honour_file"),
    path("photos/<int:pk>/", views.photo, name="photo"),
    path("documents/<int:pk>/", views.document, name="document"),
    path("<int:pk>/", views.project_detail, name="detail"),
    path("<int:pk>/accounts/", views.project_accounts, name="accounts"),
    path("<int:pk>/honour/", views.project_honour, name="honour"),
    path("<int:pk>/honour.<str:fmt>", views.project_honour, name="honour_file"),
    path("<int:pk>/do/<str:action>/", views.project_action, name="action"),
]

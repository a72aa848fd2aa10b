from django.urls import path

from wugong.dashboards import views

app_name = "reportcards"
urlpatterns = [
    path("", views.reportcard_index, name="index"),
    path("<int:place_id>/", views.reportcard, name="card"),
    path("<int:place_id>.<str:fmt>", views.reportcard_file, name="file"),
]

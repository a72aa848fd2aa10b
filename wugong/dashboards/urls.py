from django.urls import path

from wugong.dashboards import views

app_name = "dashboards"
urlpatterns = [
    path("", views.board, name="board"),
    path("<int:place_id>/", views.board, name="place"),
    path("<int:place_id>/big/", views.big, name="big"),
    path("<int:place_id>/big/body/", views.big_body, name="big_body"),
]

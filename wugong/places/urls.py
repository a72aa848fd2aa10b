from django.urls import path

from wugong.places import views

app_name = "places"
urlpatterns = [
    path("", views.place_browse, name="browse"),
    path("<int:pk>/", views.place_browse, name="detail"),
]

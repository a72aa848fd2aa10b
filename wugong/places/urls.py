from django.urls import path

from wugong.places import views

app_name = "places"
urlpatterns = [
    path("", views.place_browse, name="browse"),
    path("<int:pk>/", views.place_browse, name="detail"),
    path("<int:pk>/children/", views.place_add_child, name="add_child"),
    path("<int:pk>/grids/", views.grid_add, name="add_grid"),
]

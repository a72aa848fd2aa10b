from django.urls import path

from wugong.villagerules import views

app_name = "villagerules"
urlpatterns = [
    path("", views.index, name="index"),
    path("place/<int:place_pk>/", views.place_rules, name="place"),
    path("place/<int:place_pk>/versions/", views.history, name="history"),
    path("place/<int:place_pk>/new/", views.version_new, name="new"),
    path("versions/<int:pk>/", views.version_detail, name="version"),
    path("versions/<int:pk>/<slug:action>/", views.version_act, name="act"),
]

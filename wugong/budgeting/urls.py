from django.urls import path

from wugong.budgeting import views

app_name = "budgeting"
urlpatterns = [
    path("", views.round_list, name="list"),
    path("new/", views.round_create, name="create"),
    path("import/", views.import_pb, name="import"),
    path("<int:pk>/", views.round_detail, name="detail"),
    path("<int:pk>/edit/", views.round_edit, name="edit"),
    path("<int:pk>/projects/", views.project_add, name="project_add"),
    path(
        "<int:pk>/projects/<int:project_pk>/remove/",
        views.project_remove,
        name="project_remove",
    ),
    path("<int:pk>/ballot/", views.ballot_cast, name="cast"),
    path("<int:pk>/ballot/preview/", views.ballot_preview, name="preview"),
    path("<int:pk>/open/", views.round_open, name="open"),
    path("<int:pk>/paper/", views.paper_ballots, name="paper"),
    path("<int:pk>/close/", views.round_close, name="close"),
    path("<int:pk>/compute/", views.round_compute, name="compute"),
    path("<int:pk>/publish/", views.round_publish, name="publish"),
    path("<int:pk>/outcome/", views.outcome, name="outcome"),
    path("<int:pk>/export.pb", views.export_pb, name="export"),
]

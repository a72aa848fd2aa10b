from django.urls import path

from wugong.consensus import views

app_name = "consensus"
urlpatterns = [
    path("", views.conversation_list, name="list"),
    path("new/", views.conversation_new, name="new"),
    path("import/", views.conversation_import, name="import"),
    path("<int:pk>/", views.conversation_detail, name="detail"),
    path("<int:pk>/vote/", views.vote, name="vote"),
    path("<int:pk>/statements/new/", views.statement_new, name="statement_new"),
    path("<int:pk>/results/", views.results, name="results"),
    path("<int:pk>/manage/", views.manage, name="manage"),
    path("<int:pk>/statements/<int:statement_pk>/moderate/", views.moderate, name="moderate"),
    path("<int:pk>/compute/", views.compute, name="compute"),
    path("<int:pk>/publish/", views.publish, name="publish"),
    path("<int:pk>/open/", views.set_open, name="set_open"),
    path("<int:pk>/export.zip", views.export, name="export"),
]

from django.urls import path

from wugong.surveys import views

app_name = "surveys"
urlpatterns = [
    path("", views.survey_list, name="survey_list"),
    path("new/", views.survey_create, name="survey_create"),
    path("<int:pk>/", views.survey_detail, name="survey_detail"),
    path("<int:pk>/respond/", views.survey_respond, name="survey_respond"),
    path("<int:pk>/questions/", views.question_add, name="question_add"),
    path("questions/<int:pk>/remove/", views.question_remove, name="question_remove"),
    path("<int:pk>/open/", views.survey_open, name="survey_open"),
    path("<int:pk>/close/", views.survey_close, name="survey_close"),
    path("<int:pk>/results/", views.survey_results, name="survey_results"),
]

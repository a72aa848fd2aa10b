from django.urls import path

from wugong.needs import views

app_name = "needs"
urlpatterns = [
    path("", views.need_list, name="list"),
    path("new/", views.need_new, name="new"),
    path("record/", views.need_record, name="record"),
    path("unanswered/", views.need_unanswered, name="unanswered"),
    path("notices/", views.notices, name="notices"),
    path("notices/read/", views.notices_read, name="notices_read"),
    path("photos/<int:pk>/", views.photo, name="photo"),
    path("<int:pk>/", views.need_detail, name="detail"),
    path("<int:pk>/support/", views.need_support, name="support"),
    path("<int:pk>/follow/", views.need_follow, name="follow"),
    path("<int:pk>/classify/", views.need_classify, name="classify"),
    path("<int:pk>/status/", views.need_status, name="status"),
    path("<int:pk>/answer/", views.need_answer, name="answer"),
    path("<int:pk>/merge/", views.need_merge, name="merge"),
]

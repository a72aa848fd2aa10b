from django.urls import path

from wugong.meetings import views

app_name = "meetings"
urlpatterns = [
    path("", views.meeting_list, name="list"),
    path("new/", views.meeting_create, name="create"),
    path("<int:pk>/", views.meeting_detail, name="detail"),
    path("<int:pk>/quorum/", views.meeting_quorum, name="quorum"),
    path("<int:pk>/qr/", views.meeting_qr, name="qr"),
    path("<int:pk>/status/", views.meeting_status, name="status"),
    path("<int:pk>/quorum/set/", views.meeting_quorum_set, name="quorum_set"),
    path("<int:pk>/agenda/", views.agenda_add, name="agenda_add"),
    path("<int:pk>/notice/", views.notice_send, name="notice_send"),
    path("<int:pk>/checkin-key/", views.checkin_rotate, name="checkin_rotate"),
    path("<int:pk>/minutes/", views.minutes_save, name="minutes_save"),
    path("<int:pk>/photos/", views.photo_add, name="photo_add"),
    path("<int:pk>/photos/<int:photo_pk>/", views.photo, name="photo"),
    path("<int:pk>/decisions/", views.decision_add, name="decision_add"),
    path("<int:pk>/roll/", views.roll_call, name="roll_call"),
    path("<int:pk>/roll/mark/", views.roll_mark, name="roll_mark"),
    path("checkin/<str:token>/", views.checkin, name="checkin"),
    path("representatives/<int:place_pk>/", views.representatives, name="representatives"),
    path("decisions/", views.decision_list, name="decision_list"),
    path("decisions/<int:pk>/", views.decision_detail, name="decision_detail"),
    path("decisions/<int:pk>/steps/", views.decision_step, name="decision_step"),
    path("decisions/<int:pk>/documents/<int:doc_pk>/", views.document, name="document"),
    path("decisions/<int:pk>/posts/", views.post_set, name="post_set"),
]

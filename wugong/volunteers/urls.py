from django.urls import path

from wugong.volunteers import views

app_name = "volunteers"
urlpatterns = [
    path("", views.activity_list, name="list"),
    path("new/", views.activity_create, name="create"),
    path("mine/", views.my_record, name="mine"),
    path("teams/", views.team_list, name="teams"),
    path("teams/<int:pk>/", views.team_detail, name="team"),
    path("teams/<int:pk>/members/", views.team_member, name="team_member"),
    path("checkin/<str:token>/", views.checkin, name="checkin"),
    path("<int:pk>/", views.activity_detail, name="detail"),
    path("<int:pk>/edit/", views.activity_edit, name="edit"),
    path("<int:pk>/qr/", views.activity_qr, name="qr"),
    path("<int:pk>/signup/", views.signup, name="signup"),
    path("<int:pk>/cancel/", views.signup_cancel, name="cancel"),
    path("<int:pk>/status/", views.status_set, name="status"),
    path("<int:pk>/checkin-key/", views.checkin_rotate, name="checkin_rotate"),
    path("<int:pk>/roll/in/", views.mark_in, name="mark_in"),
    path("<int:pk>/roll/out/", views.mark_out, name="mark_out"),
    path("<int:pk>/roll/hours/", views.hours_enter, name="hours"),
    path("<int:pk>/roll/confirm/", views.confirm, name="confirm"),
]

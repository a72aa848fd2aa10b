from django.urls import path

from wugong.mediation import views

app_name = "mediation"
urlpatterns = [
    path("", views.matter_list, name="list"),
    path("new/", views.matter_new, name="new"),
    path("follow-up/", views.follow_up_due, name="follow_up"),
    path("agreements/<int:pk>/", views.agreement, name="agreement"),
    path("<int:pk>/", views.matter_detail, name="detail"),
    path("<int:pk>/<slug:action>/", views.matter_act, name="act"),
]

from django.urls import path

from wugong.pilots import views

app_name = "pilots"
urlpatterns = [
    path("", views.site_list, name="site_list"),
    path("new/", views.site_create, name="site_create"),
    path("overdue/", views.overdue, name="overdue"),
    path("recommended/", views.recommended, name="recommended"),
    path("cases/", views.cases, name="cases"),
    path("<int:pk>/", views.site_detail, name="site_detail"),
    path("<int:pk>/finish/", views.site_finish, name="site_finish"),
    path("<int:pk>/assess/", views.assess, name="assess"),
    path("<int:pk>/report/", views.report_new, name="report_new"),
    path("reports/<int:pk>/", views.report_detail, name="report_detail"),
    path("reports/<int:pk>/edit/", views.report_edit, name="report_edit"),
    path("reports/<int:pk>/publish/", views.report_publish, name="report_publish"),
    path("reports/<int:pk>/recommend/", views.report_recommend, name="report_recommend"),
]

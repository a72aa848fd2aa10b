from django.urls import path

from wugong.evaluations import views

app_name = "evaluations"
urlpatterns = [
    path("", views.index, name="index"),
    path("places/<int:pk>/", views.place_summary, name="place"),
    path("projects/<int:pk>/", views.project_ratings, name="project"),
    path("projects/<int:pk>/rate/", views.project_rate, name="project_rate"),
    path("rounds/new/", views.round_new, name="round_new"),
    path("rounds/<int:pk>/", views.round_detail, name="round"),
    path("rounds/<int:pk>/rate/", views.round_rate, name="round_rate"),
    path("rounds/<int:pk>/close/", views.round_close, name="round_close"),
    path("stars/new/", views.campaign_new, name="campaign_new"),
    path("stars/<int:pk>/", views.campaign_detail, name="campaign"),
    path("stars/<int:pk>/declare/", views.campaign_declare, name="campaign_declare"),
    path("stars/<int:pk>/notice/", views.campaign_notice, name="campaign_notice"),
    path("stars/<int:pk>/award/", views.campaign_award, name="campaign_award"),
    path("stars/declarations/<int:pk>/", views.declaration_detail, name="declaration"),
    path(
        "stars/declarations/<int:pk>/review/",
        views.declaration_review,
        name="declaration_review",
    ),
    path("stars/declarations/<int:pk>/check/", views.declaration_check, name="declaration_check"),
    path("stars/awards/<int:pk>/<slug:action>/", views.star_act, name="star_act"),
    path("stars/places/<int:pk>/", views.stars_place, name="stars_place"),
    path("stars/places/<int:pk>/areas/", views.areas, name="areas"),
    path("stars/mine/", views.stars_mine, name="stars_mine"),
    path("stars/households/<int:pk>/", views.stars_household, name="stars_household"),
    path("stars/households/<int:pk>/plaque/", views.plaque, name="plaque"),
    path("awards/new/", views.award_new, name="award_new"),
    path("awards/<int:pk>/", views.award_detail, name="award"),
    path("awards/<int:pk>/nominate/", views.award_nominate, name="award_nominate"),
    path("awards/<int:pk>/<slug:action>/", views.award_act, name="award_act"),
]

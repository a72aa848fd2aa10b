from django.urls import path

from wugong.points import views

app_name = "points"
urlpatterns = [
    path("", views.mine, name="mine"),
    path("code/", views.code, name="code"),
    path("opt-out/", views.opt_out, name="opt_out"),
    path("reserve/", views.reserve, name="reserve"),
    path("redemptions/<int:pk>/cancel/", views.cancel, name="cancel"),
    path("redemptions/<int:pk>/collect/", views.collect, name="collect"),
    path("claims/", views.claims, name="claims"),
    path("claims/<int:pk>/decide/", views.claim_decide, name="claim_decide"),
    path("claims/<int:pk>/photo/", views.claim_photo, name="claim_photo"),
    path("rules/", views.rules, name="rules"),
    path("counter/", views.counter, name="counter"),
    path("goods/", views.goods, name="goods"),
    path("statement.xlsx", views.statement_xlsx, name="statement_xlsx"),
    path("leaderboard/", views.leaderboard, name="leaderboard"),
    path("dividends/", views.dividends, name="dividends"),
    path("dividends/<int:pk>/", views.dividend, name="dividend"),
    path("dividends/<int:pk>.xlsx", views.dividend_xlsx, name="dividend_xlsx"),
]

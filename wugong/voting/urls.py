from django.urls import path

from wugong.voting import views

app_name = "voting"
urlpatterns = [
    path("", views.vote_list, name="list"),
    path("new/", views.vote_create, name="create"),
    path("<int:pk>/", views.vote_detail, name="detail"),
    path("<int:pk>/cast/", views.vote_cast, name="cast"),
    path("<int:pk>/receipt/", views.receipt_check, name="receipt"),
    path("<int:pk>/results/", views.vote_results, name="results"),
    path("<int:pk>/receipts/", views.receipt_list, name="receipts"),
    path("<int:pk>/open/", views.vote_open, name="open"),
    path("<int:pk>/close/", views.vote_close, name="close"),
    path("<int:pk>/publish/", views.vote_publish, name="publish"),
    path("<int:pk>/offline/", views.offline_tally, name="offline"),
    path("<int:pk>/proxy/", views.proxy_cast, name="proxy"),
    path("<int:pk>/ballot.pdf", views.paper_ballots, name="paper_ballots"),
    path("<int:pk>/tally-sheet.pdf", views.tally_sheet, name="tally_sheet"),
]

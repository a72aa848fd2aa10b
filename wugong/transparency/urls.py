from django.urls import path

from wugong.transparency import chain_views, views

app_name = "transparency"
urlpatterns = [
    path("", views.notice_list, name="notice_list"),
    path("new/", views.notice_create, name="notice_create"),
    path("verify/", chain_views.chain_check, name="chain_check"),
    path("place/<int:place_id>/", views.place_board, name="place_board"),
    path("<int:pk>/", views.notice_detail, name="notice_detail"),
    path("<int:pk>/pdf/", views.notice_pdf, name="notice_pdf"),
    path("<int:pk>/edit/", views.notice_edit, name="notice_edit"),
    path("<int:pk>/publish/", views.notice_publish, name="notice_publish"),
    path("<int:pk>/withdraw/", views.notice_withdraw, name="notice_withdraw"),
    path("<int:pk>/attach/", views.notice_attach, name="notice_attach"),
    path("<int:pk>/object/", views.objection_submit, name="objection_submit"),
    path("objections/<int:pk>/answer/", views.objection_answer, name="objection_answer"),
]

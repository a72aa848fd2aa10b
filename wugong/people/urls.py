from django.urls import path

from wugong.people import account_views, org_views, roster_views, views

app_name = "people"
urlpatterns = [
    path("sign-in/", views.sign_in, name="sign_in"),
    path("sign-in/verify/", views.sign_in_verify, name="sign_in_verify"),
    path("sign-in/staff/", views.staff_sign_in, name="staff_sign_in"),
    path("sign-out/", views.sign_out, name="sign_out"),
    path("account/security/", account_views.security, name="security"),
    path("households/", views.household_list, name="household_list"),
    path("households/new/", views.household_create, name="household_create"),
    path("households/<int:pk>/", views.household_detail, name="household_detail"),
    path("households/<int:pk>/members/", views.member_add, name="member_add"),
    path("households/<int:pk>/tags/", views.tag_add, name="tag_add"),
    path("households/<int:pk>/centre/", views.household_centre, name="household_centre"),
    path("people/<int:pk>/reveal/<str:field>/", views.person_reveal, name="person_reveal"),
    path("places/<int:place_pk>/roles/", views.role_list, name="role_list"),
    path("roles/<int:pk>/revoke/", views.role_revoke, name="role_revoke"),
    path(
        "places/<int:place_pk>/organisations/",
        org_views.organisation_list,
        name="organisation_list",
    ),
    path(
        "places/<int:place_pk>/organisations/<int:pk>/join/",
        org_views.organisation_join,
        name="organisation_join",
    ),
    path("roster/template.xlsx", roster_views.template_download, name="roster_template"),
    path("roster/", roster_views.upload, name="roster_import"),
    path("roster/export.xlsx", roster_views.export_download, name="roster_export"),
]

"""Open311 GeoReport v2 at /open311/v2/ (http://wiki.open311.org/GeoReport_v2)."""

from django.urls import re_path

from wugong.upkeep.open311 import views

app_name = "open311"
FMT = r"\.(?P<fmt>json|xml)$"
urlpatterns = [
    re_path(r"^discovery" + FMT, views.discovery, name="discovery"),
    re_path(r"^services" + FMT, views.services, name="services"),
    re_path(r"^services/(?P<code>[^/]+?)" + FMT, views.service_definition, name="service"),
    re_path(r"^requests" + FMT, views.requests, name="requests"),
    re_path(r"^requests/(?P<pk>[^/]+?)" + FMT, views.request_detail, name="request"),
]

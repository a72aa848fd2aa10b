from django.conf import settings
from django.urls import path

from wugong.core import views

app_name = "core"
urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
    path("text-size/", views.text_size, name="text_size"),
    path("audit/", views.audit_list, name="audit_list"),
]

if settings.BENCH_ENDPOINTS:
    urlpatterns.append(path("bench/insert", views.bench_insert, name="bench_insert"))

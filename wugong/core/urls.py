from django.conf import settings
from django.urls import path

from wugong.core import metrics, pwa, views

app_name = "core"
urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
    path("text-size/", views.text_size, name="text_size"),
    path("audit/", views.audit_list, name="audit_list"),
    path("metrics", metrics.metrics_view, name="metrics"),
    path("manifest.webmanifest", pwa.manifest, name="manifest"),
    path("sw.js", pwa.service_worker, name="service_worker"),
    path("offline/", pwa.offline, name="offline"),
]

if settings.BENCH_ENDPOINTS:
    urlpatterns.append(path("bench/insert", views.bench_insert, name="bench_insert"))

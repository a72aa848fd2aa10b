from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path

from wugong.api import api

urlpatterns = [
    path("", include("wugong.core.urls")),
    path("", include("wugong.people.urls")),
    path("places/", include("wugong.places.urls")),
    path("needs/", include("wugong.needs.urls")),
    path("votes/", include("wugong.voting.urls")),
    path("meetings/", include("wugong.meetings.urls")),
    path("surveys/", include("wugong.surveys.urls")),
    path("notices/", include("wugong.transparency.urls")),
    path("budgets/", include("wugong.budgeting.urls")),
    path("common-ground/", include("wugong.consensus.urls")),
    path("projects/", include("wugong.projects.urls")),
    path("upkeep/", include("wugong.upkeep.urls")),
    path("inspections/", include("wugong.inspections.urls")),
    path("volunteers/", include("wugong.volunteers.urls")),
    path("mediation/", include("wugong.mediation.urls")),
    path("village-rules/", include("wugong.villagerules.urls")),
    path("points/", include("wugong.points.urls")),
    path("evaluations/", include("wugong.evaluations.urls")),
    path("pilots/", include("wugong.pilots.urls")),
    path("dashboards/", include("wugong.dashboards.urls")),
    path("report-cards/", include("wugong.dashboards.reportcard_urls")),
    path("open311/v2/", include("wugong.upkeep.open311.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
]
if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

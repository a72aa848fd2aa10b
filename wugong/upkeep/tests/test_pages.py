"""Every page of 建设共管 renders for the roles that use it; strangers are sent to sign in."""

import pytest
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_pages_render(cast, client_for):  # type: ignore[no-untyped-def]
    c = cast.county
    resident = client_for(cast.resident_a)
    resident.post(reverse("upkeep:report_new"), {"category": "roads", "text": "路面塌了个坑"})
    pages = {
        cast.grid_a: ["home", "visit_todo", "report_list", "report_new", "notices"],
        cast.cadre_a: ["home", "visit_coverage", "assistance_list", "report_figures"],
        cast.resident_a: ["home", "report_list", "report_new", "notices"],
    }
    for user, names in pages.items():
        client = client_for(user)
        for name in names:
            assert client.get(reverse(f"upkeep:{name}")).status_code == 200, name
    detail = reverse("upkeep:report_detail", args=[1])
    assert resident.get(detail).status_code in {200, 404}
    visit = client_for(cast.grid_a).get(reverse("upkeep:visit_new", args=[c.households_a[0].pk]))
    assert visit.status_code == 200 and "idempotency_key" in visit.content.decode()
    assert Client().get(reverse("upkeep:home")).status_code == 302

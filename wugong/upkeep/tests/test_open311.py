"""Open311 GeoReport v2 at /open311/v2/: a standard client's flow, in JSON and XML, and the
standard error responses (nothing created)."""

import xml.etree.ElementTree as ET

import pytest

from wugong.upkeep.models import ApiClient, PlacePoint, Report
from wugong.upkeep.report_services import api_client_create

pytestmark = pytest.mark.django_db
BASE = "/open311/v2"


@pytest.fixture
def api_key(county) -> str:  # type: ignore[no-untyped-def]
    _client, key = api_client_create(name="市民热线 App", place=county.county)
    PlacePoint.objects.create(place=county.village_a, lat="32.228000", long="110.230000")
    return key


def _post(client, fmt="json", **data):  # type: ignore[no-untyped-def]
    return client.post(f"{BASE}/requests.{fmt}", data)


def test_standard_client_flow(client, api_key, county):  # type: ignore[no-untyped-def]
    """Discovery, services, a service definition, POST a request with an api_key, read it
    back by id and in the list, in JSON and XML."""
    discovery = client.get(f"{BASE}/discovery.json").json()
    endpoint = discovery["endpoints"][0]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"].endswith("/open311/v2/") and "text/xml" in endpoint["formats"]
    services = client.get(f"{BASE}/services.json").json()
    codes = {s["service_code"] for s in services}
    assert {"street_light", "drainage", "emergency"} <= codes
    assert set(services[0]) >= {
        "service_code",
        "service_name",
        "description",
        "metadata",
        "type",
        "keywords",
        "group",
    }
    definition = client.get(f"{BASE}/services/emergency.json").json()
    assert definition["service_code"] == "emergency"
    danger = next(a for a in definition["attributes"] if a["code"] == "danger")
    assert danger["required"] is True and danger["datatype"] == "singlevaluelist"

    created = _post(
        client,
        api_key=api_key,
        service_code="street_light",
        lat="32.228100",
        long="110.230100",
        description="村口路灯不亮",
        email="a@example.com",
        first_name="秀英",
        **{"attribute[landmark]": "村委会东侧"},
    )
    assert created.status_code == 200
    body = created.json()
    assert set(body[0]) >= {"service_request_id", "service_notice"}
    rid = body[0]["service_request_id"]
    report = Report.objects.get(pk=int(rid))
    assert report.handler_place_id == county.village_a.pk  # routed by the map point
    assert report.attributes == {"landmark": "村委会东侧"}

    one = client.get(f"{BASE}/requests/{rid}.json").json()
    assert len(one) == 1 and one[0]["service_request_id"] == rid
    assert one[0]["status"] == "open" and one[0]["service_code"] == "street_light"
    assert one[0]["lat"] == pytest.approx(32.2281) and one[0]["description"] == "村口路灯不亮"
    assert "a@example.com" not in client.get(f"{BASE}/requests/{rid}.json").content.decode()
    listed = client.get(f"{BASE}/requests.json", {"service_code": "street_light"}).json()
    assert [r["service_request_id"] for r in listed] == [rid]
    assert client.get(f"{BASE}/requests.json", {"status": "closed"}).json() == []

    xml = client.get(f"{BASE}/requests/{rid}.xml")
    assert xml["Content-Type"].startswith("text/xml")
    root = ET.fromstring(xml.content)
    assert root.tag == "service_requests"
    assert root.find("request/service_request_id").text == rid
    assert root.find("request/status").text == "open"
    services_xml = ET.fromstring(client.get(f"{BASE}/services.xml").content)
    assert services_xml.tag == "services" and services_xml.find("service/service_code") is not None
    definition_xml = ET.fromstring(client.get(f"{BASE}/services/emergency.xml").content)
    assert definition_xml.tag == "service_definition"
    assert definition_xml.find("attributes/attribute/values/value/key") is not None
    discovery_xml = ET.fromstring(client.get(f"{BASE}/discovery.xml").content)
    assert discovery_xml.find("endpoints/endpoint/formats/format") is not None
    posted_xml = _post(
        client, "xml", api_key=api_key, service_code="roads", address_string="双台村 二组路口"
    )
    root = ET.fromstring(posted_xml.content)
    new_id = root.find("request/service_request_id").text
    assert Report.objects.get(pk=int(new_id)).place_id == county.village_a.pk  # by name


def test_closed_when_answered(client, api_key, cast, client_for):  # type: ignore[no-untyped-def]
    """Open311 status: open while waiting or being handled, closed once answered; the answer
    is the status_notes."""
    rid = _post(
        client, api_key=api_key, service_code="drainage", lat="32.2281", long="110.2301"
    ).json()[0]["service_request_id"]
    client_for(cast.cadre_a).post(f"/upkeep/reports/{rid}/resolve/", {"text": "已疏通"})
    row = client.get(f"{BASE}/requests/{rid}.json").json()[0]
    assert row["status"] == "closed" and row["status_notes"] == "已疏通"
    assert client.get(f"{BASE}/requests.json", {"status": "open"}).json() == []


@pytest.mark.parametrize(
    ("data", "status"),
    [
        ({"service_code": "roads", "lat": "32.1", "long": "110.2"}, 403),  # no api_key
        ({"api_key": "wrong", "service_code": "roads", "lat": "32.1", "long": "110.2"}, 403),
        ({"lat": "32.1", "long": "110.2"}, 400),  # no service_code
        ({"service_code": "nope", "lat": "32.1", "long": "110.2"}, 404),
        ({"service_code": "roads", "lat": "132.1", "long": "110.2"}, 400),
        ({"service_code": "roads", "lat": "abc", "long": "110.2"}, 400),
        ({"service_code": "roads", "lat": "32.1"}, 400),  # long missing
        ({"service_code": "roads"}, 400),  # no location at all
        ({"service_code": "emergency", "lat": "32.1", "long": "110.2"}, 400),  # required attr
    ],
)
def test_bad_posts_get_the_standard_error_and_create_nothing(  # type: ignore[no-untyped-def]
    client, api_key, data, status
):
    """Missing service code, bad coordinates, a wrong api_key: the standard error list with
    the right status, in JSON and in XML, and nothing is created."""
    data = {"api_key": api_key, **data} if "api_key" not in data and status != 403 else data
    if status == 403 and "api_key" not in data:
        data = {k: v for k, v in data.items() if k != "api_key"}
    response = _post(client, **data)
    assert response.status_code == status
    body = response.json()
    assert body[0]["code"] == status and body[0]["description"]
    xml = _post(client, "xml", **data)
    assert xml.status_code == status
    root = ET.fromstring(xml.content)
    assert root.tag == "errors" and root.find("error/code").text == str(status)
    assert not Report.objects.exists()


def test_unknown_ids_and_services_are_404(client, db):  # type: ignore[no-untyped-def]
    for url in ("requests/999.json", "requests/abc.xml", "services/nope.json"):
        response = client.get(f"{BASE}/{url}")
        assert response.status_code == 404
    assert client.get(f"{BASE}/requests/999.json").json()[0]["code"] == 404
    assert client.get(f"{BASE}/requests.json", {"start_date": "yesterday"}).status_code == 400
    assert client.get(f"{BASE}/requests.json", {"status": "pending"}).status_code == 400


def test_inactive_client_is_refused(client, api_key):  # type: ignore[no-untyped-def]
    ApiClient.objects.update(active=False)
    response = _post(client, api_key=api_key, service_code="roads", lat="32.1", long="110.2")
    assert response.status_code == 403 and not Report.objects.exists()

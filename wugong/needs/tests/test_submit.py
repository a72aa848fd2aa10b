"""Raising needs: three taps from a phone, 代录 by cadres, and bad input refused in Chinese."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from wugong.core.models import AuditEvent
from wugong.needs.models import Need, NeedPhoto, Source
from wugong.needs.tests.conftest import PNG, WEBP, jpeg

pytestmark = pytest.mark.django_db


def test_three_taps_from_the_list_to_a_saved_need(cast, client_for):
    """Tap 1 opens the form from the list (place already set to the household's), tap 2 is
    typing, tap 3 sends it; the need is saved with the signed-in person as reporter."""
    client = client_for(cast.resident_a)
    page = client.get("/needs/")
    assert 'href="/needs/new/"' in page.content.decode()
    form = client.get("/needs/new/").content.decode()
    assert f'<option value="{cast.county.group_a1.pk}" selected>' in form
    response = client.post("/needs/new/", {"text": "村口路灯坏了三个月，晚上看不见路"})
    need = Need.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/needs/{need.pk}/"
    assert need.reporter_id == cast.resident_a.person_id
    assert need.place_id == cast.county.group_a1.pk
    assert need.place_path == cast.county.group_a1.path
    assert need.source == Source.ONLINE and need.status == "new"
    assert need.title == "村口路灯坏了三个月，晚上看不见路"
    assert AuditEvent.objects.filter(action="need.submit", object_id=str(need.pk)).exists()
    detail = client.get(response["Location"]).content.decode()
    assert "村口路灯坏了三个月" in detail and "新提出" in detail


def test_photos_are_kept_and_served_only_to_those_who_see_the_need(cast, client_for):
    """Up to nine jpg/png/webp photos are stored under random names; the photo address works
    for the village and not for another village."""
    client = client_for(cast.resident_a)
    photos = [
        jpeg("门口.jpg"),
        SimpleUploadedFile("b.png", PNG, content_type="image/png"),
        SimpleUploadedFile("c.webp", WEBP, content_type="image/webp"),
    ]
    client.post("/needs/new/", {"text": "水沟堵了", "photos": photos})
    need = Need.objects.get()
    rows = list(NeedPhoto.objects.filter(need=need))
    assert [r.content_type for r in rows] == ["image/jpeg", "image/png", "image/webp"]
    assert all("门口" not in r.file.name for r in rows)
    response = client.get(f"/needs/photos/{rows[0].pk}/")
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert client_for(cast.resident_b).get(f"/needs/photos/{rows[0].pk}/").status_code == 404


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"text": "   "}, "请写下您遇到的问题或需要"),
        ({"text": "路灯", "photos": [jpeg(f"{i}.jpg") for i in range(10)]}, "最多上传9张照片"),
        (
            {"text": "路灯", "photos": [SimpleUploadedFile("a.gif", b"GIF89a", "image/gif")]},
            "只能上传照片（JPEG、PNG 或 WebP 格式）",
        ),
        (
            {"text": "路灯", "photos": [SimpleUploadedFile("x.jpg", b"MZ\x90\x00", "image/jpeg")]},
            "“x.jpg”：只能上传照片（JPEG、PNG 或 WebP 格式）",
        ),
        ({"text": "路灯", "place": "999999"}, "所选地点不存在或不在您所在的村（社区）内"),
        ({"text": "路灯", "place": "abc"}, "所选地点不存在或不在您所在的村（社区）内"),
    ],
    ids=["empty", "ten-photos", "gif", "not-an-image", "unknown-place", "bad-place"],
)
def test_bad_input_gets_a_chinese_message_and_saves_nothing(cast, client_for, data, message):
    """Empty text, more than nine photos, a wrong file type or an unknown place: the form comes
    back with a clear message and nothing is saved."""
    response = client_for(cast.resident_a).post("/needs/new/", data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Need.objects.exists() and not NeedPhoto.objects.exists()


def test_a_photo_over_5_mb_is_refused(cast, client_for, settings):
    """A photo over 5 MB is refused, and nothing is saved."""
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = None
    big = SimpleUploadedFile("big.jpg", b"\xff\xd8\xff" + b"\x00" * (5 * 1024 * 1024 + 1))
    response = client_for(cast.resident_a).post("/needs/new/", {"text": "路灯", "photos": [big]})
    assert response.status_code == 400 and "图片不能超过 5 MB" in response.content.decode()
    assert not Need.objects.exists()


def test_a_place_in_another_village_is_refused(cast, client_for):
    """A resident of 双台村 cannot file a need at 楼台村."""
    response = client_for(cast.resident_a).post(
        "/needs/new/", {"text": "路灯", "place": cast.county.village_b.pk}
    )
    assert response.status_code == 400 and not Need.objects.exists()


def test_api_submit_and_its_errors(cast, client_for):
    """The API takes the same multipart form and answers 4xx with {code, detail, field}."""
    client = client_for(cast.resident_a)
    ok = client.post("/api/v1/needs/", {"text": "村口路灯坏了", "photos": [jpeg()]})
    assert ok.status_code == 201
    body = ok.json()
    assert body["reporter"] == cast.resident_a.person.name
    assert len(body["photos"]) == 1 and body["place_id"] == cast.county.group_a1.pk
    empty = client.post("/api/v1/needs/", {"text": ""})
    assert empty.status_code == 400
    assert empty.json() == {
        "code": "text_empty",
        "detail": "请写下您遇到的问题或需要。",
        "field": "text",
    }
    bad_place = client.post("/api/v1/needs/", {"text": "路灯", "place": "424242"})
    assert bad_place.status_code == 400 and bad_place.json()["field"] == "place"
    assert Need.objects.count() == 1


def test_a_cadre_records_for_a_resident_and_the_record_says_so(cast, client_for):
    """代录: the resident is the reporter, the cadre is named beside them ("李明代王秀英录入")
    on the detail page, in the list, in the API and in the audit trail."""
    resident = cast.county.households_a[0].head
    client = client_for(cast.grid_a)
    found = client.get("/needs/record/", {"q": "王秀英"}).content.decode()
    assert f"?person={resident.pk}" in found
    response = client.post(
        "/needs/record/",
        {"person": resident.pk, "source": "visit", "text": "想在院子前装个路灯"},
    )
    need = Need.objects.get()
    assert response.status_code == 302
    assert need.reporter_id == resident.pk and need.recorded_by_id == cast.grid_a.pk
    assert need.source == "visit"
    line = f"{cast.grid_a.person.name}代王秀英录入"
    assert line in client.get(f"/needs/{need.pk}/").content.decode()
    assert line in client_for(cast.resident_a2).get("/needs/").content.decode()
    assert client.get(f"/api/v1/needs/{need.pk}").json()["recorded_line"] == line
    event = AuditEvent.objects.get(action="need.record")
    assert event.on_behalf_of_id == resident.pk and event.actor_id == cast.grid_a.pk


def test_recording_is_for_recorders_and_within_their_scope(cast, client_for):
    """A resident cannot record for others; a cadre of 楼台村 cannot record for 双台村."""
    resident = cast.county.households_a[0].head
    data = {"person": resident.pk, "source": "visit", "text": "路灯"}
    assert client_for(cast.resident_a2).post("/needs/record/", data).status_code == 403
    response = client_for(cast.cadre_b).post("/needs/record/", data)
    assert response.status_code == 400 and "请先选择要代录的居民" in response.content.decode()
    api = client_for(cast.cadre_b).post(
        "/api/v1/needs/record", data, content_type="application/json"
    )
    assert api.status_code == 404
    assert not Need.objects.exists()


def test_a_photos_gps_position_is_never_stored(cast, client_for):
    """A phone photo carries the GPS position of the resident's home in its EXIF; the stored
    copy is re-encoded and has none."""
    import io

    from PIL import Image

    from wugong.needs.models import NeedPhoto

    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (32.0, 13.0, 0.0), 3: "E", 4: (110.0, 14.0, 0.0)}  # GPS IFD
    buf = io.BytesIO()
    Image.new("RGB", (8, 6), (10, 200, 10)).save(buf, "JPEG", exif=exif)
    assert Image.open(io.BytesIO(buf.getvalue())).getexif().get_ifd(0x8825)
    photo = SimpleUploadedFile("home.jpg", buf.getvalue(), content_type="image/jpeg")
    r = client_for(cast.resident_a).post("/needs/new/", {"text": "门口路灯坏了", "photos": [photo]})
    assert r.status_code in (200, 302)
    stored = NeedPhoto.objects.get()
    with stored.file.open("rb") as fh:
        image = Image.open(io.BytesIO(fh.read()))
        assert not image.getexif().get_ifd(0x8825)
        assert not image.getexif()

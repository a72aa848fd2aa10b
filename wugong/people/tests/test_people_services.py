"""People and households: ID numbers and phones validated, no duplicates, names in pinyin order,
every change audited (with 代录 recorded as both actor and resident), sensitive data masked and
every unmasked look logged."""

import datetime as dt
import re

import pytest

from wugong.core.errors import ValidationFailed
from wugong.core.models import AuditEvent, SensitiveAccess
from wugong.core.validators import id_check_digit, normalize_id_number, normalize_phone
from wugong.people import services as ps
from wugong.people.models import Household, KeyHouseholdTag, Person
from wugong.people.tests.factories import id_number
from wugong.places.services import place_create


def _x_id_number() -> str:
    """A valid ID number whose check character is X."""
    for seq in range(1000):
        first17 = f"42032519700101{seq:03d}"
        if id_check_digit(first17) == "X":
            return first17 + "X"
    raise AssertionError("no X check digit found")


def _wrong_check(number: str) -> str:
    return number[:17] + ("0" if number[17] != "0" else "1")


@pytest.fixture
def cadre(county, make_user):  # type: ignore[no-untyped-def]
    return make_user("village_cadre", county.village_a)


@pytest.fixture
def cadre_client(cadre, client_for):  # type: ignore[no-untyped-def]
    return client_for(cadre)


# --- ID numbers and phones ---------------------------------------------------------------------
def test_id_numbers_are_checked_by_gb_11643():
    """A valid number passes (lower-case x becomes X); a wrong check character, an impossible
    birth date or a wrong length is refused with a Chinese message naming the field."""
    x = _x_id_number()
    assert normalize_id_number(x.lower()) == x
    assert normalize_id_number(f" {id_number(5)} ") == id_number(5)
    # A published sample number: 11010519491231002X.
    assert normalize_id_number("11010519491231002x") == "11010519491231002X"
    cases = {
        _wrong_check(id_number(5)): ("id_checksum", "校验位不正确"),
        x[:17] + "0": ("id_checksum", "校验位不正确"),
        "420325" + "19560230" + "0011": ("id_birth", "出生日期无效"),
        id_number(5)[:17]: ("id_format", "应为18位"),
        "42032519560308001Y": ("id_format", "应为18位"),
    }
    for number, (code, message) in cases.items():
        with pytest.raises(ValidationFailed) as e:
            normalize_id_number(number)
        assert (e.value.code, e.value.field) == (code, "id_number"), number
        assert message in str(e.value)


def test_phones_are_normalised_and_checked():
    """Spaces, dashes and +86 are dropped; anything but an 11-digit mobile starting 13–19 is
    refused."""
    assert normalize_phone("+86 138-0000-1234") == "13800001234"
    assert normalize_phone("199 0000 1234") == "19900001234"
    for bad in ("1380000123", "138000012345", "12800001234", "23800001234", "1380000abcd"):
        with pytest.raises(ValidationFailed) as e:
            normalize_phone(bad)
        assert e.value.field == "phone"
        assert "手机号码格式不正确" in str(e.value)


def test_sex_and_birth_date_follow_from_the_id_number(db):
    """The ID number gives sex and birth date; a contradicting sex or birth date is refused."""
    number = id_number(7, birth="19800215")  # 17th digit 7: male
    data = ps.person_data_clean(name="甲", id_number=number)
    assert (data.sex, data.birth_date) == ("M", dt.date(1980, 2, 15))
    with pytest.raises(ValidationFailed) as e:
        ps.person_data_clean(name="甲", id_number=number, sex="F")
    assert e.value.field == "sex"
    with pytest.raises(ValidationFailed) as e:
        ps.person_data_clean(name="甲", id_number=number, birth_date=dt.date(1980, 2, 16))
    assert e.value.field == "birth_date"


def test_duplicate_id_number_and_phone_are_refused(county):
    """An ID number or phone already registered to someone else is refused by field; the same
    person keeps their own."""
    head = county.households_a[0].head
    with pytest.raises(ValidationFailed) as e:
        ps.person_data_clean(name="乙", id_number=head.id_number.lower())
    assert (e.value.code, e.value.field) == ("id_duplicate", "id_number")
    with pytest.raises(ValidationFailed) as e:
        ps.person_data_clean(name="乙", sex="M", phone=f"+86{head.phone}")
    assert (e.value.code, e.value.field) == ("phone_duplicate", "phone")
    same = ps.person_data_clean(
        name=head.name, id_number=head.id_number, phone=head.phone, exclude_pk=head.pk
    )
    assert same.id_number == head.id_number


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("id_number", _wrong_check(id_number(31)), "校验位不正确"),
        ("id_number", "420323195603080014", "已登记"),  # the fixture's first head
        ("phone", "1380000", "手机号码格式不正确"),
        ("phone", "13800000001", "已被其他人员使用"),
    ],
)
def test_household_page_refuses_bad_identity_data_and_saves_nothing(
    field, value, message, cadre_client, county
):
    """Registering a household on the page with a bad or duplicate ID number or phone shows a
    Chinese message by the field and saves nothing."""
    form = {"place": county.group_a1.pk, "address": "一组30号", "name": "新户主", "sex": "M"}
    before = (Person.objects.count(), Household.objects.count(), AuditEvent.objects.count())
    r = cadre_client.post(f"/households/new/?place={county.group_a1.pk}", {**form, field: value})
    assert r.status_code == 200
    assert message in r.content.decode()
    assert (Person.objects.count(), Household.objects.count(), AuditEvent.objects.count()) == (
        before
    )


def test_household_page_refuses_an_unknown_place(cadre_client):
    """Registering a household at a place that does not exist: 404, nothing saved."""
    before = Household.objects.count()
    r = cadre_client.post("/households/new/?place=999999", {"address": "x", "name": "甲"})
    assert r.status_code == 404
    assert Household.objects.count() == before


def test_member_page_refuses_a_duplicate_id_number(cadre_client, county):
    """Adding a member with an ID number already registered: a Chinese message, no member."""
    h = county.households_a[1]
    before = h.members.count()
    taken = county.households_a[0].head.id_number
    r = cadre_client.post(
        f"/households/{h.pk}/members/", {"name": "重复", "id_number": taken}, follow=True
    )
    assert "该身份证号码已登记" in r.content.decode()
    assert h.members.count() == before


# --- pinyin order ------------------------------------------------------------------------------
def test_households_are_listed_by_the_heads_names_in_pinyin(county, make_user, client_for):
    """安 < 白 < 陈 < 张: on the page and in the API, households come in pinyin order of their
    heads' names, whatever order they were registered in."""
    village = place_create(name="新村", kind="village", parent=county.town_a)
    for n, name in enumerate(["张大山", "陈小红", "安国庆", "白玉兰"]):
        head = ps.person_data_clean(name=name, sex="M", phone=f"1500000000{n}")
        ps.household_create(place=village, address=f"新村{n}号", head=head)
    c = client_for(make_user("village_cadre", village))
    text = c.get("/households/").content.decode()
    positions = [text.index(name) for name in ("安国庆", "白玉兰", "陈小红", "张大山")]
    assert positions == sorted(positions)
    items = c.get("/api/v1/households").json()["items"]
    assert [i["head"] for i in items] == ["安国庆", "白玉兰", "陈小红", "张大山"]


def test_households_can_be_found_by_pinyin(county, cadre_client):
    """Searching "zhang" finds 张德明; "wang" finds 王秀英; a part of the address finds it."""
    assert "张德明" in cadre_client.get("/households/", {"q": "zhang"}).content.decode()
    assert "王秀英" in cadre_client.get("/households/", {"q": "wang"}).content.decode()
    r = cadre_client.get("/households/", {"q": "二组2"}).content.decode()
    assert "陈桂兰" in r and "张德明" not in r


# --- tags and centre households ----------------------------------------------------------------
def test_a_key_household_tag_has_a_reason_and_since_date(county, cadre, cadre_client):
    """A tag added on the page keeps its reason and since-date and is audited; a since-date in
    the future is refused."""
    h = county.households_a[3]
    cadre_client.post(
        f"/households/{h.pk}/tags/", {"tag": "left_behind", "reason": "子女外出务工",
                                      "since": "2023-04-01"})  # fmt: skip
    tag = KeyHouseholdTag.objects.get(household=h, tag="left_behind")
    assert (tag.reason, tag.since) == ("子女外出务工", dt.date(2023, 4, 1))
    assert AuditEvent.objects.filter(
        action="household.tag_set", object_id=str(h.pk), actor=cadre
    ).exists()
    future = (dt.date.today() + dt.timedelta(days=2)).isoformat()
    r = cadre_client.post(
        f"/households/{h.pk}/tags/", {"tag": "alone", "since": future}, follow=True
    )
    assert "起始日期不能晚于今天" in r.content.decode()
    assert not KeyHouseholdTag.objects.filter(household=h, tag="alone").exists()


def test_a_centre_household_looks_after_neighbours_of_its_own_place(county):
    """A centre household (中心户) is linked to neighbours in its own place, never to itself nor
    across places; its page shows how many it looks after."""
    centre, a1_other = county.households_a[0], county.households_a[1]
    assert list(centre.neighbours.all()) == [a1_other]
    with pytest.raises(ValidationFailed):
        ps.centre_link(household=centre, centre=centre)
    with pytest.raises(ValidationFailed):
        ps.centre_link(household=county.households_a[2], centre=centre)  # 二组 vs 一组
    for n in range(4):
        head = ps.person_data_clean(name=f"邻居{n}", sex="F")
        h = ps.household_create(place=county.group_a1, address=f"一组{40 + n}号", head=head)
        ps.centre_link(household=h, centre=centre)
    assert centre.neighbours.count() == 5


# --- the audit trail ---------------------------------------------------------------------------
def test_every_change_on_the_pages_writes_an_audit_event_with_its_actor(
    cadre, cadre_client, county
):
    """Registering a household and adding a member on the pages write audit events naming the
    cadre; the trail keeps ID numbers and phones masked."""
    form = {"place": county.group_a1.pk, "address": "一组31号", "name": "审计户", "sex": "M",
            "id_number": id_number(41), "phone": "13600000041"}  # fmt: skip
    r = cadre_client.post(f"/households/new/?place={county.group_a1.pk}", form)
    assert r.status_code == 302
    h = Household.objects.get(address="一组31号")
    events = AuditEvent.objects.filter(actor=cadre)
    assert {e.action for e in events} >= {"household.create", "person.create"}
    person_event = events.get(action="person.create", object_id=str(h.head_id))
    assert person_event.place_path == h.place_path
    assert id_number(41) not in str(person_event.changes)
    assert "13600000041" not in str(person_event.changes)
    assert person_event.changes["phone"] == "136****0041"


def test_an_audit_event_is_written_in_the_same_transaction(county, monkeypatch):
    """If the audit event cannot be written, the change it records is not saved either."""

    def broken(**kw):  # type: ignore[no-untyped-def]
        raise RuntimeError("audit store down")

    monkeypatch.setattr(ps, "audit_event_record", broken)
    before = (Person.objects.count(), Household.objects.count())
    with pytest.raises(RuntimeError):
        ps.household_create(
            place=county.group_a1, address="一组50号", head=ps.person_data_clean(name="甲", sex="M")
        )
    assert (Person.objects.count(), Household.objects.count()) == before


def test_recording_for_a_resident_names_both_cadre_and_resident(county, cadre, cadre_client):
    """代录: when a cadre records for a resident without a phone, the audit event names the cadre
    as actor and the resident as on_behalf_of, and the audit page shows it."""
    resident = county.households_a[3].head
    data = ps.person_data_clean(name="新生儿", sex="F")
    baby = ps.person_create(
        data=data,
        household=county.households_a[3],
        relation="孙女",
        actor=cadre,
        on_behalf_of=resident,
    )
    event = AuditEvent.objects.get(action="person.create", object_id=str(baby.pk))
    assert (event.actor, event.on_behalf_of) == (cadre, resident)
    assert f"代{resident.name}录入" in cadre_client.get("/audit/").content.decode()


# --- masking and reveal ------------------------------------------------------------------------
def test_the_household_page_masks_ids_phones_and_sensitive_tags(county, cadre_client):
    """A household page shows ID numbers and phones masked, 独居户 but not 低保户 (hidden and
    counted), even to a cadre who may reveal them."""
    h = county.households_a[0]
    text = cadre_client.get(f"/households/{h.pk}/").content.decode()
    head = h.head
    assert head.id_number not in text and head.phone not in text
    assert f"{head.id_number[:3]}***********{head.id_number[-4:]}" in text
    assert f"{head.phone[:3]}****{head.phone[-4:]}" in text
    tags = re.search(r"<h2>重点户</h2>(.*?)</section>", text, re.S).group(1)
    assert "独居户" in tags and "低保户" not in tags and "因病致贫" not in text
    assert "1 项敏感标签已隐藏" in tags
    assert SensitiveAccess.objects.count() == 0


@pytest.mark.parametrize("field", ["id_number", "phone", "tags"])
def test_reveal_on_the_page_shows_the_value_and_logs_the_look(field, county, cadre, cadre_client):
    """POST /people/<id>/reveal/<field>/ by a village cadre shows the value in the clear and logs
    who looked at whose what, and when."""
    head = county.households_a[0].head
    r = cadre_client.post(f"/people/{head.pk}/reveal/{field}/")
    assert r.status_code == 200
    text = r.content.decode()
    expected = {"id_number": head.id_number, "phone": head.phone, "tags": "低保户（因病致贫"}[field]
    assert expected in text
    look = SensitiveAccess.objects.get()
    assert (look.viewer, look.person, look.field, look.channel) == (cadre, head, field, "page")
    assert look.at is not None


@pytest.mark.parametrize("role", ["work_team", "council_member", "town_supervisor", "resident"])
def test_roles_that_do_not_need_sensitive_data_cannot_reveal_it(
    role, county, make_user, client_for
):
    """A work-team member, a council member, a supervisor, or the resident in their own home:
    the reveal is refused (403) on the page and in the API, and nothing is logged."""
    h = county.households_a[0]
    place = county.town_a if role == "town_supervisor" else county.village_a
    kw = {"household": h} if role == "resident" else {}
    c = client_for(make_user(role, place, **kw))
    for field in ("id_number", "phone", "tags"):
        r = c.post(f"/people/{h.head_id}/reveal/{field}/")
        assert r.status_code == 403
        assert h.head.phone not in r.content.decode()
        r = c.post(
            f"/api/v1/people/{h.head_id}/reveal", {"field": field}, content_type="application/json"
        )
        assert r.status_code == 403
    assert SensitiveAccess.objects.count() == 0


def test_the_api_masks_people_and_logs_a_reveal(county, cadre, cadre_client):
    """The API shows people masked; POST /api/v1/people/<id>/reveal unmasks one field for a role
    that needs it and logs the look with channel "api"; an unknown field is a 400."""
    head = county.households_a[0].head
    person = cadre_client.get(f"/api/v1/people/{head.pk}").json()
    assert person["id_number"] == f"{head.id_number[:3]}***********{head.id_number[-4:]}"
    assert person["phone"] == f"{head.phone[:3]}****{head.phone[-4:]}"
    detail = cadre_client.get(f"/api/v1/households/{head.household_id}").content.decode()
    assert head.id_number not in detail and head.phone not in detail and "dibao" not in detail
    r = cadre_client.post(
        f"/api/v1/people/{head.pk}/reveal", {"field": "phone"}, content_type="application/json"
    )
    assert r.status_code == 200
    assert r.json() == {"field": "phone", "value": head.phone}
    r = cadre_client.post(
        f"/api/v1/people/{head.pk}/reveal", {"field": "tags"}, content_type="application/json"
    )
    assert {t["tag"] for t in r.json()["value"]} == {"alone", "dibao"}
    looks = SensitiveAccess.objects.filter(viewer=cadre, person=head, channel="api")
    assert sorted(looks.values_list("field", flat=True)) == ["phone", "tags"]
    r = cadre_client.post(
        f"/api/v1/people/{head.pk}/reveal", {"field": "password"}, content_type="application/json"
    )
    assert r.status_code == 400
    assert looks.count() == 2


def test_filtering_by_a_sensitive_tag_is_a_logged_look(county, cadre, cadre_client):
    """Listing 低保户 reveals who is 低保: allowed to roles that may see it, and each household
    shown is logged — on the page and in the API alike."""
    h = county.households_a[0]
    text = cadre_client.get("/households/", {"tag": "dibao"}).content.decode()
    assert h.head.name in text and county.households_a[1].head.name not in text
    assert SensitiveAccess.objects.filter(viewer=cadre, person=h.head, field="tags").count() == 1
    items = cadre_client.get("/api/v1/households", {"tag": "dibao"}).json()["items"]
    assert [i["id"] for i in items] == [h.pk]
    assert SensitiveAccess.objects.filter(viewer=cadre, person=h.head, field="tags").count() == 2


def test_filtering_by_a_sensitive_tag_is_refused_to_other_roles(county, make_user, client_for):
    """A work-team member may not list 低保户: 403 on the page, nothing in the API, no log."""
    c = client_for(make_user("work_team", county.village_a))
    assert c.get("/households/", {"tag": "dibao"}).status_code == 403
    assert c.get("/api/v1/households", {"tag": "dibao"}).json()["items"] == []
    assert "独居户" in c.get("/households/", {"tag": "alone"}).content.decode()
    assert SensitiveAccess.objects.count() == 0
    assert re.search("王秀英", c.get("/households/", {"tag": "alone"}).content.decode())

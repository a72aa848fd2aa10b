"""Organisations with members, including joint committees spanning several villages."""

import pytest

from wugong.people.models import Membership, Organisation

pytestmark = pytest.mark.django_db


def test_cadre_sets_up_a_council_and_adds_a_member(county, make_user, client_for):
    """A residents' council (理事会) is set up in the village and a resident joins it."""
    cadre = make_user("village_cadre", county.village_a)
    c = client_for(cadre)
    c.post(
        f"/places/{county.village_a.pk}/organisations/",
        {"name": "双台村理事会", "kind": "council", "places": [county.village_a.pk]},
    )
    org = Organisation.objects.get(name="双台村理事会")
    head = county.households_a[0].head
    c.post(
        f"/places/{county.village_a.pk}/organisations/{org.pk}/join/",
        {"person": head.pk, "title": "理事长"},
    )
    assert Membership.objects.get(organisation=org, person=head).title == "理事长"
    assert "1 名成员" in c.get(f"/places/{county.village_a.pk}/organisations/").content.decode()


def test_joint_committee_spans_villages_only_within_the_cadres_scope(county, make_user, client_for):
    """A village cadre cannot make a joint committee reach a village outside their scope;
    nothing is created."""
    cadre = make_user("village_cadre", county.village_a)
    r = client_for(cadre).post(
        f"/places/{county.village_a.pk}/organisations/",
        {
            "name": "联合会",
            "kind": "joint_committee",
            "places": [county.village_a.pk, county.village_b.pk],
        },
        follow=True,
    )
    assert "不在您的管辖范围内" in r.content.decode()
    assert not Organisation.objects.filter(name="联合会").exists()


def test_member_out_of_scope_is_refused(county, make_user, client_for):
    """A cadre of 双台村 cannot enrol a 楼台村 resident in a council."""
    cadre = make_user("village_cadre", county.village_a)
    c = client_for(cadre)
    c.post(
        f"/places/{county.village_a.pk}/organisations/",
        {"name": "合作社", "kind": "cooperative", "places": [county.village_a.pk]},
    )
    org = Organisation.objects.get(name="合作社")
    r = c.post(
        f"/places/{county.village_a.pk}/organisations/{org.pk}/join/",
        {"person": county.households_b[0].head_id},
        follow=True,
    )
    assert "不在您的管辖范围内" in r.content.decode()
    assert not Membership.objects.filter(organisation=org).exists()


def test_resident_sees_organisations_but_cannot_create(county, make_user, client_for):
    """Residents see which organisations exist; setting one up is for cadres."""
    resident = make_user("resident", county.group_a1, household=county.households_a[1])
    c = client_for(resident)
    r = c.post(
        f"/places/{county.group_a1.pk}/organisations/",
        {"name": "x", "kind": "council", "places": [county.group_a1.pk]},
    )
    assert r.status_code == 403

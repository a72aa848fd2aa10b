"""Centre households (中心户) each look after about five neighbours."""

import pytest

from wugong.people.models import Household

pytestmark = pytest.mark.django_db


def test_cadre_designates_and_links_a_centre_household(county, make_user, client_for):
    """A household becomes a centre household; a neighbour in the same group is linked to it."""
    cadre = make_user("village_cadre", county.village_a)
    c = client_for(cadre)
    centre, neighbour = county.households_a[2], county.households_a[3]
    c.post(f"/households/{centre.pk}/centre/", {"action": "designate"})
    c.post(f"/households/{neighbour.pk}/centre/", {"centre": centre.pk})
    assert Household.objects.get(pk=neighbour.pk).centre_id == centre.pk


def test_centre_household_sees_its_neighbours_only(county, make_user, client_for):
    """The centre household's role reaches its own household and the ones linked to it."""
    centre = county.households_a[0]
    user = make_user("centre_household", county.group_a1, household=centre)
    c = client_for(user)
    assert c.get(f"/households/{county.households_a[1].pk}/").status_code == 200
    assert c.get(f"/households/{county.households_a[2].pk}/").status_code == 404


def test_a_household_cannot_be_its_own_centre_or_use_a_non_centre(county, make_user, client_for):
    """Linking to oneself or to a household that is not a centre household is refused."""
    cadre = make_user("village_cadre", county.village_a)
    c = client_for(cadre)
    h = county.households_a[3]
    body = c.post(
        f"/households/{h.pk}/centre/", {"centre": county.households_a[2].pk}, follow=True
    ).content.decode()
    assert "还不是中心户" in body
    assert Household.objects.get(pk=h.pk).centre_id is None


def test_centre_must_be_in_the_same_place(county, make_user, client_for):
    """A centre household in 一组 cannot look after a household in 二组."""
    cadre = make_user("village_cadre", county.village_a)
    c = client_for(cadre)
    body = c.post(
        f"/households/{county.households_a[2].pk}/centre/",
        {"centre": county.households_a[0].pk},
        follow=True,
    ).content.decode()
    assert "同一地点" in body

"""A vote prints as paper ballots and as a tally sheet, for the cadres who run it."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("method", ["motion", "approval", "stars"])
def test_cadre_prints_paper_ballots_and_a_tally_sheet(method, cadre_a, new_vote, client_for):
    """The vote page's cadre links give A4 PDFs (ballot with a QR code, tally sheet)."""
    vote = new_vote(cadre_a, method=method, **({"max_choices": 2} if method == "approval" else {}))
    c = client_for(cadre_a)
    page = c.get(f"/votes/{vote.pk}/").content.decode()
    assert f"/votes/{vote.pk}/ballot.pdf" in page and f"/votes/{vote.pk}/tally-sheet.pdf" in page
    for url in (f"/votes/{vote.pk}/ballot.pdf", f"/votes/{vote.pk}/tally-sheet.pdf"):
        r = c.get(url)
        assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
        body = b"".join(r.streaming_content) if r.streaming else r.content
        assert body.startswith(b"%PDF") and body.rstrip().endswith(b"%%EOF")


def test_cadre_of_another_village_cannot_print_them(cadre_a, cadre_b, new_vote, client_for):
    """Printing a village's ballots is for that village's cadres: another village's get no PDF."""
    vote = new_vote(cadre_a)
    c = client_for(cadre_b)
    for url in (f"/votes/{vote.pk}/ballot.pdf", f"/votes/{vote.pk}/tally-sheet.pdf"):
        assert c.get(url).status_code in (403, 404)


def test_a_resident_on_the_roll_cannot_print_ballots(
    county, new_vote, cadre_a, make_user, client_for
):
    """Residents vote; they do not print ballots."""
    vote = new_vote(cadre_a)
    resident = make_user("resident", county.group_a1, household=county.households_a[0])
    assert client_for(resident).get(f"/votes/{vote.pk}/ballot.pdf").status_code == 403

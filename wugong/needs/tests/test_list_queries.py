"""The list page and the API list cost the same few queries however many needs there are."""

import pytest

pytestmark = pytest.mark.django_db


def _fill(cast, raise_need, client_for, n):  # type: ignore[no-untyped-def]
    for i in range(n):
        need = raise_need(cast.resident_a, f"第{i}个问题：路灯")
        client_for(cast.resident_a2).post(f"/api/v1/needs/{need.pk}/support")


@pytest.mark.parametrize("n", [2, 12])
def test_list_page_query_count_is_pinned(
    cast, client_for, raise_need, django_assert_num_queries, n
):
    """Session, user, viewer (1), scope, count, page, place choices, unread count: 8 queries,
    with the "me too" counts, places, reporters and recorders of every row included."""
    _fill(cast, raise_need, client_for, n)
    client = client_for(cast.resident_a3)
    client.get("/needs/")  # warm the session
    with django_assert_num_queries(8):
        response = client.get("/needs/", {"q": "路灯", "category": "other"})
    assert response.content.decode().count("我也需要 · 1") == n


@pytest.mark.parametrize("n", [2, 12])
def test_api_list_query_count_is_pinned(cast, client_for, raise_need, django_assert_num_queries, n):
    """The API list: session, user, viewer (1), scope, count, page: 6 queries."""
    _fill(cast, raise_need, client_for, n)
    client = client_for(cast.resident_a3)
    with django_assert_num_queries(6):
        body = client.get("/api/v1/needs/").json()
    assert body["count"] == n and all(item["support_count"] == 1 for item in body["items"])

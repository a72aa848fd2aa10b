"""Fuzzing the JSON API from its own OpenAPI description (schemathesis, in-process over WSGI):
whatever a client sends, the API answers without a server error and with responses that
match the schema it publishes. Signed in as a village cadre (bearer token) of a small county.

Bounded: a few examples per operation, so the whole run stays well under a minute.
"""

import pytest

schemathesis = pytest.importorskip("schemathesis", reason="schemathesis is not installed")

from django.core import signals  # noqa: E402
from django.core.handlers.wsgi import WSGIHandler  # noqa: E402
from django.core.wsgi import get_wsgi_application  # noqa: E402
from django.db import close_old_connections  # noqa: E402
from hypothesis import HealthCheck, settings  # noqa: E402
from schemathesis.checks import not_a_server_error  # noqa: E402
from schemathesis.specs.openapi.checks import response_schema_conformance  # noqa: E402

EXAMPLES = 3
CHECKS = [not_a_server_error, response_schema_conformance]


@pytest.fixture(autouse=True)
def _requests_in_the_test_transaction(db, settings):  # type: ignore[no-untyped-def]
    """Requests run inside the test's transaction: connections are not closed between
    requests, as Django's test client arranges."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    # A handler built now, so its middleware reads the test settings (no https redirect).
    settings.SECURE_SSL_REDIRECT = False
    app.handler = WSGIHandler()
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def cadre_token(county, make_user) -> str:  # type: ignore[no-untyped-def]
    from wugong.people.signin import api_token_issue

    return api_token_issue(user=make_user("village_cadre", county.village_a))


# The schema is read from the app itself (no server; the OpenAPI view touches no table), over
# https because the production settings redirect plain http before the test settings apply.
class App:
    """The WSGI app schemathesis calls: Django's handler, replaced per test (see above)."""

    def __init__(self) -> None:
        self.handler = get_wsgi_application()

    def __call__(self, environ, start_response):  # type: ignore[no-untyped-def]
        return self.handler(environ, start_response)


app = App()
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app, base_url="https://localhost")


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_api_answers_every_request_within_its_schema(case, cadre_token):
    """No 5xx for any generated request, and every response conforms to the published
    schema (status codes and bodies)."""
    response = case.call_and_validate(
        headers={"Authorization": f"Bearer {cadre_token}"}, checks=CHECKS
    )
    assert response.status_code != 401, "the bearer token was not accepted"
    assert not 300 <= response.status_code < 400, "the API answered with a redirect"

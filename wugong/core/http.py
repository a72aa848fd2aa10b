"""Small helpers shared by views."""

from django.http import HttpRequest


def client_address(request: HttpRequest) -> str | None:
    """The client's address. Behind a proxy, set the proxy to overwrite REMOTE_ADDR
    (docs/deploy.md); X-Forwarded-For is not trusted here, since anyone can send it."""
    return request.META.get("REMOTE_ADDR") or None


def is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"

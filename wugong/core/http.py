"""Small helpers shared by views."""

from collections.abc import Callable

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from wugong.core.errors import DomainError


def client_address(request: HttpRequest) -> str | None:
    """The client's address. Behind a proxy, set the proxy to overwrite REMOTE_ADDR
    (docs/deploy.md); X-Forwarded-For is not trusted here, since anyone can send it."""
    return request.META.get("REMOTE_ADDR") or None


def is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def run_then_redirect(
    request: HttpRequest, action: Callable[[], object], *, ok: str, to: str, **kwargs: object
) -> HttpResponse:
    """Run one service call for a form button: a success message, or the domain error's own
    (Chinese) message, then back to the page ``to`` (a URL name with ``kwargs``)."""
    try:
        action()
    except DomainError as e:
        messages.error(request, str(e))
    else:
        messages.success(request, ok)
    return redirect(to, **kwargs)

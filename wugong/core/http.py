"""Small helpers shared by views."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect

from wugong.core.errors import DomainError, NotFound, PermissionDenied


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


def domain_pages(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """For signed-in pages: out of scope or missing → 404; a refused action → 403 (the message
    is the service's)."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except NotFound as e:
            raise Http404(str(e)) from e
        except PermissionDenied as e:
            raise DjangoPermissionDenied(str(e)) from e

    return login_required(wrapped)

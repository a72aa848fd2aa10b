"""Request middleware: the viewer (who is asking, with their scope) on every request."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.functional import SimpleLazyObject

from wugong.people.rules import viewer_for


class ViewerMiddleware:
    """Sets ``request.viewer``, built lazily from the signed-in user (one query when used)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.viewer = SimpleLazyObject(lambda: viewer_for(request.user))  # type: ignore[attr-defined]
        return self.get_response(request)

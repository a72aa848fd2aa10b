"""Times every request for the Prometheus metrics (wugong.core.metrics)."""

import time
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from wugong.core.metrics import request_observe


class MetricsMiddleware:
    """First in the chain, so the time includes every other middleware and static files.
    The view label is read after the response, once URL resolution has named the view."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        start = time.perf_counter()
        response = self.get_response(request)
        request_observe(request, response.status_code, time.perf_counter() - start)
        return response

from typing import Any

from django.http import HttpRequest

LARGE_TEXT_COOKIE = "wg_large_text"


def ui(request: HttpRequest) -> dict[str, Any]:
    """Display preferences every page needs: large-text high-contrast mode (长辈模式)."""
    return {
        "large_text": request.COOKIES.get(LARGE_TEXT_COOKIE) == "1",
        "viewer": getattr(request, "viewer", None),
    }

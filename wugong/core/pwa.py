"""The installable web app (PWA): the manifest, the service worker at the root scope, and the
offline page it shows when the network is down.

The service worker's source is ``wugong/static/wugong/sw.js``; it is served from ``/sw.js``
(not ``/static/…``) so that its scope is the whole site, preceded by one line naming the files
to precache and a version. The version is a hash of every static file's (hashed) name, so a
deploy that changes any static file changes the worker's bytes: phones install the new worker
and drop the old cache.
"""

import hashlib
import json
from functools import lru_cache

from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control

THEME_COLOUR = "#b3261e"  # site.css --accent
# What the offline page needs: it is shown with no network at all.
PRECACHE_STATIC = [
    "wugong/site.css",
    "vendor/htmx.min.js",
    "wugong/offline-drafts.js",
    "wugong/icons/icon-192.png",
]


@cache_control(max_age=86400, public=True)
def manifest(request: HttpRequest) -> HttpResponse:
    """The web app manifest: the site installs on a phone's home screen as 五共."""
    data = {
        "name": _("五共 共同缔造"),
        "short_name": _("五共"),
        "description": _("村（社区）居民和干部一起提需求、议事、表决、监督。"),
        "lang": "zh-Hans",
        "dir": "ltr",
        "start_url": "/",
        "scope": "/",
        "id": "/",
        "display": "standalone",
        "orientation": "portrait",
        "theme_color": THEME_COLOUR,
        "background_color": "#ffffff",
        "icons": [
            {
                "src": static(f"wugong/icons/icon-{size}.png"),
                "sizes": f"{size}x{size}",
                "type": "image/png",
                "purpose": "any maskable",
            }
            for size in (192, 512)
        ],
    }
    return JsonResponse(
        data,
        content_type="application/manifest+json",
        json_dumps_params={"ensure_ascii": False},
    )


@lru_cache(maxsize=1)
def static_version() -> str:
    """A short hash of all static files: their hashed names in production (the manifest of
    ManifestStaticFilesStorage), their contents when developing."""
    digest = hashlib.sha256()
    hashed = getattr(staticfiles_storage, "hashed_files", None)
    if hashed:
        for name, hashed_name in sorted(hashed.items()):
            digest.update(f"{name}={hashed_name}\n".encode())
    else:
        for finder in finders.get_finders():
            for path, storage in sorted(finder.list([]), key=lambda item: item[0]):
                digest.update(path.encode())
                with storage.open(path) as fh:
                    digest.update(hashlib.sha256(fh.read()).digest())
    return digest.hexdigest()[:16]


@lru_cache(maxsize=1)
def _worker_source() -> str:
    path = finders.find("wugong/sw.js")
    assert path, "wugong/static/wugong/sw.js is missing"
    with open(path, encoding="utf-8") as fh:
        return fh.read()


def service_worker(request: HttpRequest) -> HttpResponse:
    """``/sw.js``: the service worker, with its precache list and version."""
    config = {
        "version": static_version(),
        "offline": reverse("core:offline"),
        "static": settings.STATIC_URL
        if settings.STATIC_URL.startswith("/")
        else "/" + settings.STATIC_URL,
        "precache": [reverse("core:offline")] + [static(name) for name in PRECACHE_STATIC],
    }
    body = f"const WUGONG_SW = {json.dumps(config)};\n{_worker_source()}"
    response = HttpResponse(body, content_type="text/javascript; charset=utf-8")
    # Browsers check for a new worker on navigation; never serve them a stale one.
    response["Cache-Control"] = "no-cache"
    return response


def offline(request: HttpRequest) -> HttpResponse:
    """The page shown when there is no network; lists the drafts kept on the phone. The
    service worker caches it at install, so it must not depend on who is signed in."""
    response = render(request, "core/offline.html", {"offline_page": True})
    response["Cache-Control"] = "no-cache"
    return response

"""The installable web app: manifest, icons, the service worker at the root scope with a
version that follows the static files, and the offline page."""

import json
import re

import pytest
from django.contrib.staticfiles import finders
from PIL import Image

from wugong.core import pwa

pytestmark = pytest.mark.django_db


def test_manifest_makes_the_site_installable(client):
    response = client.get("/manifest.webmanifest")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/manifest+json"
    data = json.loads(response.content)
    assert data["short_name"] == "五共" and data["name"].startswith("五共")
    assert data["lang"] == "zh-Hans" and data["start_url"] == "/"
    assert data["display"] == "standalone" and data["theme_color"].startswith("#")
    sizes = {}
    for icon in data["icons"]:
        assert icon["type"] == "image/png"
        path = finders.find(icon["src"].removeprefix("/static/"))
        assert path, icon
        with Image.open(path) as image:
            sizes[icon["sizes"]] = image.size
    assert sizes == {"192x192": (192, 192), "512x512": (512, 512)}


def test_every_page_links_the_manifest_and_loads_the_worker_script_without_inline_js(
    client, county, make_user, client_for
):
    for c in (client, client_for(make_user("resident", county.group_a1))):
        html = c.get("/").content.decode()
        assert '<link rel="manifest" href="/manifest.webmanifest">' in html
        assert re.search(r'<script src="/static/wugong/offline-drafts\.js" defer', html)
        assert 'data-sw="/sw.js"' in html
        # CSP: every script is a file.
        assert all("src=" in tag for tag in re.findall(r"<script\b[^>]*>", html))


def test_service_worker_is_served_from_the_root_with_its_precache_list(client):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert response["Cache-Control"] == "no-cache"
    body = response.content.decode()
    first, rest = body.split("\n", 1)
    config = json.loads(first.removeprefix("const WUGONG_SW = ").removesuffix(";"))
    assert config["offline"] == "/offline/" and "/offline/" in config["precache"]
    assert "/static/wugong/site.css" in config["precache"]
    assert "/static/wugong/offline-drafts.js" in config["precache"]
    assert re.fullmatch(r"[0-9a-f]{16}", config["version"])
    assert 'addEventListener("fetch"' in rest


def test_worker_version_changes_when_a_static_file_changes(settings, tmp_path):
    (tmp_path / "extra.css").write_text("a { color: red }")
    settings.STATICFILES_DIRS = [*settings.STATICFILES_DIRS, tmp_path]
    finders.get_finder.cache_clear()
    pwa.static_version.cache_clear()
    try:
        before = pwa.static_version()
        (tmp_path / "extra.css").write_text("a { color: blue }")
        pwa.static_version.cache_clear()
        assert pwa.static_version() != before
    finally:
        finders.get_finder.cache_clear()
        pwa.static_version.cache_clear()


def test_offline_page(client):
    response = client.get("/offline/")
    assert response.status_code == 200 and "网络不通" in response.content.decode()

"""Page weight on first load (issue: production, scale and hardening): the home page and a vote
page, everything a phone downloads with an empty cache — the HTML and every stylesheet,
script, image, icon, manifest and font it refers to (also url(...) inside stylesheets) —
compressed as served: static files by the app (whitenoise's pre-compressed gzip), the
HTML by nginx's gzip (deploy/nginx.conf: `gzip on`, level 1 by default).

    .venv/bin/python bench/bench_pageweight.py

Prints one figure per line, in bytes, and each page's total in KB. Target: under 150 KB each.
"""

import gzip
import re
import sys
import urllib.request
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin

sys.path.insert(0, str(Path(__file__).resolve().parent))

from county_bench import county, residents
from serverproc import Server

PORT = 8795
BASE = f"http://127.0.0.1:{PORT}"


class _Refs(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.refs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "link" and a.get("href") and a.get("rel") not in {"canonical", "alternate"}:
            self.refs.append(a["href"] or "")
        elif tag in {"script", "img", "source"} and a.get("src"):
            self.refs.append(a["src"] or "")


def _get(url: str, cookie: str = "") -> tuple[bytes, str, str]:
    headers = {"Accept-Encoding": "gzip", "User-Agent": "Mozilla/5.0 (Linux; Android 10)"}
    if cookie:
        headers["Cookie"] = cookie
    with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=30) as r:
        return r.read(), r.headers.get("Content-Encoding", ""), r.headers.get("Content-Type", "")


def page_weight(path: str, cookie: str = "") -> dict[str, int]:
    html, encoding, _ = _get(BASE + path, cookie)
    sizes = {path: len(html) if encoding else len(gzip.compress(html, compresslevel=1))}
    parser = _Refs()
    parser.feed(html.decode("utf-8", "replace"))
    queue = [urljoin(BASE + path, ref) for ref in parser.refs]
    seen: set[str] = set()
    while queue:
        url = queue.pop()
        if url in seen or not url.startswith(BASE):
            continue
        seen.add(url)
        body, encoding, ctype = _get(url)
        sizes[url.removeprefix(BASE)] = len(body)
        if "css" in ctype:
            text = (gzip.decompress(body) if encoding == "gzip" else body).decode("utf-8", "ignore")
            for ref in re.findall(r"url\(['\"]?([^'\")]+)['\"]?\)", text):
                if not ref.startswith("data:"):
                    queue.append(urljoin(url, ref))
    return sizes


def main() -> None:
    try:
        env, setup = county()
    except Exception as e:
        print(f"postgresql_unavailable {type(e).__name__}")
        return
    who = residents(setup)[0]
    with Server(env, PORT, workers=1, threads=4):
        for name, path, cookie in [
            ("home", "/", ""),
            ("vote", f"/votes/{who['vote']}/", f"sessionid={who['session']}"),
        ]:
            sizes = page_weight(path, cookie)
            for item, size in sorted(sizes.items()):
                print(f"pageweight_{name}_bytes[{item}] {size}")
            print(f"pageweight_{name}_total_kb {sum(sizes.values()) / 1024:.1f}")


if __name__ == "__main__":
    main()

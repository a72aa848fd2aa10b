"""Several nodes as one: two `wugong serve` processes and one `wugong worker` on one PostgreSQL
database behave as a single site — a session made on one node works on the other, a write on
one is read on the other, and a task queued by either node runs exactly once."""

import datetime as dt
import http.client
import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
WUGONG = str(Path(sys.executable).with_name("wugong"))
DATABASE_URL = os.environ.get("DATABASE_URL", "")

pytestmark = [
    pytest.mark.postgres,
    # Only so that pytest-django makes the test database, whose empty copy the nodes use.
    pytest.mark.django_db,
    pytest.mark.skipif(
        not DATABASE_URL.startswith(("postgres://", "postgresql://")),
        reason="several nodes share one PostgreSQL: set DATABASE_URL to a PostgreSQL server",
    ),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Node:
    port: int
    cookies: dict[str, str] = field(default_factory=dict)

    def request(
        self,
        method: str,
        path: str,
        body: bytes = b"",
        headers: dict[str, str] | None = None,
        cookies: dict[str, str] | None = None,
    ) -> tuple[int, dict[str, str], str]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=20)
        sent = {"Host": f"127.0.0.1:{self.port}", **(headers or {})}
        if cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
        conn.request(method, path, body=body, headers=sent)
        r = conn.getresponse()
        text = r.read().decode("utf-8", "replace")
        got = {}
        for name, value in r.getheaders():
            if name.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                got[key] = rest.split(";", 1)[0]
        conn.close()
        return r.status, got, text

    def api(self, method: str, path: str, token: str, payload: object = None) -> tuple[int, dict]:
        body = json.dumps(payload).encode() if payload is not None else b""
        status, _, text = self.request(
            method,
            f"/api/v1{path}",
            body,
            {"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        )
        return status, json.loads(text) if text else {}


def _wugong(args: list[str], env: dict[str, str], timeout: int = 120) -> str:
    done = subprocess.run(
        [WUGONG, *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=timeout
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


@pytest.fixture(scope="module")
def database(django_db_setup, django_db_blocker) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """A fresh database, wugong_multinode_<pid>: a copy of the migrated, empty test database
    (the same schema `wugong migrate` makes, in a second instead of half a minute); dropped
    after."""
    from django.db import connection, connections

    name = f"wugong_multinode_{os.getpid()}"
    with django_db_blocker.unblock():
        source = connection.settings_dict["NAME"]
        connections.close_all()
        with connection._nodb_cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            cursor.execute(f'CREATE DATABASE "{name}" TEMPLATE "{source}"')
    url = urllib.parse.urlsplit(DATABASE_URL)
    try:
        yield urllib.parse.urlunsplit(url._replace(path=f"/{name}"))
    finally:
        with django_db_blocker.unblock(), connection._nodb_cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="module")
def cluster(database, tmp_path_factory) -> Iterator[tuple[Node, Node, dict, dict]]:  # type: ignore[no-untyped-def]
    """Nodes A and B (one worker process each) and one task worker, sharing the database, the
    secret key and the data directory; the instance made by setup_instance.py."""
    data_dir = tmp_path_factory.mktemp("multinode")
    env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "REDIS_URL"}}
    env.update(
        DATABASE_URL=database,
        WUGONG_DATA_DIR=str(data_dir),
        SECRET_KEY="multinode-test-secret-key-0123456789abcdefghijklmnopqrstuvwxyz",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SECURE_COOKIES="0",
        SECURE_SSL_REDIRECT="0",
        SECURE_HSTS_SECONDS="0",
        LOG_LEVEL="WARNING",
        CONN_MAX_AGE="0",
        TASKS_BACKEND="django_tasks_db.DatabaseBackend",
    )
    script = (Path(__file__).with_name("setup_instance.py")).read_text()
    instance = json.loads(_wugong(["shell", "-c", script], env).strip().splitlines()[-1])
    _wugong(["collectstatic", "--noinput", "-v0"], env)
    nodes = [Node(_free_port()), Node(_free_port())]
    procs = []
    try:
        for node in nodes:
            args = ["serve", "--bind", f"127.0.0.1:{node.port}", "--workers", "1"]
            procs.append(_start([*args, "--threads", "2", "--no-collectstatic"], env, data_dir))
        procs.append(_start(["worker", "--interval", "0.2"], env, data_dir))
        for node in nodes:
            _wait_ready(node, procs)
        yield nodes[0], nodes[1], instance, env
    finally:
        for p in procs:
            if p.poll() is None:
                os.killpg(p.pid, 15)
        for p in procs:
            try:
                p.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, 9)


def _start(args: list[str], env: dict[str, str], data_dir: Path) -> subprocess.Popen[bytes]:
    log = open(data_dir / f"{args[0]}-{len(list(data_dir.glob('*.log')))}.log", "wb")  # noqa: SIM115
    return subprocess.Popen(
        [WUGONG, *args], env=env, cwd=ROOT, stdout=log, stderr=log, start_new_session=True
    )


def _wait_ready(node: Node, procs: list[subprocess.Popen[bytes]]) -> None:
    deadline = time.monotonic() + 45
    while time.monotonic() < deadline:
        assert all(p.poll() is None for p in procs), "a node or the worker exited"
        try:
            if node.request("GET", "/readyz")[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"node on port {node.port} did not become ready")


def test_session_made_on_one_node_works_on_the_other(cluster):
    """A cadre signs in on node A; the same cookie opens the households page on node B, which
    sends a visitor without it to sign in."""
    a, b, instance, _ = cluster
    status, cookies, page = a.request("GET", "/sign-in/staff/")
    assert status == 200
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    form = urllib.parse.urlencode(
        {
            "csrfmiddlewaretoken": token,
            "username": instance["cadre"],
            "password": "multinode-pass-2026",
        }
    ).encode()
    status, signed, _ = a.request(
        "POST",
        "/sign-in/staff/",
        form,
        {"Content-Type": "application/x-www-form-urlencoded"},
        cookies=cookies,
    )
    assert status == 302 and "sessionid" in signed
    session = {**cookies, **signed}
    status, _, page = b.request("GET", "/households/", cookies=session)
    assert status == 200 and "一组1号" in page
    status, _, _ = b.request("GET", "/households/")
    assert status == 302


def test_write_on_one_node_is_read_on_the_other(cluster):
    """A vote drafted on node A is opened on node B; a resident casts on A, another on B; each
    node reads both ballots at once (the roll shows two votes cast)."""
    a, b, instance, _ = cluster
    cadre = instance["cadre_token"]
    now = dt.datetime.now(dt.UTC)
    status, vote = a.api(
        "POST",
        "/votes/",
        cadre,
        {
            "place_id": instance["village"],
            "title": "修建村口小广场",
            "method": "motion",
            "unit": "household",
            "opens_at": (now - dt.timedelta(minutes=1)).isoformat(),
            "closes_at": (now + dt.timedelta(days=1)).isoformat(),
        },
    )
    assert status == 201, vote
    status, opened = b.api("POST", f"/votes/{vote['id']}/open", cadre)
    assert status == 200 and opened["status"] == "open", opened
    for node, resident in zip((a, b), instance["residents"], strict=True):
        status, detail = node.api("GET", f"/votes/{vote['id']}", resident["token"])
        assert status == 200 and detail["on_roll"], detail
        choice = next(o["id"] for o in detail["options"] if o["code"] == "for")
        status, cast = node.api(
            "POST", f"/votes/{vote['id']}/cast", resident["token"], {"choices": {choice: 1}}
        )
        assert status == 200 and cast["created"], cast
    for node, resident in zip((b, a), instance["residents"], strict=True):
        status, detail = node.api("GET", f"/votes/{vote['id']}", resident["token"])
        assert detail["voted"], detail  # cast on the other node
    for node in (a, b):
        status, roll = node.api("GET", f"/votes/{vote['id']}/roll", cadre)
        entries = roll["items"] if isinstance(roll, dict) else roll  # paginated or not
        assert status == 200 and sum(e["voted"] for e in entries) == 2, roll


def test_task_queued_by_either_node_runs_exactly_once(cluster):
    """probe_task queued from each node's process (one key each) runs once: one row per key,
    and every task result SUCCESSFUL, with the single worker."""
    _, _, _, env = cluster
    keys = [f"node-a-{os.getpid()}", f"node-b-{os.getpid()}"]
    for key in keys:
        enqueue = f"from wugong.core.tasks import probe_task; probe_task.enqueue({key!r})"
        _wugong(["shell", "-c", enqueue], env)
    check = (
        "import json; from wugong.core.models import LoadProbe; "
        "from django_tasks_db.models import DBTaskResult; "
        "print(json.dumps({'rows': sorted(LoadProbe.objects.values_list('key', flat=True)), "
        "'results': sorted(DBTaskResult.objects.filter(task_path__endswith='probe_task')"
        ".values_list('status', flat=True))}))"
    )
    deadline = time.monotonic() + 30
    while True:
        seen = json.loads(_wugong(["shell", "-c", check], env).strip().splitlines()[-1])
        if seen["results"] == ["SUCCESSFUL", "SUCCESSFUL"] or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert seen["results"] == ["SUCCESSFUL", "SUCCESSFUL"], seen
    assert seen["rows"] == sorted(f"task:{k}" for k in keys), seen

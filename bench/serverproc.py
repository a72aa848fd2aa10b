"""Start and stop the production server (`wugong serve`) for a benchmark run."""

import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WUGONG = str(Path(sys.executable).with_name("wugong"))


def pg_database(name: str, *, fresh: bool) -> str:
    """A PostgreSQL database URL on the local server; dropped and re-created if ``fresh``."""
    import psycopg

    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as c:
        exists = c.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if exists and fresh:
            c.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            exists = None
        if not exists:
            c.execute(f'CREATE DATABASE "{name}"')
    return f"postgres://postgres@127.0.0.1:5432/{name}"


def wugong(args: list[str], env: dict[str, str]) -> None:
    subprocess.run([WUGONG, *args], env=env, check=True, cwd=ROOT, stdout=subprocess.DEVNULL)


class Server:
    """`wugong serve` in a subprocess, waited on until /healthz answers."""

    def __init__(self, env: dict[str, str], port: int, workers: int, threads: int):
        self.env, self.port = env, port
        self.args = [
            "serve",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--threads",
            str(threads),
        ]
        self.proc: subprocess.Popen[bytes] | None = None
        # The server's log goes to a file: an unread pipe would block it once full.
        self.log = Path(env.get("WUGONG_DATA_DIR", "/tmp")) / f"server-{port}.log"
        self.log.parent.mkdir(parents=True, exist_ok=True)

    def __enter__(self) -> "Server":
        self.proc = subprocess.Popen(
            [WUGONG, *self.args],
            env=self.env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=self.log.open("w"),
            start_new_session=True,
        )
        # The first start collects and compresses static files, which takes a while.
        deadline = time.time() + 240
        while time.time() < deadline:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=1)
                return self
            except OSError:
                time.sleep(0.3)
        self.__exit__()
        raise RuntimeError(f"server did not start: {self.log.read_text()[-2000:]}")

    def __exit__(self, *exc: object) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, 15)
            self.proc.wait(timeout=20)


def bench_env(database_url: str, data_dir: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DEBUG"}}
    env.update(
        DATABASE_URL=database_url,
        WUGONG_DATA_DIR=data_dir,
        ALLOWED_HOSTS="127.0.0.1,localhost",
        WUGONG_BENCH_ENDPOINTS="1",
        SECRET_KEY="bench-only-secret-key-not-for-production-use-0123456789abcdef",
        LOG_LEVEL="WARNING",
        SECURE_COOKIES="0",
        SECURE_HSTS_SECONDS="0",
        SECURE_SSL_REDIRECT="0",  # plain HTTP on loopback
    )
    return env

"""A small asyncio HTTP/1.1 load client for the benchmarks: N requests over C keep-alive
connections, each request built by a function, latencies recorded exactly (no sampling).

wrk measures for a fixed duration; the benchmarks here need "exactly N requests, then stop"
(10,000 ballots, each from a different voter), so they use this client instead.
"""

import asyncio
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    kind: str = ""  # for figures per kind of request in a mixed load


@dataclass
class LoadResult:
    requests: int
    seconds: float
    latencies_ms: list[float]
    statuses: dict[int, int]
    by_kind: dict[str, list[float]] = field(default_factory=dict)
    errors_by_kind: dict[str, int] = field(default_factory=dict)

    @property
    def throughput(self) -> float:
        return self.requests / self.seconds

    def percentile(self, p: float) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]

    @property
    def p50(self) -> float:
        return statistics.median(self.latencies_ms)

    @property
    def p99(self) -> float:
        return self.percentile(99)

    @property
    def errors(self) -> int:
        return sum(n for status, n in self.statuses.items() if status >= 400)


async def _read_response(reader: asyncio.StreamReader) -> int:
    status_line = await reader.readline()
    if not status_line:
        raise ConnectionError("server closed the connection")
    status = int(status_line.split()[1])
    length = 0
    chunked = False
    while True:
        line = await reader.readline()
        if line in (b"\r\n", b"\n", b""):
            break
        name, _, value = line.decode("latin-1").partition(":")
        if name.lower() == "content-length":
            length = int(value.strip())
        elif name.lower() == "transfer-encoding" and "chunked" in value.lower():
            chunked = True
    if chunked:
        while True:
            size = int((await reader.readline()).strip(), 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    elif length:
        await reader.readexactly(length)
    return status


async def _worker(
    host: str, port: int, queue: "asyncio.Queue[Request]", result: LoadResult
) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    while True:
        try:
            req = queue.get_nowait()
        except asyncio.QueueEmpty:
            break
        head = [
            f"{req.method} {req.path} HTTP/1.1",
            f"Host: {host}:{port}",
            "Connection: keep-alive",
            f"Content-Length: {len(req.body)}",
        ]
        head += [f"{k}: {v}" for k, v in req.headers.items()]
        started = time.perf_counter()
        writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + req.body)
        try:
            status = await _read_response(reader)
        except (ConnectionError, asyncio.IncompleteReadError):
            status = 599
            writer.close()
            reader, writer = await asyncio.open_connection(host, port)
        _record(result, req, status, (time.perf_counter() - started) * 1000)
    writer.close()


def _record(result: LoadResult, req: Request, status: int, ms: float) -> None:
    result.latencies_ms.append(ms)
    result.statuses[status] = result.statuses.get(status, 0) + 1
    if req.kind:
        result.by_kind.setdefault(req.kind, []).append(ms)
        if status >= 400:
            result.errors_by_kind[req.kind] = result.errors_by_kind.get(req.kind, 0) + 1


def run_load(host: str, port: int, requests: list[Request], concurrency: int) -> LoadResult:
    """Send every request once, ``concurrency`` at a time; return exact figures."""

    async def main() -> LoadResult:
        queue: asyncio.Queue[Request] = asyncio.Queue()
        for r in requests:
            queue.put_nowait(r)
        result = LoadResult(requests=len(requests), seconds=0.0, latencies_ms=[], statuses={})
        started = time.perf_counter()
        await asyncio.gather(*(_worker(host, port, queue, result) for _ in range(concurrency)))
        result.seconds = time.perf_counter() - started
        return result

    return asyncio.run(main())


def build(n: int, make: Callable[[int], Request]) -> list[Request]:
    return [make(i) for i in range(n)]


def run_for(
    host: str, port: int, make: Callable[[int], Request], concurrency: int, seconds: float
) -> LoadResult:
    """Keep ``concurrency`` users busy for ``seconds``: each sends its next request (the i-th
    overall is ``make(i)``) as soon as its previous answer is in. Returns exact figures."""

    async def user(deadline: float, counter: list[int], result: LoadResult) -> None:
        reader, writer = await asyncio.open_connection(host, port)
        while time.perf_counter() < deadline:
            counter[0] += 1
            req = make(counter[0])
            head = [
                f"{req.method} {req.path} HTTP/1.1",
                f"Host: {host}:{port}",
                "Connection: keep-alive",
                f"Content-Length: {len(req.body)}",
            ]
            head += [f"{k}: {v}" for k, v in req.headers.items()]
            started = time.perf_counter()
            writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + req.body)
            try:
                status = await _read_response(reader)
            except (ConnectionError, asyncio.IncompleteReadError):
                status = 599
                writer.close()
                reader, writer = await asyncio.open_connection(host, port)
            _record(result, req, status, (time.perf_counter() - started) * 1000)
        writer.close()

    async def main() -> LoadResult:
        result = LoadResult(requests=0, seconds=0.0, latencies_ms=[], statuses={})
        started = time.perf_counter()
        counter = [0]
        await asyncio.gather(
            *(user(started + seconds, counter, result) for _ in range(concurrency))
        )
        result.seconds = time.perf_counter() - started
        result.requests = len(result.latencies_ms)
        return result

    return asyncio.run(main())

"""A local SSB for tests: PxWebApi v2 and v1 and KLASS over real HTTP on 127.0.0.1.

:class:`ReplayServer` answers from the recorded real data in ``shared/ssb-data``
(:mod:`k2020proj.testing.replay_tables`), shaped as SSB serves it (PxAPI-2.yml),
and misbehaves on demand so the client's fault handling can be tested against
real sockets::

    with ReplayServer(ssb_data) as server:
        server.inject("429", retry_after=0.05)           # next call: Too Many Requests
        server.inject("503", times=2, path="/data")      # two data calls fail
        client = SSBClient(urls=server.urls)

Faults: ``"429"`` (``retry_after`` seconds), ``"500"``, ``"503"``, ``"slow"``
(``delay`` seconds before answering), ``"truncate"`` (half the body, then the
connection closes), ``"malformed"`` (200 with broken JSON), ``"content_type"``
(200 with an HTML maintenance page). Limits as ``/config`` states them are
enforced (403 over ``max_cells``; 429 when more than ``max_calls`` arrive within
``window`` seconds), GET URLs over 2000 characters get the web server's generic
404 page, and every call is recorded so :meth:`ReplayServer.calls_in_window`
can prove the client kept the limit.
"""
from __future__ import annotations

import bisect
import json
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Mapping
from urllib.parse import parse_qsl, urlsplit

from k2020proj.testing.replay_data import Reply, ServedTable, problem
from k2020proj.testing.replay_tables import ReplayData
from k2020proj.testing.replay_routes import KLASS, V1, V2, dispatch

MAX_URL = 2000
FAULTS = ("429", "500", "503", "slow", "truncate", "malformed", "content_type")
MAINTENANCE_PAGE = b"<html><body><h1>Statistikkbanken er midlertidig utilgjengelig</h1></body></html>"


@dataclass
class Fault:
    kind: str
    times: int
    path: str | None
    options: dict


@dataclass
class Call:
    """One request as it arrived."""

    at: float
    method: str
    path: str
    status: int = 0


@dataclass
class Limits:
    max_cells: int = 800_000
    max_calls: int = 10_000
    window: float = 1.0


class ReplayServer:
    """Context manager running the replay HTTP server in a daemon thread."""

    def __init__(self, ssb_data: Path | None = None, tables: Mapping[str, ServedTable] | None = None,
                 **limits: float):
        self.data = ReplayData(ssb_data, tables)
        self._initial = Limits(**limits)
        self.limits = Limits(**limits)
        self.calls: list[Call] = []
        self._faults: list[Fault] = []
        self._lock = threading.Lock()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- life cycle -----------------------------------------------------------------
    def start(self) -> "ReplayServer":
        handler = type("Handler", (_Handler,), {"replay": self})
        self._httpd = _QuietServer(("127.0.0.1", 0), handler)
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="replay-server", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def __enter__(self) -> "ReplayServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- addresses ----------------------------------------------------------------
    @property
    def base(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def url_v2(self) -> str:
        return self.base + V2

    @property
    def url_v1(self) -> str:
        return self.base + V1

    @property
    def url_klass(self) -> str:
        return self.base + KLASS

    @property
    def urls(self) -> dict[str, str]:
        """The three base URLs in the shape ``SSBClient(urls=...)`` takes."""
        return {"v2": self.url_v2, "v1": self.url_v1, "klass": self.url_klass}

    # -- test controls ----------------------------------------------------------------
    def inject(self, fault: str, times: int = 1, path: str | None = None, **options) -> None:
        """Misbehave on the next ``times`` calls (whose path contains ``path``, if given)."""
        if fault not in FAULTS:
            raise ValueError(f"unknown fault {fault!r}; choose from {', '.join(FAULTS)}")
        with self._lock:
            self._faults.append(Fault(fault, times, path, options))

    def configure(self, **limits: float) -> None:
        """Change what ``/config`` announces and the server enforces."""
        with self._lock:
            for name, value in limits.items():
                setattr(self.limits, name, type(getattr(self.limits, name))(value))

    def reset(self) -> None:
        """Forget calls and pending faults; back to the limits given at start."""
        with self._lock:
            self.calls.clear()
            self._faults.clear()
            self.limits = Limits(**vars(self._initial))

    def calls_in_window(self, seconds: float, path: str | None = None) -> int:
        """Most calls that arrived within any ``seconds``-long window."""
        with self._lock:
            times = sorted(c.at for c in self.calls if path is None or path in c.path)
        return max((bisect.bisect_left(times, t + seconds) - i for i, t in enumerate(times)), default=0)

    def statuses(self) -> list[int]:
        with self._lock:
            return [c.status for c in self.calls]

    # -- used by the handler ---------------------------------------------------------------
    def arrive(self, method: str, path: str) -> tuple[Call, Fault | None, bool]:
        """Record a call; the fault to apply and whether the call limit is exceeded."""
        now = time.monotonic()
        with self._lock:
            call = Call(now, method, path)
            self.calls.append(call)
            recent = sum(1 for c in self.calls if c.at > now - self.limits.window)
            fault = next((f for f in self._faults if f.path is None or f.path in path), None)
            if fault is not None:
                fault.times -= 1
                if fault.times <= 0:
                    self._faults.remove(fault)
            return call, fault, recent > self.limits.max_calls


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address) -> None:  # clients that hang up are normal here
        pass


def _query(path: str) -> tuple[str, dict[str, str]]:
    parts = urlsplit(path)
    return parts.path.rstrip("/"), dict(parse_qsl(parts.query, keep_blank_values=True))


class _Handler(BaseHTTPRequestHandler):
    replay: ReplayServer
    server_version = "ReplaySSB/1.0"

    def log_message(self, format, *args) -> None:
        pass

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def _handle(self, method: str) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0)) if method == "POST" else b""
        call, fault, over = self.replay.arrive(method, self.path)
        try:
            reply = self._route(method, body, over)
        except Reply as answer:
            reply = answer
        self._send(call, reply, fault)

    def _route(self, method: str, body: bytes, over_limit: bool) -> Reply:
        if len(self.path) > MAX_URL:
            raise Reply(404, b"<html><body>404 - File or directory not found.</body></html>", "text/html")
        if over_limit:
            limits = self.replay.limits
            raise problem(429, "Too many requests", f"You have reached the threshold for request "
                          f"limiting: {limits.max_calls} requests per {limits.window:g} seconds",
                          {"Retry-After": f"{limits.window:g}"})
        path, params = _query(self.path)
        return dispatch(self.replay.data, self.replay.limits, method, path, params, body)

    def _send(self, call: Call, reply: Reply, fault: Fault | None) -> None:
        """Write the reply, or the injected fault instead; the call records the status
        before the first byte goes out, so a client that has its answer sees it recorded."""
        status, ctype, headers = reply.status, reply.ctype, dict(reply.headers)
        payload = reply.body if isinstance(reply.body, bytes) else json.dumps(
            reply.body, ensure_ascii=False).encode("utf-8")
        cut = None
        if fault is not None:
            status, ctype, payload, cut, extra = _apply(fault, status, ctype, payload)
            headers.update(extra)
        call.status = status
        try:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(payload)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(payload[:cut] if cut is not None else payload)
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            pass
        self.close_connection = True


def _apply(fault: Fault, status: int, ctype: str, payload: bytes):
    """What an injected fault turns a good reply into: status, type, body, cut, headers."""
    options = fault.options
    if fault.kind == "429":
        detail = problem(429, "Too many requests", "You have reached the threshold for request limiting")
        wait = options.get("retry_after")
        headers = {"Retry-After": f"{wait:g}"} if wait is not None else {}
        return 429, "application/problem+json", json.dumps(detail.body).encode(), None, headers
    if fault.kind in ("500", "503"):
        detail = problem(int(fault.kind), "Service unavailable", "The service is down for maintenance")
        return int(fault.kind), "application/problem+json", json.dumps(detail.body).encode(), None, {}
    if fault.kind == "slow":
        time.sleep(options.get("delay", 1.0))
        return status, ctype, payload, None, {}
    if fault.kind == "truncate":
        return status, ctype, payload, max(1, len(payload) // 2), {}
    if fault.kind == "malformed":
        return 200, "application/json; charset=utf-8", payload[: max(1, len(payload) // 2)] + b"}}", None, {}
    return 200, "text/html; charset=utf-8", MAINTENANCE_PAGE, None, {}


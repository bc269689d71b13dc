"""A real HTTP server on 127.0.0.1 for the network tests and the links benchmark.

Routes: /ok, redirect chains (/r301 -> /ok, /r302 -> /r308 -> /ok), /loop-a <-> /loop-b, /missing
(404), /no-head (405 on HEAD, 200 on GET), /rate-limited (429 with Retry-After once, then 200),
/flaky (500 once, then 200), /always-500, /slow (answers after SLOW seconds), /reset (closes the
connection without answering), /hang (never answers), /latency/<n> (200 after LATENCY seconds),
and a fake Hub API under /api/models/... and /api/datasets/...

Hostile ones: /always-429 (429, Retry-After: 0), /slow-down (429, Retry-After: 120),
/bad-retry-after (429, Retry-After: ²), /bad-gzip (a gzip body that is not gzip), /bad-location
(a Location that is not a URL), /huge/... (claims 2 GB and streams spaces until the client
leaves), /endless/... (the same without a length), /drip/... (a JSON answer one byte every 0.3 s), /hop/<port>/<path> (302 to the same
path on 127.0.0.1:<port>), and /api/models/org/gated-model (401 without an Authorization header).
"""

from __future__ import annotations

import itertools
import json
import socket
import ssl
import struct
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

# Shapes recorded from the Hub API (fields trimmed to what llmcat reads).
HUB: dict[str, dict[str, Any]] = {
    "/api/models/org/good-model": {
        "id": "org/good-model",
        "gated": False,
        "disabled": False,
        "private": False,
        "tags": ["transformers", "pytorch", "en", "zh", "license:apache-2.0"],
        "cardData": {"license": "apache-2.0", "language": ["en", "zh"]},
    },
    "/api/models/org/drifted-model": {
        "id": "org/drifted-model",
        "gated": "manual",
        "disabled": False,
        "private": False,
        "tags": ["transformers", "en", "fr", "license:cc-by-nc-4.0", "base_model:org/other-base"],
        "cardData": {"license": "cc-by-nc-4.0", "language": ["en", "fr"], "base_model": "org/other-base"},
    },
    "/api/datasets/org/good-data": {
        "id": "org/good-data",
        "gated": False,
        "disabled": False,
        "private": False,
        "tags": ["language:en", "license:apache-2.0"],
        "cardData": {"license": "apache-2.0", "language": ["en"]},
    },
}

HUB["/api/models/org/gated-model"] = {**HUB["/api/models/org/good-model"], "id": "org/gated-model"}


class State:
    def __init__(self) -> None:
        self.hits: Counter[str] = Counter()
        self.auth: dict[str, str | None] = {}
        self.sent: Counter[str] = Counter()  # body bytes written by the streaming routes
        self.connections: set[tuple[str, int]] = set()  # client (address, port) pairs seen
        self.slow = 2.0
        self.latency = 0.1
        self.lock = threading.Lock()

    def count(self, path: str) -> int:
        with self.lock:
            self.hits[path] += 1
            return self.hits[path]


class Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        return

    def do_HEAD(self) -> None:
        self._route(head=True)

    def do_GET(self) -> None:
        self._route(head=False)

    def _send(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None, head: bool = False) -> None:
        self.send_response(status)
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if not head:
            self.wfile.write(body)

    def _redirect(self, status: int, target: str, head: bool) -> None:
        self._send(status, headers={"Location": target}, head=head)

    def _stream(self, path: str, length: int | None, pieces: Iterator[bytes], pause: float, head: bool) -> None:
        """Send the pieces (one every ``pause`` seconds) until they end or the client goes away."""
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        if length is None:
            self.send_header("Connection", "close")
            self.close_connection = True
        else:
            self.send_header("Content-Length", str(length))
        self.end_headers()
        if head:
            return
        try:
            for piece in pieces:
                self.wfile.write(piece)
                self.wfile.flush()
                with self.server.state.lock:
                    self.server.state.sent[path] += len(piece)
                time.sleep(pause)
        except OSError:
            self.close_connection = True

    def _hostile(self, path: str, head: bool) -> bool:
        """The routes of a hostile server; False when the path is not one of them."""
        if path == "/always-429":
            self._send(429, headers={"Retry-After": "0"}, head=head)
        elif path == "/slow-down":
            self._send(429, headers={"Retry-After": "120"}, head=head)
        elif path == "/bad-retry-after":
            self._send(429, headers={"Retry-After": "\u00b2"}, head=head)
        elif path.startswith("/bad-gzip"):
            self._send(200, b"this is not gzip", {"Content-Encoding": "gzip", "Content-Type": "application/json"}, head)
        elif path == "/bad-location":
            self._redirect(302, "http://[oops", head)
        elif path.startswith("/huge"):
            self._stream(path, 2 * 1024**3, itertools.repeat(b" " * 65536, 2 * 1024**3 // 65536), 0, head)
        elif path.startswith("/endless"):
            self._stream(path, None, itertools.repeat(b" " * 65536), 0, head)
        elif path.startswith("/drip"):
            # A valid JSON object, one byte every 0.3 s: complete after 12 s, each read well under a second.
            body = b"{" + b" " * 38 + b"}"
            self._stream(path, len(body), (body[i : i + 1] for i in range(len(body))), 0.3, head)
        elif path.startswith("/hop/"):
            port, rest = path[len("/hop/") :].split("/", 1)
            self._redirect(302, f"http://127.0.0.1:{port}/{rest}", head)
        elif path == "/api/models/org/gated-model" and not self.headers.get("Authorization"):
            self._send(401, b'{"error": "Access restricted"}', {"Content-Type": "application/json"}, head)
        else:
            return False
        return True

    def _route(self, head: bool) -> None:
        state = self.server.state
        path = self.path.split("?", 1)[0]
        n = state.count(path)
        with state.lock:
            state.connections.add(self.client_address[:2])
        state.auth[path] = self.headers.get("Authorization")
        if self._hostile(path, head):
            return None
        simple = {"/ok": 200, "/missing": 404, "/always-500": 500}
        if path in simple:
            return self._send(simple[path], b"hello", head=head)
        redirects = {
            "/r301": (301, "/ok"),
            "/r302": (302, "/r308"),
            "/r308": (308, "/ok"),
            "/loop-a": (302, "/loop-b"),
            "/loop-b": (302, "/loop-a"),
        }
        if path in redirects:
            return self._redirect(*redirects[path], head=head)
        if path == "/to-private":
            return self._redirect(302, "http://10.255.255.1/", head=head)
        if path == "/no-head":
            return self._send(405 if head else 200, b"" if head else b"body", head=head)
        if path == "/rate-limited":
            return self._send(429, headers={"Retry-After": "1"}, head=head) if n == 1 else self._send(200, head=head)
        if path == "/flaky":
            return self._send(500, head=head) if n == 1 else self._send(200, head=head)
        if path == "/slow":
            time.sleep(state.slow)
            return self._send(200, head=head)
        if path.startswith("/latency/"):
            time.sleep(state.latency)
            return self._send(200, head=head)
        if path == "/hang":
            time.sleep(30)
            return None
        if path == "/reset":
            # Linger 0 turns close into a TCP reset; every file object on the socket must go first.
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.close_connection = True
            self.rfile.close()
            self.wfile.close()
            self.connection.close()
            return None
        if path in HUB:
            return self._send(200, json.dumps(HUB[path]).encode(), {"Content-Type": "application/json"}, head)
        return self._send(404, b'{"error": "Repository not found"}', {"Content-Type": "application/json"}, head)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256
    state: State


CERTS = Path(__file__).parent / "certs"  # a test CA (ca.pem) and its certificate for secure.test


class _TlsServer(_Server):
    """The same routes over TLS, as secure.test; the handshake runs in the request's thread."""

    context: ssl.SSLContext

    def finish_request(self, request: Any, client_address: Any) -> None:
        try:
            request = self.context.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError):
            return  # a client that rejected the certificate
        super().finish_request(request, client_address)


@contextmanager
def serve(tls: bool = False) -> Iterator[tuple[str, State]]:
    """Serve on 127.0.0.1: ``http://127.0.0.1:PORT``, or with ``tls`` ``https://127.0.0.1:PORT``
    with a certificate for secure.test only (issued by ``certs/ca.pem``)."""
    server: _Server
    if tls:
        server = _TlsServer(("127.0.0.1", 0), Handler)
        server.context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        server.context.load_cert_chain(CERTS / "server.pem", CERTS / "server.key")
    else:
        server = _Server(("127.0.0.1", 0), Handler)
    server.state = State()
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"{'https' if tls else 'http'}://127.0.0.1:{server.server_address[1]}", server.state
    finally:
        server.shutdown()
        server.server_close()


def main() -> None:
    """Serve in a process of its own (for the benchmark): print the base URL, run until stdin closes."""
    import sys

    latency = float(sys.argv[1]) if len(sys.argv) > 1 else 0.1
    with serve() as (base, state):
        state.latency = latency
        print(base, flush=True)
        sys.stdin.read()


if __name__ == "__main__":
    main()


@contextmanager
def serve_raw(answer: bytes) -> Iterator[str]:
    """A server that answers every request with these exact bytes and closes: for answers no
    well-behaved server library would send."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.05)
    stop = threading.Event()

    def answer_one(conn: socket.socket) -> None:
        with conn:
            conn.settimeout(2)
            data = b""
            try:
                while b"\r\n\r\n" not in data:
                    chunk = conn.recv(4096)
                    if not chunk:
                        return
                    data += chunk
                conn.sendall(answer)
            except OSError:
                return

    def loop() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except (TimeoutError, OSError):
                continue
            threading.Thread(target=answer_one, args=(conn,), daemon=True).start()

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stop.set()
        thread.join()
        listener.close()

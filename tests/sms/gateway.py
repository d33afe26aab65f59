"""A fake SMS gateway for the tests: a real HTTP server (http.server) on a free local port,
in a thread, recording every request and answering with a chosen status and body."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    def form(self) -> dict[str, str]:
        return {k: v[0] for k, v in parse_qs(self.body.decode()).items()}


@dataclass
class Gateway:
    url: str
    status: int = 200
    answer: Any = field(default_factory=lambda: {"id": "gw-1"})
    received: list[Received] = field(default_factory=list)


@contextmanager
def fake_gateway(status: int = 200, answer: Any = None) -> Iterator[Gateway]:
    """Serve until the block ends; `gateway.status` and `.answer` may be changed meanwhile."""
    gateway = Gateway(url="", status=status, answer=answer if answer is not None else
                      {"id": "gw-1"})

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server's name)
            length = int(self.headers.get("Content-Length") or 0)
            gateway.received.append(Received(self.path, {k.lower(): v for k, v in
                                                         self.headers.items()},
                                             self.rfile.read(length)))
            body = json.dumps(gateway.answer).encode() if not isinstance(gateway.answer, str) \
                else gateway.answer.encode()
            self.send_response(gateway.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    gateway.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield gateway
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)

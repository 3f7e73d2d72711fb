"""A real fault-injecting HTTP proxy for the publishing tests.

It sits on a loopback port and forwards every request to its upstream, except when a rule
matches: then it answers an error itself, drops the connection half-way through the request
body, or forwards the request and then drops (or delays and drops) the answer. That is what
networks and servers really do to a publish, so the client's retries meet real sockets.
"""

from __future__ import annotations

import http.client
import re
import socketserver
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler

HOP_BY_HOP = {
    "connection",
    "keep-alive",
    "transfer-encoding",
    "te",
    "trailer",
    "upgrade",
    "proxy-connection",
}


@dataclass
class Fault:
    """``action`` for the next ``times`` requests matching ``method`` and ``path`` (a regex).

    Actions: ``"503"``/``"500"``/... answer that status without forwarding; ``"drop_mid_body"``
    closes the connection after reading half the body; ``"lose_response"`` forwards, then closes
    without answering; ``"slow_response"`` forwards, then waits ``delay`` seconds before closing;
    ``"s3_expired"`` answers what S3 answers to a presigned URL past its expiry (403, XML).
    """

    method: str
    path: str
    action: str
    times: int = 1
    delay: float = 0.0


@dataclass
class FaultProxy:
    port: int
    upstream: str = ""
    faults: list[Fault] = field(default_factory=list)
    seen: list[tuple[str, str, str]] = field(default_factory=list)  # (method, path, outcome)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def take(self, method: str, path: str) -> Fault | None:
        with self.lock:
            for fault in self.faults:
                if fault.times > 0 and fault.method == method and re.search(fault.path, path):
                    fault.times -= 1
                    return fault
        return None

    def count(self, method: str, path: str, outcome: str | None = None) -> int:
        return sum(
            1
            for m, p, o in self.seen
            if m == method and re.search(path, p) and (outcome is None or o == outcome)
        )

    def reset(self) -> None:
        with self.lock:
            self.faults.clear()
            self.seen.clear()


def _handler(proxy: FaultProxy) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:  # quiet
            pass

        def _any(self) -> None:
            fault = proxy.take(self.command, self.path)
            length = int(self.headers.get("Content-Length") or 0)
            if fault and fault.action == "drop_mid_body":
                self.rfile.read(max(length // 2, 1))
                proxy.seen.append((self.command, self.path, "dropped"))
                self.close_connection = True
                self.connection.shutdown(2)
                return
            body = self.rfile.read(length) if length else b""
            if fault and fault.action == "s3_expired":
                proxy.seen.append((self.command, self.path, "expired"))
                self._answer(403, "application/xml", b"<?xml version='1.0' encoding='UTF-8'?>"
                             b"<Error><Code>AccessDenied</Code><Message>Request has expired"
                             b"</Message></Error>")  # fmt: skip
                return
            if fault and fault.action.isdigit():
                proxy.seen.append((self.command, self.path, fault.action))
                payload = b'{"error": {"message": "injected", "type": "injected", "details": {}}}'
                self.send_response(int(fault.action))
                self.send_header("Retry-After", "0")
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.write(payload)
                self.close_connection = True
                return
            status, headers, answer = self._forward(body)
            if fault and fault.action in ("lose_response", "slow_response"):
                proxy.seen.append((self.command, self.path, "lost"))
                time.sleep(fault.delay)
                self.close_connection = True
                self.connection.shutdown(2)
                return
            proxy.seen.append((self.command, self.path, str(status)))
            self.send_response(status)
            for key, value in headers:
                if key.lower() not in HOP_BY_HOP and key.lower() != "content-length":
                    self.send_header(key, value)
            self.send_header("Content-Length", str(len(answer)))
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(answer)
            self.close_connection = True

        def _answer(self, status: int, content_type: str, payload: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(payload)))
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(payload)
            self.close_connection = True

        def _forward(self, body: bytes) -> tuple[int, list[tuple[str, str]], bytes]:
            host, port = proxy.upstream.removeprefix("http://").split(":")
            conn = http.client.HTTPConnection(host, int(port), timeout=300)
            headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
            conn.request(self.command, self.path, body=body, headers=headers)
            response = conn.getresponse()
            answer = response.read()
            conn.close()
            return response.status, response.getheaders(), answer

        do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _any

    return Handler


class _Server(socketserver.ThreadingMixIn, socketserver.TCPServer):
    daemon_threads = True
    allow_reuse_address = True


def start(proxy: FaultProxy) -> _Server:
    server = _Server(("127.0.0.1", proxy.port), _handler(proxy))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server

"""A fake authority's system on loopback (a free port) that receives the portal's webhooks and checks their
signature as docs/payments.md tells a receiver to. `mode` chooses how it answers: `ok` (204), `error` (500),
`slow` (answers after the portal's time-out), `garbage` (bytes that are not HTTP), `down` (the port closed)."""

import json
import socket
import time
from http.server import BaseHTTPRequestHandler

from payments.services.webhooks import verify

from .loopback import LoopbackServer


class FakeReceiver(LoopbackServer):
    def __init__(self, secret=""):
        self.secret = secret
        self.mode = "ok"
        self.received = []  # every request that reached the handler: {"headers", "body", "verified", "answered"}
        super().__init__()

    @property
    def url(self):
        return f"{super().url}/hooks/portal"

    def delivered(self):
        """The messages it accepted, decoded, once each by event id (a receiver dedupes)."""
        seen = {}
        for request in self.received:
            if request["answered"] == 204 and request["verified"]:
                seen.setdefault(request["headers"]["Portal-Event-Id"], json.loads(request["body"]))
        return list(seen.values())

    def _handler(self):
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                mode = receiver.mode
                entry = {
                    "headers": dict(self.headers),
                    "body": body,
                    "verified": verify(
                        receiver.secret,
                        self.headers.get("Portal-Timestamp"),
                        body,
                        self.headers.get("Portal-Signature"),
                    ),
                    "answered": None,
                }
                receiver.received.append(entry)
                if mode == "down":  # the port was closed between the connection and now: hang up
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                if mode == "slow":
                    time.sleep(1.5)
                if mode == "garbage":
                    self.wfile.write(b"\x00\xffnot http at all\r\n\r\n")
                    self.close_connection = True
                    return
                status = 500 if mode == "error" else (204 if entry["verified"] else 401)
                entry["answered"] = status
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

        return Handler


def closed_port_url():
    """An address on loopback where nothing listens (a receiver that is down)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/hooks/portal"

"""A test server on loopback (a free port) in a daemon thread: what the fake KNET and the fake webhook
receiver share. A subclass gives `_handler()`, the request handler class."""

import threading
from http.server import ThreadingHTTPServer


class LoopbackServer:
    def __init__(self):
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def _handler(self):
        raise NotImplementedError

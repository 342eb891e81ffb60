"""Storage faults for the S3 tests: a TCP proxy in front of the server that can stall.

:class:`StallingProxy` forwards connections to the S3 server until
:meth:`StallingProxy.stall` is called; from then on it accepts connections and
reads requests but forwards nothing, like a server that accepts and never
answers (new and pooled connections alike), until :meth:`resume`. What it
held back is then dropped with its connection, as a restarted server loses the
requests in flight: a request its client gave up on is never applied later.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from urllib.parse import urlsplit


class StallingProxy:
    """``http://127.0.0.1:<port>`` forwarding to ``target_url``; :meth:`stall` stops answering."""

    def __init__(self, target_url: str) -> None:
        target = urlsplit(target_url)
        self._target = (target.hostname or "127.0.0.1", target.port or 80)
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.endpoint_url = f"http://127.0.0.1:{self._listener.getsockname()[1]}"
        self._stalled = threading.Event()
        self._closed = threading.Event()
        self._sockets: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def stall(self) -> None:
        self._stalled.set()

    def resume(self) -> None:
        self._stalled.clear()

    def close(self) -> None:
        self._closed.set()
        self._stalled.clear()
        for sock in [self._listener, *self._sockets]:
            with contextlib.suppress(OSError):
                sock.close()

    def _accept(self) -> None:
        while not self._closed.is_set():
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self._target, timeout=5)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            self._sockets += [client, upstream]
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while not self._closed.is_set():
                data = source.recv(65536)
                if not data:
                    break
                if self._stalled.is_set():
                    while self._stalled.is_set() and not self._closed.is_set():
                        time.sleep(0.05)  # hold the bytes: the other side waits for nothing
                    break  # resumed: drop what was held, and the connection
                sink.sendall(data)
        for sock in (source, sink):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

"""A stand-in engine for the smoke tests: opens its port once the shared real server (`transformers serve`,
started once per session by conftest.smoke_server) answers /health, then relays every connection to it byte
for byte (streamed answers included). `modelready smoke` launches, measures, kills and tears this down as it
would an engine; the model answering is the real one.

Usage: python smoke_relay.py LISTEN_PORT UPSTREAM_PORT
"""

from __future__ import annotations

import http.client
import socket
import sys
import threading
import time


def _healthy(port: int) -> bool:
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        conn.request("GET", "/health")
        return conn.getresponse().status == 200
    except OSError:
        return False


def _pump(src: socket.socket, dst: socket.socket) -> None:
    try:
        while data := src.recv(65536):
            dst.sendall(data)
    except OSError:
        pass
    finally:
        for s in (src, dst):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def main() -> None:
    listen, upstream = int(sys.argv[1]), int(sys.argv[2])
    while not _healthy(upstream):  # not listening yet: to the smoke run, an engine still starting
        time.sleep(0.1)
    server = socket.create_server(("127.0.0.1", listen))
    while True:
        client, _ = server.accept()
        try:
            up = socket.create_connection(("127.0.0.1", upstream))
        except OSError:
            client.close()
            continue
        for a, b in ((client, up), (up, client)):
            threading.Thread(target=_pump, args=(a, b), daemon=True).start()


if __name__ == "__main__":
    main()

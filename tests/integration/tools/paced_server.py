#!/usr/bin/env python3
"""An HTTP server that sends its bodies at a fixed pace, for tests that measure rates or need a
download that lasts (a client's --limit-rate lets socket buffers take the first megabytes at once).

paced_server.py ADDRESS PORT
  GET /?bytes=N&rate=R  ->  200 with N bytes of zeros, sent in 16 KiB pieces at R bytes/s.
Prints "ready" once listening."""
import socketserver
import sys
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler

PIECE = 16384


class Paced(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"

    def do_GET(self):
        q = urllib.parse.parse_qs(urllib.parse.urlparse(self.path).query)
        total = int(q.get("bytes", ["1048576"])[0])
        rate = max(1, int(q.get("rate", ["524288"])[0]))
        self.send_response(200)
        self.send_header("Content-Length", str(total))
        self.end_headers()
        start = time.monotonic()
        sent = 0
        piece = b"\0" * PIECE
        try:
            while sent < total:
                n = min(PIECE, total - sent)
                self.wfile.write(piece[:n])
                sent += n
                ahead = sent / rate - (time.monotonic() - start)
                if ahead > 0:
                    time.sleep(ahead)
        except OSError:
            pass  # the client (or a reset) ended it

    def log_message(self, fmt, *args):
        sys.stderr.write("%s %s\n" % (self.client_address[0], fmt % args))


class Server(socketserver.ThreadingMixIn, socketserver.TCPServer):
    allow_reuse_address = True
    daemon_threads = True


def main():
    server = Server((sys.argv[1], int(sys.argv[2])), Paced)
    print("ready", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()

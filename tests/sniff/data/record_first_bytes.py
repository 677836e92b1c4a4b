#!/usr/bin/env python3
"""Listens on 127.0.0.1:PORT, accepts one connection and writes what the client sends first to OUT:
a TLS ClientHello in full (the records that carry it, read by their lengths), then closes without
answering. Used once by capture_hellos.sh to make the test data; not run by the tests.

Usage: record_first_bytes.py PORT OUT
"""
import socket
import sys


def read_exactly(conn, n):
    data = b""
    while len(data) < n:
        chunk = conn.recv(n - len(data))
        if not chunk:
            raise SystemExit(f"client closed after {len(data)} of {n} bytes")
        data += chunk
    return data


def read_client_hello(conn):
    """The TLS records up to the end of the first handshake message (the ClientHello)."""
    out = b""
    handshake = b""
    while len(handshake) < 4 or len(handshake) < 4 + int.from_bytes(handshake[1:4], "big"):
        header = read_exactly(conn, 5)
        if header[0] != 22:
            raise SystemExit(f"record type {header[0]}, not a handshake")
        body = read_exactly(conn, int.from_bytes(header[3:5], "big"))
        out += header + body
        handshake += body
    return out


def main():
    port, path = int(sys.argv[1]), sys.argv[2]
    with socket.socket() as listener:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", port))
        listener.listen(1)
        print("listening", flush=True)
        conn, _ = listener.accept()
        with conn:
            data = read_client_hello(conn)
    with open(path, "wb") as f:
        f.write(data)
    print(f"{path}: {len(data)} bytes", flush=True)


if __name__ == "__main__":
    main()

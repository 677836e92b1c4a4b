#!/usr/bin/env python3
"""TCP load for netns_relay.sh: a server and clients that check what they got.

  netns_load.py serve ADDR PORT        answers each connection by its first line (SO_REUSEPORT: run
                                       several to use more cores):
                                       "bulk N": sends N MiB while reading until EOF, then prints
                                         "server sent <bytes> <sha256> received <bytes> <sha256>";
                                       "echo": echoes until EOF.
  netns_load.py bulk ADDR PORT N       sends N MiB, shuts down its write side (half-close) and reads
                                       until EOF: "client sent <bytes> <sha256> received <bytes> <sha256>"
  netns_load.py slow ADDR PORT N RATE SECONDS DONE
                                       asks for N MiB and reads them at RATE bytes/s for SECONDS,
                                       prints "slow read <bytes>", then holds the connection until
                                       the file DONE exists (at most a minute)
  netns_load.py short ADDR PORT COUNT PARALLEL
                                       COUNT echo connections (connect, 64 bytes, half-close, read
                                       them back, close): "short ok <n> failed <n>"
  netns_load.py hold ADDR PORT COUNT SECONDS
                                       opens COUNT echo connections at once, holds them SECONDS,
                                       closes them: "hold connected <n> echoed <n>"
  netns_load.py idle ADDR PORT SECONDS one echo, then SECONDS of silence: "idle closed" when the
                                       connection was closed meanwhile, "idle open" otherwise
The payload is slices of a random block at shifting offsets, so lost, repeated or reordered
chunks change the checksum.
"""
import asyncio
import hashlib
import os
import socket
import sys
import threading
import time

CHUNK = 1 << 20
BLOCK = os.urandom(16 * CHUNK)


def payload(mib):
    view = memoryview(BLOCK)
    for i in range(mib):
        offset = (i * 7919 * 64) % (len(BLOCK) - CHUNK)
        yield view[offset:offset + CHUNK]


def send_stream(sock, mib, result):
    h = hashlib.sha256()
    n = 0
    for chunk in payload(mib):
        sock.sendall(chunk)
        h.update(chunk)
        n += len(chunk)
    sock.shutdown(socket.SHUT_WR)
    result.extend([n, h.hexdigest()])


def receive_stream(sock):
    h = hashlib.sha256()
    n = 0
    buf = bytearray(CHUNK)
    view = memoryview(buf)
    while True:
        got = sock.recv_into(buf)
        if got == 0:
            return n, h.hexdigest()
        h.update(view[:got])
        n += got


async def serve_bulk(reader, writer, mib):
    h_out = hashlib.sha256()
    sent = 0

    async def send():
        nonlocal sent
        for chunk in payload(mib):
            writer.write(chunk)
            h_out.update(chunk)
            sent += len(chunk)
            await writer.drain()
        writer.write_eof()

    sender = asyncio.ensure_future(send())
    h_in = hashlib.sha256()
    got = 0
    while True:
        data = await reader.read(CHUNK)
        if not data:
            break
        h_in.update(data)
        got += len(data)
    await sender
    print(f"server sent {sent} {h_out.hexdigest()} received {got} {h_in.hexdigest()}", flush=True)


async def handle(reader, writer):
    try:
        words = (await reader.readline()).decode().split()
        if words and words[0] == "bulk":
            await serve_bulk(reader, writer, int(words[1]))
        elif words == ["echo"]:
            while True:
                data = await reader.read(65536)
                if not data:
                    break
                writer.write(data)
                await writer.drain()
    except OSError:
        pass
    finally:
        writer.close()


def serve(addr, port):
    async def main():
        server = await asyncio.start_server(handle, addr, int(port), backlog=4096, reuse_address=True,
                                            reuse_port=True)
        print("ready", flush=True)
        await server.serve_forever()

    asyncio.run(main())


def bulk(addr, port, mib):
    s = socket.create_connection((addr, int(port)), 10)
    s.settimeout(60)
    s.sendall(f"bulk {mib}\n".encode())
    sent = []
    sender = threading.Thread(target=send_stream, args=(s, int(mib), sent))
    sender.start()
    n, digest = receive_stream(s)
    sender.join()
    s.close()
    print(f"client sent {sent[0]} {sent[1]} received {n} {digest}", flush=True)


def slow(addr, port, mib, rate, seconds, done):
    s = socket.create_connection((addr, int(port)), 10)
    s.settimeout(10)
    s.sendall(f"bulk {mib}\n".encode())
    s.shutdown(socket.SHUT_WR)
    step = int(rate) // 10
    got = 0
    end = time.monotonic() + float(seconds)
    while time.monotonic() < end:
        want = step
        while want > 0:
            data = s.recv(want)
            if not data:
                raise OSError("closed early")
            want -= len(data)
            got += len(data)
        time.sleep(0.1)
    print(f"slow read {got}", flush=True)
    for _ in range(600):
        if os.path.exists(done):
            break
        time.sleep(0.1)
    s.close()


async def echo_once(addr, port):
    reader, writer = await asyncio.wait_for(asyncio.open_connection(addr, int(port)), 10)
    data = os.urandom(64)
    writer.write(b"echo\n" + data)
    writer.write_eof()
    got = await asyncio.wait_for(reader.read(), 10)
    writer.close()
    return got == data


def short(addr, port, count, parallel):
    results = {"ok": 0, "failed": 0}

    async def main():
        gate = asyncio.Semaphore(int(parallel))

        async def one():
            async with gate:
                try:
                    ok = await echo_once(addr, port)
                except (OSError, asyncio.TimeoutError):
                    ok = False
                results["ok" if ok else "failed"] += 1

        await asyncio.gather(*(one() for _ in range(int(count))))

    asyncio.run(main())
    print(f"short ok {results['ok']} failed {results['failed']}", flush=True)


def hold(addr, port, count, seconds):
    socks = []
    for _ in range(int(count)):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setblocking(False)
        try:
            s.connect((addr, int(port)))
        except BlockingIOError:
            pass
        except OSError:
            s.close()
            continue
        socks.append(s)
    time.sleep(1)
    connected = 0
    for s in socks:
        try:
            s.send(b"echo\nping")
            connected += 1
        except OSError:
            pass
    time.sleep(float(seconds))
    echoed = 0
    for s in socks:
        try:
            if s.recv(16) == b"ping":
                echoed += 1
        except OSError:
            pass
        s.close()
    print(f"hold connected {connected} echoed {echoed}", flush=True)


def idle(addr, port, seconds):
    s = socket.create_connection((addr, int(port)), 10)
    s.sendall(b"echo\nping")
    if s.recv(16) != b"ping":
        print("idle no-echo", flush=True)
        return
    time.sleep(float(seconds))
    s.settimeout(2)
    try:
        closed = s.recv(16) == b""
    except ConnectionResetError:
        closed = True
    except socket.timeout:
        closed = False
    print("idle closed" if closed else "idle open", flush=True)


if __name__ == "__main__":
    {"serve": serve, "bulk": bulk, "slow": slow, "short": short, "hold": hold, "idle": idle}[sys.argv[1]](*sys.argv[2:])

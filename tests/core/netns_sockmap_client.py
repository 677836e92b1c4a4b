#!/usr/bin/env python3
"""Request/response clients for netns_sockmap.sh, against netns_load.py's echo server.

  netns_sockmap_client.py pingpong ADDR PORT ROUNDS MIB
      one connection: ROUNDS small echo round trips (the relay links the connection to the fast path
      after a few), then MIB MiB sent while the echo is read back at once, a half-close, and the
      rest read until EOF: "pingpong ok <rounds> <seconds>" or "pingpong failed <why>"
  netns_sockmap_client.py many ADDR PORT COUNT ROUNDS PARALLEL
      COUNT connections (PARALLEL at once), each ROUNDS round trips and a half-close:
      "many ok <n> failed <n>"
"""
import asyncio
import hashlib
import os
import socket
import sys
import threading
import time


def pingpong(addr, port, rounds, mib):
    s = socket.create_connection((addr, int(port)), 10)
    s.settimeout(30)
    s.sendall(b"echo\n")
    started = time.monotonic()
    for i in range(int(rounds)):
        msg = os.urandom(32 + i % 200)
        s.sendall(msg)
        got = b""
        while len(got) < len(msg):
            chunk = s.recv(65536)
            if not chunk:
                print("pingpong failed eof in round", i, flush=True)
                return
            got += chunk
        if got != msg:
            print("pingpong failed round", i, flush=True)
            return
    elapsed = time.monotonic() - started
    block = os.urandom(1 << 20)
    sent = hashlib.sha256()

    def send():
        for i in range(int(mib)):
            chunk = block[i % 1024:] + block[:i % 1024]
            sent.update(chunk)
            s.sendall(chunk)
        s.shutdown(socket.SHUT_WR)

    sender = threading.Thread(target=send)
    sender.start()
    got = hashlib.sha256()
    n = 0
    while True:
        chunk = s.recv(1 << 20)
        if not chunk:
            break
        got.update(chunk)
        n += len(chunk)
    sender.join()
    s.close()
    if n != int(mib) << 20 or got.digest() != sent.digest():
        print(f"pingpong failed echo of {n} bytes differs", flush=True)
        return
    print(f"pingpong ok {rounds} {elapsed:.3f}", flush=True)


def many(addr, port, count, rounds, parallel):
    results = {"ok": 0, "failed": 0}

    async def one():
        reader, writer = await asyncio.wait_for(asyncio.open_connection(addr, int(port)), 10)
        writer.write(b"echo\n")
        for i in range(int(rounds)):
            msg = os.urandom(16 + i)
            writer.write(msg)
            if await asyncio.wait_for(reader.readexactly(len(msg)), 10) != msg:
                return False
        last = os.urandom(100)
        writer.write(last)
        writer.write_eof()
        got = await asyncio.wait_for(reader.read(), 10)
        writer.close()
        return got == last

    async def main():
        gate = asyncio.Semaphore(int(parallel))

        async def guarded():
            async with gate:
                try:
                    ok = await one()
                except (OSError, asyncio.TimeoutError, asyncio.IncompleteReadError):
                    ok = False
                results["ok" if ok else "failed"] += 1

        await asyncio.gather(*(guarded() for _ in range(int(count))))

    asyncio.run(main())
    print(f"many ok {results['ok']} failed {results['failed']}", flush=True)


if __name__ == "__main__":
    {"pingpong": pingpong, "many": many}[sys.argv[1]](*sys.argv[2:])

#!/usr/bin/env python3
"""TCP echo peers for netns_loopguard.sh.

  echo_peer.py serve ADDR PORT              echo server; prints "ready"
  echo_peer.py concurrent ADDR PORT N       opens N connections at once, echoes 512 bytes on each,
                                            waits until all N are open, echoes again on each, closes;
                                            prints "connections=N failed=F" (+ the first errors),
                                            exit 1 when any failed
  echo_peer.py hold ADDR PORT WAIT [SRCPORT]
                                            one connection (bound to SRCPORT if given): echo, print
                                            "open", wait (WAIT: seconds, or a file to wait for, at
                                            most 60 s), echo again, print "ok" or "error ..."
"""
import asyncio
import os
import socket
import sys
import time


async def serve(addr, port):
    async def handle(reader, writer):
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(handle, addr, port, backlog=4096)
    print("ready", flush=True)
    async with server:
        await server.serve_forever()


async def echo(reader, writer, payload):
    writer.write(payload)
    await writer.drain()
    got = await asyncio.wait_for(reader.readexactly(len(payload)), 20)
    if got != payload:
        raise RuntimeError("echo differs")


async def concurrent(addr, port, n):
    all_open = asyncio.Event()
    done = [0]
    errors = []

    def arrived():
        done[0] += 1
        if done[0] == n:
            all_open.set()

    async def one(i):
        writer = None
        try:
            reader, writer = await asyncio.wait_for(asyncio.open_connection(addr, port), 20)
            payload = os.urandom(512)
            await echo(reader, writer, payload)
            arrived()
            await asyncio.wait_for(all_open.wait(), 60)
            await echo(reader, writer, payload)  # every connection is open at this point
        except Exception as e:  # noqa: BLE001 - every failure is reported
            errors.append(f"connection {i}: {type(e).__name__}: {e}")
            arrived()
        finally:
            if writer:
                writer.close()

    await asyncio.gather(*(one(i) for i in range(n)))
    print(f"connections={n} failed={len(errors)}", flush=True)
    for e in errors[:10]:
        print("error", e, flush=True)
    return 1 if errors else 0


def wait_for(what):
    try:
        time.sleep(float(what))
        return
    except ValueError:
        pass
    deadline = time.monotonic() + 60
    while not os.path.exists(what) and time.monotonic() < deadline:
        time.sleep(0.05)


def hold(addr, port, wait, srcport):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(10)
    try:
        if srcport:
            s.bind(("", srcport))
        s.connect((addr, port))
        payload = os.urandom(64)
        s.sendall(payload)
        got = b""
        while len(got) < len(payload):
            chunk = s.recv(len(payload) - len(got))
            if not chunk:
                raise RuntimeError("closed before the echo")
            got += chunk
        if got != payload:
            raise RuntimeError("echo differs")
        print("open", flush=True)
        wait_for(wait)
        s.sendall(payload)
        got = b""
        while len(got) < len(payload):
            chunk = s.recv(len(payload) - len(got))
            if not chunk:
                raise RuntimeError("closed before the second echo")
            got += chunk
        print("ok" if got == payload else "error second echo differs", flush=True)
    except Exception as e:  # noqa: BLE001
        print(f"error {type(e).__name__}: {e}", flush=True)
    finally:
        s.close()


def main():
    cmd = sys.argv[1]
    if cmd == "serve":
        asyncio.run(serve(sys.argv[2], int(sys.argv[3])))
    elif cmd == "concurrent":
        sys.exit(asyncio.run(concurrent(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))))
    elif cmd == "hold":
        hold(sys.argv[2], int(sys.argv[3]), sys.argv[4], int(sys.argv[5]) if len(sys.argv) > 5 else 0)
    else:
        sys.exit(f"unknown command {cmd}")


if __name__ == "__main__":
    main()

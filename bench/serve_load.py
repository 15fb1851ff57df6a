#!/usr/bin/env python3
"""/ping and /invocations latency while hostile clients hold connections open.

Opens IDLE connections that never send a byte and SLOW connections that send a request
head one byte per second, then times fresh /ping and one-row /invocations requests.
Standard library only; prints one line per measure.

    bench/serve_load.py --port 8080 [--idle 1000] [--slow 200] [--samples 20]
"""

import argparse
import resource
import socket
import statistics
import threading
import time

ROW = b"Adelie,Dream,39.5,16.7,178.0,3250.0\n"


def timed_request(port, request, timeout):
    """Seconds until the whole response head arrives, or None on timeout or error."""
    start = time.perf_counter()
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as conn:
            conn.sendall(request)
            received = b""
            while b"\r\n\r\n" not in received:
                chunk = conn.recv(4096)
                if not chunk:
                    return None
                received += chunk
            if not received.startswith(b"HTTP/1.1 200"):
                return None
    except OSError:
        return None
    return time.perf_counter() - start


def summary(name, times, timeout):
    answered = [t for t in times if t is not None]
    if not answered:
        return f"{name}: no answer within {timeout:.0f} s in {len(times)} tries"
    return (f"{name}: median {statistics.median(answered) * 1000:.2f} ms, "
            f"max {max(answered) * 1000:.2f} ms, answered {len(answered)}/{len(times)}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--idle", type=int, default=1000)
    parser.add_argument("--slow", type=int, default=200)
    parser.add_argument("--samples", type=int, default=20)
    parser.add_argument("--timeout", type=float, default=10.0)
    args = parser.parse_args()

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))

    idle = [socket.create_connection(("127.0.0.1", args.port)) for _ in range(args.idle)]
    slow = [socket.create_connection(("127.0.0.1", args.port)) for _ in range(args.slow)]
    for conn in slow:
        conn.sendall(b"GET /ping HTTP/1.1\r\nX-Slow: ")
    stop = threading.Event()

    def trickle():
        while not stop.wait(1.0):
            for conn in slow:
                try:
                    conn.sendall(b"a")
                except OSError:
                    pass

    trickler = threading.Thread(target=trickle, daemon=True)
    trickler.start()
    time.sleep(1.0)  # every connection accepted (or queued) by now

    ping = b"GET /ping HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n"
    invoke = (b"POST /invocations HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n"
              b"Content-Type: text/csv\r\nContent-Length: " + str(len(ROW)).encode() + b"\r\n\r\n" + ROW)
    pings, invocations = [], []
    for _ in range(args.samples):
        pings.append(timed_request(args.port, ping, args.timeout))
        invocations.append(timed_request(args.port, invoke, args.timeout))
        time.sleep(0.05)
    stop.set()
    print(f"held open: {args.idle} idle and {args.slow} slow-header connections")
    print(summary("/ping", pings, args.timeout))
    print(summary("/invocations (1 row)", invocations, args.timeout))
    for conn in idle + slow:
        conn.close()


if __name__ == "__main__":
    main()

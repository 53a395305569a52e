"""Benchmark: what an unsigned 300 MB request to ``POST /slack/events`` costs the server in memory.

Run by hand (not a test): ``python benchmarks/bench_slack_body.py [--megabytes 300]``.

Starts the real ``factbot serve`` (a subprocess on loopback, Slack pointed at a closed port: no
Slack is needed to refuse a request), then sends an unsigned request of ``--megabytes`` MB to
``/slack/events`` twice: once with its ``Content-Length`` declared, once chunked (no length, so
the server must count while reading). A thread samples the server's resident set size
(``VmRSS`` in ``/proc/<pid>/status``) every 5 ms while each request is sent; the figure is the
peak during the request minus the size just before it (target, issue 15: under 5 MB). For scale,
the same is measured for an ordinary 1 KB request. Linux only.
"""

from __future__ import annotations

import argparse
import http.client
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CHUNK = 1 << 20


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


class Sampler:
    """Samples a process's RSS every 5 ms until stopped; ``peak`` in kB."""

    def __init__(self, pid: int):
        self.pid, self.peak, self._stop = pid, 0, threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, rss_kb(self.pid))
            time.sleep(0.005)

    def __enter__(self) -> Sampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        time.sleep(0.2)  # anything still being freed or allocated after the answer
        self._stop.set()
        self._thread.join()


def body(megabytes: int) -> Iterator[bytes]:
    block = b"x" * CHUNK
    for _ in range(megabytes):
        yield block


def send(port: int, megabytes: int, chunked: bool) -> tuple[int | str, float]:
    """Send the request; ``(status or what happened, MB actually sent)``."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    sent = 0
    try:
        conn.putrequest("POST", "/slack/events")
        conn.putheader("Content-Type", "application/json")
        if chunked:
            conn.putheader("Transfer-Encoding", "chunked")
        else:
            conn.putheader("Content-Length", str(megabytes * CHUNK))
        conn.endheaders()
        for block in body(megabytes):
            conn.send(b"%x\r\n%s\r\n" % (len(block), block) if chunked else block)
            sent += len(block)
        if chunked:
            conn.send(b"0\r\n\r\n")
        status: int | str = conn.getresponse().status
    except (BrokenPipeError, ConnectionResetError):
        # The server answered and closed the connection before the body ended (refused while reading).
        status = "refused mid-body (connection closed)"
    finally:
        conn.close()
    return status, sent / CHUNK


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--megabytes", type=int, default=300)
    args = parser.parse_args()
    port = free_port()
    with tempfile.TemporaryDirectory() as folder:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "FACTBOT_"))}
        env.update(SLACK_BOT_TOKEN="xoxb-bench", SLACK_SIGNING_SECRET="bench-signing-secret-0123456789",
                   SLACK_API_URL=f"http://127.0.0.1:{free_port()}/api/", FACTBOT_DB=f"{folder}/factbot.json",
                   PYTHONPATH=str(REPO))
        server = subprocess.Popen([sys.executable, "-m", "bot.cli", "serve", "--port", str(port)], cwd=folder,
                                  env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    break
                except OSError:
                    if server.poll() is not None or time.monotonic() > deadline:
                        raise SystemExit("factbot serve did not start") from None
                    time.sleep(0.1)
            time.sleep(2.0)  # start-up work in the background loops settles
            print(f"\nUnsigned requests to /slack/events, server RSS in MB (pid {server.pid})\n")
            print("| request | answer | MB sent | RSS before | peak during | raise |")
            print("| --- | --- | ---: | ---: | ---: | ---: |")
            for label, megabytes, chunked in (("1 KB, Content-Length", 0, False),
                                              (f"{args.megabytes} MB, Content-Length", args.megabytes, False),
                                              (f"{args.megabytes} MB, chunked", args.megabytes, True)):
                before = rss_kb(server.pid)
                with Sampler(server.pid) as sampler:
                    if megabytes:
                        status, sent = send(port, megabytes, chunked)
                    else:
                        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                        conn.request("POST", "/slack/events", body=b"{}" * 512,
                                     headers={"Content-Type": "application/json"})
                        status, sent = conn.getresponse().status, 1 / 1024
                        conn.close()
                print(f"| {label} | {status} | {sent:.1f} | {before / 1024:.1f} | {sampler.peak / 1024:.1f} | "
                      f"{(sampler.peak - before) / 1024:.2f} |")
        finally:
            server.terminate()
            server.wait(timeout=15)


if __name__ == "__main__":
    main()

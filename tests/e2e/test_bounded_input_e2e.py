"""Bounded work from outside: an oversized request to /slack/events costs the server no memory."""

from __future__ import annotations

import socket

import pytest


def _rss_kb(pid: int) -> int:
    with open(f"/proc/{pid}/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))


def _send_huge(port: int, total: int, chunked: bool) -> bytes:
    """Send an unsigned POST of ``total`` bytes (or until the server stops reading); its answer."""
    chunk = b"x" * (1 << 20)
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        framing = b"Transfer-Encoding: chunked\r\n" if chunked else f"Content-Length: {total}\r\n".encode()
        sock.sendall(b"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n" + framing + b"\r\n")
        sent = 0
        try:
            while sent < total:
                sock.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk) if chunked else chunk)
                sent += len(chunk)
        except OSError:  # the server answered 413 and closed: what we want
            pass
        answer = b""
        try:
            while not answer.endswith(b"}") and len(answer) < 4096:
                more = sock.recv(4096)
                if not more:
                    break
                answer += more
        except OSError:
            pass
        return answer


@pytest.mark.parametrize("chunked", [True, False], ids=["chunked", "content-length"])
def test_an_unsigned_300_mb_request_is_refused_without_buffering(server, chunked):
    pid = server.process.pid
    _send_huge(int(server.url.rsplit(":", 1)[1]), 2 << 20, chunked)  # warm up the code path once
    before = _rss_kb(pid)
    answer = _send_huge(int(server.url.rsplit(":", 1)[1]), 300 << 20, chunked)
    grown = _rss_kb(pid) - before
    assert answer.startswith(b"HTTP/1.1 413")
    assert grown < 5 * 1024, f"RSS grew by {grown} kB"
    assert server.command("stats").status_code == 200  # and it still serves Slack

"""The real server for the tests that need a process of its own: SIGKILL, SIGTERM, a restart,
two servers on one store, ``factbot serve`` itself. Overrides the in-process ``server`` and
``make_server`` of ``tests/conftest.py``; tests that need no process belong with their feature."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.server import Server, free_port, server_env


@pytest.fixture(scope="module")
def server(fake_slack, tmp_path_factory):
    workdir = tmp_path_factory.mktemp("server")
    running = Server(f"http://127.0.0.1:{free_port()}", server_env(fake_slack, workdir), workdir).start()
    yield running
    running.stop()


@pytest.fixture
def make_server(fake_slack, tmp_path):
    """Start servers with custom settings: ``make_server(FACTBOT_X="...")``; stopped at the end."""
    started: list[Server] = []

    def make(workdir: Path | None = None, **extra: str) -> Server:
        wd = workdir or tmp_path
        srv = Server(f"http://127.0.0.1:{free_port()}", server_env(fake_slack, wd, **extra), wd).start()
        started.append(srv)
        return srv

    yield make
    for srv in started:
        srv.stop()

"""Shared fixtures: the fake Slack Web API and the real server, started for real (``tests.support.server``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.fake_slack import PRIVATE_CHANNEL, FakeSlack
from tests.support.server import Server, free_port, server_env


@pytest.fixture(scope="module")
def fake_slack():
    with FakeSlack() as fake:
        yield fake


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


@pytest.fixture
def fake():
    """A fresh fake Slack for one test, with ``PRIVATE_CHANNEL`` (the enquiry channel) private."""
    with FakeSlack() as running:
        running.channels[PRIVATE_CHANNEL] = {"is_private": True}
        yield running

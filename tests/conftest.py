"""Shared fixtures: the fake Slack Web API, and the server in this process (``tests.support.inprocess``).

``server`` and ``make_server`` here run the server's runtime and web app in the test process;
``tests/e2e/conftest.py`` overrides them with the real server, started as a process
(``tests.support.server``), for the tests that need one.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.support.fake_slack import PRIVATE_CHANNEL, FakeSlack
from tests.support.inprocess import InProcessServer
from tests.support.server import server_env

# The servers, `factbot` runs and feed helpers the tests start keep this checkout's bytecode in
# __pycache__ (ignored by git). With PYTHONDONTWRITEBYTECODE set, as on the development and CI
# machines, each of them compiled every module of the project again: 0.95 s to import the server,
# not 0.62 s.
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)


@pytest.fixture(scope="module")
def fake_slack():
    with FakeSlack() as fake:
        yield fake


@pytest.fixture(scope="module")
def server(fake_slack, tmp_path_factory):
    """The server in this process, one per module."""
    workdir = tmp_path_factory.mktemp("server")
    running = InProcessServer(server_env(fake_slack, workdir), workdir).start()
    yield running
    running.stop()


@pytest.fixture
def make_server(fake_slack, tmp_path):
    """In-process servers with custom settings: ``make_server(FACTBOT_X="...")``; stopped at the end."""
    started: list[InProcessServer] = []

    def make(workdir: Path | None = None, **extra: str) -> InProcessServer:
        wd = workdir or tmp_path
        srv = InProcessServer(server_env(fake_slack, wd, **extra), wd).start()
        started.append(srv)
        return srv

    yield make
    for srv in reversed(started):
        srv.stop()


@pytest.fixture
def fake():
    """A fresh fake Slack for one test, with ``PRIVATE_CHANNEL`` (the enquiry channel) private."""
    with FakeSlack() as running:
        running.channels[PRIVATE_CHANNEL] = {"is_private": True}
        yield running

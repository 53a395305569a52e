"""``factbot`` in a fresh process, started without paying for its imports each time.

Every ``factbot`` run in the tests is a real child process: its own pid, environment, working
folder, stdin (``/dev/null``), stdout and stderr, exit code and interpreter shutdown. What is
shared is only the work done before ``main()``: one parent per test worker imports ``bot.cli`` and
every command group once, then forks a child per run (as a pre-loading app server does). Importing
Bolt, the checker, search and pydantic anew cost each of the suite's ~150 runs about 0.5 s of CPU.

The parent imports nothing but this checkout's code and reads no setting: settings are read by
``main()`` in the child, from the child's own environment and folder.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

from tests.support.server import REPO

#: The pre-loading parent: reads one JSON request a line, forks, answers the child's exit code.
_PARENT = r"""
import importlib, json, os, signal, sys, time
import bot.cli
for group in dict.fromkeys(bot.cli.GROUPS.values()):
    importlib.import_module("bot.cli." + group)
print("ready", flush=True)
for line in sys.stdin:
    request = json.loads(line)
    pid = os.fork()
    if pid == 0:  # the child: a fresh process from here on
        os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
        os.dup2(os.open(request["stdout"], os.O_WRONLY | os.O_TRUNC), 1)
        os.dup2(os.open(request["stderr"], os.O_WRONLY | os.O_TRUNC), 2)
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        sys.argv = [bot.cli.__file__, *request["args"]]
        sys.exit(bot.cli.main(request["args"]))  # exits as `python -m bot.cli` does, tracebacks too
    deadline, code = time.monotonic() + request["timeout"], None
    while code is None:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            code = os.waitstatus_to_exitcode(status)
        elif time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            code = "timeout"
        else:
            time.sleep(0.005)
    print(json.dumps(code), flush=True)
"""

_lock = threading.Lock()
_parent: subprocess.Popen | None = None


def _started() -> subprocess.Popen:
    global _parent
    if _parent is None or _parent.poll() is not None:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "FACTBOT_"))}
        env["PYTHONPATH"] = str(REPO)
        _parent = subprocess.Popen([sys.executable, "-c", _PARENT], cwd=REPO, env=env, text=True,
                                   stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        assert _parent.stdout is not None and _parent.stdout.readline().strip() == "ready", "factbot parent failed"
    return _parent


def run_factbot(args: list[str], cwd: Path | str, env: dict[str, str], timeout: float = 60) -> subprocess.CompletedProcess:
    """``python -m bot.cli *args`` in ``cwd`` with exactly ``env``; stdout and stderr as text.
    Raises ``subprocess.TimeoutExpired`` after ``timeout`` seconds, as ``subprocess.run`` does."""
    with _lock, tempfile.TemporaryDirectory() as folder:
        out, err = Path(folder, "stdout"), Path(folder, "stderr")
        out.touch(), err.touch()
        parent = _started()
        assert parent.stdin is not None and parent.stdout is not None
        request = {"args": [str(a) for a in args], "cwd": str(Path(cwd).absolute()), "env": dict(env),
                   "stdout": str(out), "stderr": str(err), "timeout": timeout}
        parent.stdin.write(json.dumps(request) + "\n")
        parent.stdin.flush()
        code = json.loads(parent.stdout.readline())
        command = [sys.executable, "-m", "bot.cli", *args]
        if code == "timeout":
            raise subprocess.TimeoutExpired(command, timeout)
        return subprocess.CompletedProcess(command, code, out.read_text(errors="replace"),
                                           err.read_text(errors="replace"))

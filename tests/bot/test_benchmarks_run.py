"""The benchmark scripts still run (tiny sizes; the figures themselves are measured by hand)."""

from __future__ import annotations

import subprocess
import sys

from tests.support.server import REPO


def _run(*args: str) -> str:
    done = subprocess.run([sys.executable, *args], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def test_stats_benchmark_runs():
    out = _run("benchmarks/bench_stats.py", "--rounds", "3", "--sizes", "20,40")
    assert "in request thread" in out and "threaded (default)" in out


def test_intake_benchmark_runs(tmp_path):
    out = _run("benchmarks/bench_intake.py", "--rounds", "3", "--stored", "2,5", "--dir", str(tmp_path))
    assert "intake until the 202, 5 stored" in out and "bare fsync'd write" in out


def test_triage_benchmark_runs():
    out = _run("benchmarks/triage.py", "--baseline")
    assert "urgent recall" in out and "phrase list alone" in out and "## triage misses" in out
    assert "## triage_heldout misses" in out and "## triage_fresh misses" in out  # three sets, apart
    assert "## summary" in out

"""The house rules, executable: pick the feature, then the layer.

- ``facts`` (rules, data, messages) imports no Slack SDK, web server, feed
  parser or ``urllib.request``, starts no thread, and never imports
  ``handlers`` or ``bot``;
- ``handlers`` (how Slack and the web reach a feature) never imports ``bot``;
- ``facts.enquiries`` and ``facts.campaign`` never import each other;
- no import cycle between the project's modules, counting imports inside
  functions and under ``TYPE_CHECKING`` too (they only hide a cycle).
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PACKAGES = ("bot", "facts", "handlers")
FORBIDDEN_IN_FACTS = ("slack_sdk", "slack_bolt", "starlette", "uvicorn", "feedparser", "urllib.request", "requests",
                      "httpx", "bot", "handlers")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, ast.Module]:
    found = {}
    for package in PACKAGES:
        for path in sorted((REPO / package).rglob("*.py")):
            found[_module_name(path)] = ast.parse(path.read_text(), str(path))
    return found


MODULES = _modules()


def _imports(name: str, tree: ast.Module) -> set[str]:
    """Every module ``name`` imports, anywhere in the file (absolute names)."""
    package = name if (REPO / name.replace(".", "/")).is_dir() else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)  # `from facts import x` imports facts.x
    return found


def _project_imports(name: str) -> set[str]:
    return {imported for imported in _imports(name, MODULES[name]) if imported in MODULES and imported != name}


def _under(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def test_every_package_is_found():
    assert {"facts.figures.search", "facts.enquiries.triage", "facts.campaign.feeds", "facts.outbox",
            "handlers.figures.slash_command", "bot.runtime", "bot.cli"} <= set(MODULES)


@pytest.mark.parametrize("name", sorted(n for n in MODULES if _under(n, "facts")))
def test_facts_is_plain_python(name):
    bad = sorted(i for i in _imports(name, MODULES[name]) if any(_under(i, f) for f in FORBIDDEN_IN_FACTS))
    assert not bad, f"{name} imports {bad}: facts holds rules, data and messages only"
    threads = [node.lineno for node in ast.walk(MODULES[name]) if isinstance(node, ast.Attribute)
               and node.attr == "Thread" and isinstance(node.value, ast.Name) and node.value.id == "threading"]
    assert not threads, f"{name} starts a thread (line {threads[0]}): background loops live in bot.loops"


@pytest.mark.parametrize("name", sorted(n for n in MODULES if _under(n, "handlers")))
def test_handlers_do_not_reach_into_bot(name):
    bad = sorted(i for i in _imports(name, MODULES[name]) if _under(i, "bot"))
    assert not bad, f"{name} imports {bad}: handlers are given what they need by bot"


@pytest.mark.parametrize("one, other", [("facts.enquiries", "facts.campaign"), ("facts.campaign", "facts.enquiries")])
def test_enquiries_and_campaign_are_independent(one, other):
    bad = {name: sorted(i for i in _project_imports(name) if _under(i, other))
           for name in MODULES if _under(name, one)}
    assert not {k: v for k, v in bad.items() if v}


def test_no_import_cycle():
    graph = {name: _project_imports(name) for name in MODULES}
    # A package's __init__ importing its own modules is how packages work, not a cycle.
    for name, imported in graph.items():
        graph[name] = {i for i in imported if not _under(name, i)}
    state: dict[str, int] = {}
    cycles: list[list[str]] = []

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycles.append([*path[path.index(nxt):], nxt] if nxt in path else [node, nxt])
            elif nxt not in state:
                visit(nxt, [*path, nxt])
        state[node] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])
    assert not cycles, "import cycles: " + "; ".join(" -> ".join(c) for c in cycles)


def test_a_command_loads_only_its_group():
    """``factbot facts validate`` builds only the ``facts`` group: no Bolt, no claim-check listener,
    no web server (each cost every cron run and every CLI test 0.6 s of imports)."""
    probe = ("import sys; from bot.cli import build_parser; build_parser(['facts', 'validate']); "
             "print(' '.join(sorted(m for m in sys.modules if m.split('.')[0] in ('slack_bolt', 'uvicorn', 'starlette')"
             " or m in ('bot.app', 'bot.cli.ask', 'bot.cli.serve', 'bot.enquiry_service'))))")
    loaded = subprocess.run([sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True, check=True)
    assert loaded.stdout.strip() == ""
    every = subprocess.run([sys.executable, "-c", probe.replace("['facts', 'validate']", "['--help'][:0]")],
                           cwd=REPO, capture_output=True, text=True, check=True)
    assert "bot.app" in every.stdout.split()  # no command named: every group, for --help

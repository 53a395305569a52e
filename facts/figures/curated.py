"""Reading the curated fact files in ``facts/curated/``.

Each file is YAML describing one release::

    release:        # the source shared by every fact in the file
      publisher: NSPCC
      title: ...
      url: https://...
      published: 2020-11-12
      method: FOI responses from 38 police forces in England and Wales
    defaults:       # optional: fields every fact in the file shares
      geography: England and Wales
      topics: [online grooming]
    facts:
      - id: ...
        claim: ...

A fact's own fields win over ``defaults``; its optional ``source`` mapping is
merged over ``release``. Errors are collected, never raised one at a time, so
``factbot facts validate`` can print every problem at once.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from facts.figures.evidence import evidence_problems
from facts.figures.model import Fact
from facts.text import load_yaml
from facts.validation import error_field, error_message

#: Where the shipped curated files live.
CURATED_DIR = Path(__file__).parent.parent / "curated"


@dataclass(frozen=True)
class Problem:
    """One problem in a curated file: which file, which fact, which field, what."""

    file: str
    fact_id: str
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: fact {self.fact_id}: {self.field}: {self.message}"


@dataclass
class LoadResult:
    """Facts that loaded, and the problems found (a fact with a problem is left out)."""

    facts: list[Fact]
    problems: list[Problem]


def curated_paths(directory: Path = CURATED_DIR) -> list[Path]:
    """The ``*.yaml`` files in ``directory``, sorted by name."""
    return sorted(Path(directory).glob("*.yaml"))


def load_curated(paths: Iterable[Path] | None = None) -> LoadResult:
    """Load and validate curated files (default: every shipped file).

    Returns a :class:`LoadResult`; duplicate ids across files,
    ``superseded_by`` pointing at an unknown id, and the evidence rules of
    :func:`facts.figures.evidence.evidence_problems` (a quote showing the
    display; one current figure per series and period) are problems too.
    """
    facts: list[Fact] = []
    problems: list[Problem] = []
    seen: dict[str, str] = {}
    for path in curated_paths() if paths is None else paths:
        file_facts, file_problems = _load_file(Path(path))
        problems.extend(file_problems)
        for fact in file_facts:
            if fact.id in seen:
                problems.append(Problem(path.name, fact.id, "id", f"duplicate id (also in {seen[fact.id]})"))
                continue
            seen[fact.id] = path.name
            facts.append(fact)
    for fact in facts:
        if fact.superseded_by and fact.superseded_by not in seen:
            problems.append(
                Problem(seen[fact.id], fact.id, "superseded_by", f"unknown fact id {fact.superseded_by!r}")
            )
    for found in evidence_problems(facts):
        problems.append(Problem(seen[found.fact.id], found.fact.id, found.field, found.message))
    return LoadResult(facts, problems)


def _load_file(path: Path) -> tuple[list[Fact], list[Problem]]:
    name = path.name
    try:
        doc = load_yaml(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        return [], [Problem(name, "-", "file", f"cannot be read as YAML: {_one_line(exc)}")]
    if not isinstance(doc, dict) or not isinstance(doc.get("facts"), list):
        return [], [Problem(name, "-", "facts", "the file must be a mapping with a 'facts' list")]
    release = doc.get("release") or {}
    defaults = doc.get("defaults") or {}
    if not isinstance(release, dict) or not isinstance(defaults, dict):
        return [], [Problem(name, "-", "release", "'release' and 'defaults' must be mappings")]

    facts: list[Fact] = []
    problems: list[Problem] = []
    for index, raw in enumerate(doc["facts"], start=1):
        if not isinstance(raw, dict):
            problems.append(Problem(name, f"#{index}", "-", "each fact must be a mapping"))
            continue
        fact_id = str(raw.get("id") or f"#{index}")
        merged: dict[str, Any] = {**defaults, **raw}
        own_source = raw.get("source") or {}
        merged["source"] = {**release, **(own_source if isinstance(own_source, dict) else {})}
        try:
            facts.append(Fact.model_validate(merged))
        except ValidationError as exc:
            for error in exc.errors():
                field, message = error_field(error), error_message(error)
                named = _NAMED.match(message)
                if field == "-" and named:  # a model-level check names its field first
                    field, message = named.groups()
                problems.append(Problem(name, fact_id, field, message))
    return facts, problems


_NAMED = re.compile(r"^([a-z_]+(?:\.[a-z_]+)*): (.+)$", re.S)


def _one_line(exc: Exception) -> str:
    return " ".join(str(exc).split())

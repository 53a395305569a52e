"""Figures changed from Slack, kept as curated files layered over the curated folder.

A change made in Slack (re-verified, corrected, added, retired) is written as
one curated file per figure in the *Slack folder* beside the store
(``data/factbot-curated/<figure id>.yaml``): the same format and validator as
``facts/curated/``, written atomically, so it can be read, diffed, backed up
and checked with ``factbot facts validate --dir``. Besides ``facts:`` each file
has ``change:`` (who, when, why) and ``based_on``: a fingerprint of the curated
folder's version of the figure the change was made over (``null`` for a new
figure).

The figures served are the curated folder's with the Slack folder's in place of
those with the same id. When the curated folder's version of a figure is no
longer the one a Slack change was based on (a deploy shipped a newer one),
neither silently wins: the figure is *held* (never served) until a curator
keeps one of the two (:func:`keep_slack_version`, :func:`take_files_version`).
A deploy that ships exactly the Slack version (the layer exported with
``factbot facts export`` and committed) is no conflict: both agree.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from facts.figures.curated import LoadResult, Problem, _load_file, curated_paths, load_curated
from facts.figures.evidence import evidence_problems
from facts.figures.model import Fact
from facts.persistence import atomic_write
from facts.text import load_yaml


def slack_folder(db: str | Path) -> Path:
    """The Slack folder beside the store: ``data/factbot.json`` → ``data/factbot-curated/``."""
    db = Path(db)
    return db.with_name(f"{db.stem}-curated")


def version_fingerprint(fact: Fact) -> str:
    """Hex digest of every field of one version of a figure."""
    data = json.dumps(fact.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(data.encode("utf-8")).hexdigest()[:32]


@dataclass
class Layered(LoadResult):
    """The figures served (curated folder overlaid by the Slack folder) and what to tell.

    ``notes``: who changed each Slack-changed figure, when and why;
    ``conflicts``: ids held because the curated folder changed under a Slack change.
    """

    notes: dict[str, dict] = field(default_factory=dict)
    conflicts: list[str] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)


def _slack_file(folder: Path, fact_id: str) -> Path:
    return folder / f"{fact_id}.yaml"


def read_slack_file(path: Path) -> tuple[Fact | None, dict, list[Problem]]:
    """One Slack folder file: ``(figure or None, its header {change, based_on}, problems)``."""
    facts, problems = _load_file(path)
    try:
        doc = load_yaml(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        doc = None
    header = {k: doc.get(k) for k in ("change", "based_on")} if isinstance(doc, dict) else {}
    return (facts[0] if len(facts) == 1 else None), header, problems


def load_layers(curated_dir: Path, folder: Path | None) -> Layered:
    """The served figures: ``curated_dir``'s, each replaced by ``folder``'s version when it has one.

    Problems are those of :func:`facts.figures.curated.load_curated` over the
    result (a Slack file is checked by the same rules as the curated files).
    """
    base = load_curated(curated_paths(curated_dir))
    files = curated_paths(curated_dir)
    by_id = {fact.id: fact for fact in base.facts}
    problems = list(base.problems)
    notes: dict[str, dict] = {}
    conflicts: list[str] = []
    for path in curated_paths(folder) if folder is not None else []:
        files.append(path)
        fact, header, file_problems = read_slack_file(path)
        problems.extend(file_problems)
        if fact is None:
            continue
        shipped = by_id.get(fact.id)
        based_on = header.get("based_on")
        caught_up = shipped is not None and version_fingerprint(shipped) == version_fingerprint(fact)
        if not caught_up and ((shipped is None and based_on is not None)
                              or (shipped is not None and based_on != version_fingerprint(shipped))):
            conflicts.append(fact.id)
            fact = fact.model_copy(update={"status": "held"})
        by_id[fact.id] = fact
        note = header.get("change")
        if isinstance(note, dict):
            notes[fact.id] = note
    facts = sorted(by_id.values(), key=lambda f: f.id)
    if folder is not None and curated_paths(folder):  # the merged set, by the files' whole-set rules
        known = set(by_id)
        problems = [p for p in problems if p.field not in ("superseded_by", "quote", "series")]
        problems += [Problem("-", f.id, "superseded_by", f"unknown fact id {f.superseded_by!r}")
                     for f in facts if f.superseded_by and f.superseded_by not in known]
        problems += [Problem("-", e.fact.id, e.field, e.message) for e in evidence_problems(facts)]
    return Layered(facts, problems, notes, conflicts, files)


def check_with(layers: Layered, candidate: Fact) -> list[Problem]:
    """Whole-set problems (superseded_by, the evidence rules) ``candidate`` would bring, in place of its id."""
    facts = [f for f in layers.facts if f.id != candidate.id] + [candidate]
    known = {f.id for f in facts}
    found = []
    if candidate.superseded_by and candidate.superseded_by not in known:
        found.append(Problem("-", candidate.id, "superseded_by", f"unknown fact id {candidate.superseded_by!r}"))
    found += [Problem("-", e.fact.id, e.field, e.message) for e in evidence_problems(facts)
              if e.fact.id == candidate.id]
    return found


def write_figure(folder: Path, fact: Fact, change: dict, based_on: str | None) -> Path:
    """Write ``fact`` as its Slack folder file (atomically); returns the path."""
    folder.mkdir(parents=True, exist_ok=True)
    doc = {"change": change, "based_on": based_on, "facts": [fact.model_dump(mode="json", exclude_none=True)]}
    text = ("# Changed from Slack (Safeguarding Facts). Same format as facts/curated/*.yaml.\n"
            + yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=100))
    path = _slack_file(folder, fact.id)
    atomic_write(path, text.encode("utf-8"))
    return path


def based_on(curated_dir: Path, fact_id: str) -> str | None:
    """The fingerprint of the curated folder's version of ``fact_id`` (``None`` when it has none)."""
    for fact in load_curated(curated_paths(curated_dir)).facts:
        if fact.id == fact_id:
            return version_fingerprint(fact)
    return None


def keep_slack_version(folder: Path, curated_dir: Path, fact_id: str, change: dict) -> None:
    """Resolve a conflict for the Slack version: it is now based on the folder's newer version."""
    fact, header, _ = read_slack_file(_slack_file(folder, fact_id))
    if fact is None:
        raise KeyError(fact_id)
    write_figure(folder, fact, change, based_on(curated_dir, fact_id))


def take_files_version(folder: Path, fact_id: str, now: dt.datetime) -> Path:
    """Resolve a conflict for the curated folder's version: the Slack file is moved to
    ``replaced/`` (kept, never read again); returns where it went."""
    path = _slack_file(folder, fact_id)
    kept = folder / "replaced" / f"{fact_id}-{now.strftime('%Y%m%dT%H%M%S')}.yaml"
    kept.parent.mkdir(parents=True, exist_ok=True)
    path.replace(kept)
    return kept


@dataclass(frozen=True)
class Exported:
    """One figure written by :func:`export_layer`: its id, the file written, and the curated
    folder's file that holds the same id (``None`` for a figure added in Slack)."""

    fact_id: str
    path: Path
    replaces_in: str | None


def export_layer(folder: Path, curated_dir: Path, to: Path) -> list[Exported]:
    """Write each figure of the Slack folder as a curated file ``to/<id>.yaml`` for the repository.

    Each file is a plain curated file (``facts:`` with the one figure, loadable by
    ``factbot facts validate --dir``) headed by comments saying who changed it, when
    and why. Nothing in ``folder`` or ``curated_dir`` changes. A deploy that ships
    exactly these versions is not a conflict (see the module docstring).
    """
    shipped_in = {fact.id: path.name for path in curated_paths(curated_dir) for fact in _load_file(path)[0]}
    to.mkdir(parents=True, exist_ok=True)
    done = []
    for path in curated_paths(folder):
        figure, header, _ = read_slack_file(path)
        if figure is None:
            continue
        fact = figure
        found = header.get("change")
        note: dict = found if isinstance(found, dict) else {}
        by = " and ".join(note.get("by") or []) or "?"
        lines = [f"# Changed in Slack: {note.get('action', 'changed')} by {by} at {note.get('at', '?')}.",
                 *(f"# Why: {line}" for line in str(note.get("why", "")).splitlines() or [""]),
                 f"# Put this figure in place of id {fact.id} in facts/curated/{shipped_in[fact.id]}."
                 if fact.id in shipped_in else "# A new figure: add it to the curated file of its release.",
                 ""]
        doc = {"facts": [fact.model_dump(mode="json", exclude_none=True)]}
        out = to / f"{fact.id}.yaml"
        text = "\n".join(lines) + yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=100)
        atomic_write(out, text.encode("utf-8"))
        done.append(Exported(fact.id, out, shipped_in.get(fact.id)))
    return done

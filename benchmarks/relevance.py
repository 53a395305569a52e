"""Benchmark: does a question get the right figure first?

Run by hand: ``python benchmarks/relevance.py [--set benchmarks/data/relevance.jsonl] [--no-misses]``.

Each line of the set is a question as staff type it, labelled by someone who
had not read the code: ``{"question": …, "expect": ["S044", "S045"], "who": …,
"note": …}``. ``expect`` names rows of ``/work/shared/sources/*.jsonl``, the
best answer first; every ref listed is an acceptable first figure. ``[]``
means no curated figure answers it: the right answer shows no figure.

Refs are mapped to curated figure ids as ``claim_check.ref_map`` does (the
figures' ``source_refs`` and the ``# Sxxx`` comments in ``facts/curated``).
Only refs with a *servable* curated figure count. A question whose refs have
none is **pending**: not curated yet, or curated but held, retired or
superseded (such a figure is never shown). Pending questions are listed and
left out of the accuracy; each returns to the count as soon as its figure is
curated and servable, with no edit to the set.

Printed: top-1 (the first figure shown is an expected one; for ``[]``, no
figure is shown), top-3 (an expected figure is among the first three shown;
for ``[]``, none is shown), top-1 on the *best* ref (the first listed), by
who asked, and the misses.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from claim_check import ref_map  # noqa: E402

from facts.figures.curated import load_curated  # noqa: E402
from facts.figures.search import FactIndex  # noqa: E402

DEFAULT_SET = ROOT / "benchmarks" / "data" / "relevance.jsonl"
#: Figures looked at per question (an answer shows the best one whole and a few more).
SHOWN = 3


@dataclass
class Outcome:
    line: int
    question: str
    who: str
    expect: list[str]
    expected_ids: set[str]  # servable curated figures of the refs
    best_ids: set[str]  # those of the first ref that has one
    got: list[str]  # ids shown, best first
    pending: bool

    @property
    def none_expected(self) -> bool:
        return not self.expect

    @property
    def top1(self) -> bool:
        if self.none_expected:
            return not self.got
        return bool(self.got) and self.got[0] in self.expected_ids

    @property
    def top3(self) -> bool:
        if self.none_expected:
            return not self.got
        return any(i in self.expected_ids for i in self.got[:SHOWN])

    @property
    def top1_best(self) -> bool:
        if self.none_expected:
            return not self.got
        return bool(self.got) and self.got[0] in self.best_ids


def read_set(path: Path) -> list[tuple[int, dict]]:
    """``[(line number, row)]`` of a labelled set (blank lines skipped)."""
    rows = []
    for line_no, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if line.strip():
            rows.append((line_no, json.loads(line)))
    return rows


def run(path: Path = DEFAULT_SET, lines: set[int] | None = None) -> list[Outcome]:
    """Every labelled question (or only ``lines``) asked of an index of the shipped curated figures."""
    facts = load_curated().facts
    index = FactIndex(facts)
    servable = {f.id for f in facts if f.servable}
    refs = ref_map()
    outcomes = []
    for line_no, row in read_set(path):
        if lines is not None and line_no not in lines:
            continue
        expect = list(row["expect"])
        per_ref = [refs.get(ref, set()) & servable for ref in expect]
        expected_ids = set().union(*per_ref) if per_ref else set()
        best_ids = next((ids for ids in per_ref if ids), set())
        result = index.search(row["question"], limit=SHOWN)
        got = [f.id for f in result.facts]
        outcomes.append(Outcome(line_no, row["question"], row.get("who", "?"), expect, expected_ids, best_ids, got,
                                pending=bool(expect) and not expected_ids))
    return outcomes


def _pct(part: int, whole: int) -> str:
    return f"{part}/{whole} = {100 * part / whole:.1f}%" if whole else "0/0"


def report(outcomes: list[Outcome], misses: bool = True) -> str:
    counted = [o for o in outcomes if not o.pending]
    pending = [o for o in outcomes if o.pending]
    lines = [
        f"questions: {len(outcomes)}; counted: {len(counted)} "
        f"({sum(o.none_expected for o in counted)} expect no figure); "
        f"pending curation (no servable curated figure for their refs): {len(pending)}",
        f"top-1: {_pct(sum(o.top1 for o in counted), len(counted))}",
        f"top-3: {_pct(sum(o.top3 for o in counted), len(counted))}",
        f"top-1 on the best (first) ref: {_pct(sum(o.top1_best for o in counted), len(counted))}",
        "",
        f"{'who':<10}{'counted':>8}{'top-1':>8}{'top-3':>8}",
    ]
    groups: dict[str, list[Outcome]] = defaultdict(list)
    for o in counted:
        groups[o.who].append(o)
    for who, rows in sorted(groups.items()):
        lines.append(f"{who:<10}{len(rows):>8}{100 * sum(o.top1 for o in rows) / len(rows):>7.1f}%"
                     f"{100 * sum(o.top3 for o in rows) / len(rows):>7.1f}%")
    if misses:
        lines += ["", "misses (top-1):"]
        for o in counted:
            if not o.top1:
                want = ", ".join(sorted(o.expected_ids)) or "no figure"
                lines.append(f"  line {o.line}: {o.question!r}\n      expected {o.expect} -> {want}\n"
                             f"      got {o.got or 'no figure'}{'' if o.top3 else '   [not in top 3]'}")
        lines += ["", "pending curation:"]
        lines += [f"  line {o.line}: {o.question!r} {o.expect}" for o in pending]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", type=Path, default=DEFAULT_SET)
    parser.add_argument("--no-misses", action="store_true", help="leave the list of misses out")
    args = parser.parse_args(argv)
    print(report(run(args.set), misses=not args.no_misses))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

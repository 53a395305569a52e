"""What the served figures cover, counted from the figures themselves.

:class:`Coverage` is what help, no-figure answers and App Home say is covered
(publishers, platforms, topics, years) and what ``factbot facts coverage``
prints as the README's table of served figures by publisher and by measure.
Every list is read from the servable figures, so "what is covered" follows
the data: a publisher, topic or platform appears when a figure has it and
goes when its last figure goes.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from facts.figures.model import Fact
from facts.text import escape

#: How a figure without a ``measure`` is counted in the table by measure.
NO_MEASURE = "(no measure given)"


@dataclass(frozen=True)
class Coverage:
    """What the store can answer: for help, no-match replies and App Home.

    ``publishers`` and ``measures``: ``(name, servable figures)``, most
    figures first, then by name.
    """

    topics: list[str]
    platforms: list[str]
    years: list[int]
    figures: int
    publishers: list[tuple[str, int]] = field(default_factory=list)
    measures: list[tuple[str, int]] = field(default_factory=list)

    @classmethod
    def of(cls, servable: Sequence[Fact], platforms: Iterable[str], years: Iterable[int]) -> Coverage:
        """The coverage of ``servable`` figures, with the ``platforms`` and ``years`` the index found."""
        return cls(
            topics=sorted({t for f in servable for t in f.topics}),
            platforms=sorted(platforms),
            years=sorted(years),
            figures=len(servable),
            publishers=_counted(f.source.publisher for f in servable),
            measures=_counted(f.measure or NO_MEASURE for f in servable),
        )


def _counted(values: Iterable[str]) -> list[tuple[str, int]]:
    return sorted(Counter(values).items(), key=lambda item: (-item[1], item[0].lower()))


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def coverage_markdown(coverage: Coverage) -> str:
    """The served figures counted by publisher and by measure, as Markdown tables (the README's)."""
    lines = [f"Served figures: **{coverage.figures}**, {len(coverage.publishers)} publishers, "
             f"{len(coverage.measures)} measures, years {years_label(coverage.years)}.", "",
             "| publisher | served figures |", "| --- | ---: |"]
    lines += [f"| {_cell(name)} | {count} |" for name, count in coverage.publishers]
    lines += ["", "<details><summary>Served figures by measure</summary>", "",
              "| measure | served figures |", "| --- | ---: |"]
    lines += [f"| {_cell(name)} | {count} |" for name, count in coverage.measures]
    lines += ["", "</details>"]
    return "\n".join(lines)


def covered_lines(coverage: Coverage) -> list[str]:
    """What is covered in Slack mrkdwn (escaped): publishers with their figure counts, platforms,
    topics and years, one line each."""
    publishers = ", ".join(f"{name} ({count})" for name, count in coverage.publishers)
    return [
        f"*Publishers:* {escape(publishers)}",
        f"*Platforms:* {escape(', '.join(coverage.platforms))}",
        f"*Topics:* {escape(', '.join(coverage.topics))}",
        f"*Years:* {years_label(coverage.years)} · {coverage.figures} figure{'' if coverage.figures == 1 else 's'}",
    ]


def years_label(years: list[int]) -> str:
    """``[2017, …, 2025]`` → ``"2017–2025"``; no years → ``"none"``."""
    return f"{years[0]}–{years[-1]}" if years else "none"

"""Safeguarding triage: does an enquiry suggest a child is at immediate risk?

The phrases are curated in ``facts/triage_phrases.yaml`` (see its header for
how they are matched and kept). ``matches(text)`` returns the phrases found,
in list order; an enquiry with any match is urgent. Pure: no I/O beyond
reading the phrase file once.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from pathlib import Path

import yaml

PHRASES_FILE = Path(__file__).with_name("triage_phrases.yaml")
_NON_WORD = re.compile(r"[^\w']+")


def _fold(text: str) -> str:
    """Case- and accent-folded words separated by single spaces, padded with a space each side."""
    text = text.casefold()
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text.replace("\u2019", "'").replace("\u2018", "'"))
        text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return " " + " ".join(_NON_WORD.sub(" ", text).split()) + " "


@functools.lru_cache(maxsize=4)
def load_phrases(path: Path = PHRASES_FILE) -> tuple[str, ...]:
    """The curated phrases (as written). Raises ``ValueError`` naming the file when it is malformed."""
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    phrases = data.get("phrases") if isinstance(data, dict) else None
    if not isinstance(phrases, list) or not all(isinstance(p, str) and p.strip() for p in phrases):
        raise ValueError(f"{path}: 'phrases' must be a list of non-empty strings")
    return tuple(phrases)


@functools.lru_cache(maxsize=4)
def _folded(phrases: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    return tuple((p, _fold(p)) for p in phrases)


def matches(*texts: str | None, phrases: tuple[str, ...] | None = None) -> list[str]:
    """The phrases (as curated) found as whole words in any of ``texts``; ``[]`` when none."""
    haystack = " ".join(_fold(t) for t in texts if t)
    return [p for p, folded in _folded(phrases if phrases is not None else load_phrases()) if folded in haystack]

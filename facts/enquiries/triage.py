"""Safeguarding triage: does an enquiry suggest a child is at immediate risk?

Two curated sections of ``facts/triage_phrases.yaml`` (see its header for how
they are matched and kept): ``phrases``, plain words matched whole, and
``patterns``, a few labelled regular expressions for constructions no list of
phrases can cover ("he said he will hurt her tonight", "my dad hits me").
``matches(*texts)`` returns the phrases found (as curated, in list order), then
the labels of the patterns found (in list order); an enquiry with any match is
urgent. Pure: no I/O beyond reading the file once.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import yaml

from facts.text import load_yaml

PHRASES_FILE = Path(__file__).parent.parent / "triage_phrases.yaml"
_NON_WORD = re.compile(r"[^\w']+")
_EDGE_APOSTROPHE = re.compile(r"(?<!\w)'+|'+(?!\w)")  # quote marks, not the one in "won't"
# Apostrophe look-alikes: curly quotes, modifier letter apostrophe, grave, acute, prime, fullwidth.
_APOSTROPHES = str.maketrans({c: "'" for c in "\u2018\u2019\u201b\u02bc\u0060\u00b4\u2032\uff07"})
_WORD_LIST = re.compile(r"\{([a-z_]+)\}")
_WORD_LIST_NAME = re.compile(r"[a-z_]+")
_ESCAPE = re.compile(r"\\N\{[^}]*\}|\\.|\(\?P[<=][^>)]*[>)]")  # \S, \N{NAME}, (?P<name> and (?P=name)

_BLANK = " \x00 "  # a phrase found, blanked out: one "word" that no pattern or phrase names
# No pattern may match this (one that does would flag every enquiry, e.g. ``\w+`` or ``.*``).
_CANARY = " please could you send us information about the support you offer to families and schools "


def _fold(text: str) -> str:
    """Case- and accent-folded words separated by single spaces, padded with a space each side.

    Apostrophe look-alikes become ``'``, kept only inside a word ("won't"; a
    quoted 'word' loses its quotes); invisible format characters (zero-width
    space, soft hyphen) are dropped; any other non-word character is a space.
    """
    text = text.casefold().translate(_APOSTROPHES)
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text)
        text = "".join(ch for ch in text if not unicodedata.combining(ch) and unicodedata.category(ch) != "Cf")
    text = _EDGE_APOSTROPHE.sub(" ", _NON_WORD.sub(" ", text))
    return " " + " ".join(text.split()) + " "


def _folds_away(pattern: str) -> bool:
    """Whether ``pattern`` has a letter that folding changes (capital, accented), so could never match."""
    return any(ch.isalpha() and _fold(ch).strip() != ch for ch in _ESCAPE.sub("", pattern))


@dataclass(frozen=True)
class TriagePattern:
    """One curated pattern: the ``label`` reported when ``regex`` is found in an enquiry's folded text."""

    label: str
    regex: re.Pattern[str]


@dataclass(frozen=True)
class _Rules:
    phrases: tuple[str, ...]
    patterns: tuple[TriagePattern, ...]


def _bad(path: Path | str, why: str) -> ValueError:
    return ValueError(f"{path}: {why}")


def _word_lists(path: Path | str, data: dict) -> dict[str, str]:
    """``words:`` as regex alternations, each word folded like the enquiry and escaped."""
    words = data.get("words", {})
    if words is None:
        words = {}
    if not isinstance(words, dict):
        raise _bad(path, "'words' must be a mapping of list names to lists of words")
    lists = {}
    for name, items in words.items():
        if not isinstance(name, str) or not _WORD_LIST_NAME.fullmatch(name):
            raise _bad(path, f"word list name {name!r} must be lower-case letters and underscores")
        if not isinstance(items, list) or not items or not all(isinstance(w, str) and _fold(w).strip() for w in items):
            raise _bad(path, f"word list {name!r} must be a non-empty list of words (quote any word YAML "
                             "would read as something else: 'no', 'on', 'off', 'yes', numbers)")
        lists[name] = _alternation({_fold(w).strip() for w in items})
    return lists


def _alternation(words: set[str]) -> str:
    """A regex matching any one of ``words``, as a trie ("hit|hits|hitting" is ``hit(?:s|ting)?``).

    The regex engine tries the branches of ``a|b|c`` one by one at every word of
    the enquiry; sharing prefixes makes a list of 90 words about as cheap as one.
    """
    trie: dict = {}
    for word in words:
        node = trie
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}

    def regex(node: dict) -> str:
        ends = "" in node
        branches = [re.escape(ch) + regex(child) for ch, child in sorted(node.items()) if ch]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        if ends:
            return f"(?:{body})?" if len(branches) > 1 or len(body) > 1 else body + "?"
        return body

    return f"(?:{regex(trie)})"


def _whole_words(body: str) -> re.Pattern[str]:
    """``body`` starting and ending at a word break of folded text (single spaces, padded).

    The leading space is a literal prefix, so the engine only tries word starts. No
    ``re.IGNORECASE`` (it makes matching four times slower): the text is folded to
    lower case and :func:`_pattern` refuses patterns with capital or accented letters.
    """
    return re.compile(rf" (?:{body})(?= )")


def _pattern(path: Path | str, index: int, entry: object, lists: dict[str, str]) -> TriagePattern:
    where = f"patterns[{index}]"
    if not isinstance(entry, dict):
        raise _bad(path, f"{where} must be a mapping with 'label' and 'pattern'")
    if set(entry) != {"label", "pattern"}:
        missing = ", ".join(sorted({"label", "pattern"} - set(entry)))
        extra = ", ".join(sorted(str(k) for k in set(entry) - {"label", "pattern"}))
        raise _bad(path, f"{where} " + (f"is missing {missing}" if missing else f"has unknown field(s) {extra}"))
    label, source = entry["label"], entry["pattern"]
    if not isinstance(label, str) or not label.strip():
        raise _bad(path, f"{where}: 'label' must be a non-empty string")
    where = f"pattern {label!r}"
    if not isinstance(source, str) or not source.strip():
        raise _bad(path, f"{where}: 'pattern' must be a non-empty string")
    lines = [line.strip() for line in source.splitlines()]
    alternatives = [line for line in lines if line and not line.startswith("#")]
    if not alternatives:
        raise _bad(path, f"{where}: 'pattern' has no line that is not a comment")
    for line in alternatives:
        unknown = sorted({name for name in _WORD_LIST.findall(line) if name not in lists})
        if unknown:
            raise _bad(path, f"{where} uses undefined word list(s) {', '.join('{' + n + '}' for n in unknown)}")
        if _folds_away(line):
            raise _bad(path, f"{where}: write patterns in lower case without accents (the enquiry is folded): {line}")
    bodies = [_WORD_LIST.sub(lambda m: lists[m.group(1)], line) for line in alternatives]
    # The whole pattern is compiled once: at every start, compiling each line on its own as well
    # (to name a bad one) tripled the cost. Lines are compiled alone only to check that none
    # closes the wrapper's group ("a)|(b"), with each word list as one word (cheap), and, when the
    # whole is bad or matches ordinary text, to name the line that makes it so.
    try:
        for line in alternatives:
            re.compile(_WORD_LIST.sub("(?:w)", line))
        regex = _whole_words("|".join(f"(?:{body})" for body in bodies))
        if not (regex.search(_fold("")) or regex.search(_CANARY)):
            return TriagePattern(label.strip(), regex)
    except re.error:
        pass
    for line, body in zip(alternatives, bodies, strict=True):
        try:
            re.compile(body)  # on its own: "a)|(b" must not pass by closing the wrapper's group
            one = _whole_words(body)
        except re.error as error:
            raise _bad(path, f"{where} is not a valid regular expression ({error}): {line}") from None
        if one.search(_fold("")) or one.search(_CANARY):
            raise _bad(path, f"{where} matches empty or ordinary text, so it would flag every enquiry: {line}")
    raise _bad(path, f"{where} is not a valid regular expression as a whole")  # each line is, together they are not


@functools.lru_cache(maxsize=4)
def _load(path: Path = PHRASES_FILE) -> _Rules:
    try:
        data = load_yaml(Path(path).read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as error:
        raise _bad(path, f"not valid YAML: {error}") from None
    if not isinstance(data, dict):
        raise _bad(path, "must be a mapping with 'phrases' (and optionally 'words' and 'patterns')")
    phrases = data.get("phrases")
    if not isinstance(phrases, list) or not all(isinstance(p, str) and _fold(p).strip() for p in phrases):
        raise _bad(path, "'phrases' must be a list of strings, each with at least one word")
    entries = data.get("patterns", [])
    if entries is None:
        entries = []
    if not isinstance(entries, list):
        raise _bad(path, "'patterns' must be a list of {label, pattern} mappings")
    lists = _word_lists(path, data)
    patterns = tuple(_pattern(path, i, entry, lists) for i, entry in enumerate(entries))
    labels = [p.label for p in patterns]
    twice = sorted({label for label in labels if labels.count(label) > 1})
    if twice:
        raise _bad(path, f"pattern label(s) used twice: {', '.join(twice)}")
    return _Rules(tuple(phrases), patterns)


def load_phrases(path: Path = PHRASES_FILE) -> tuple[str, ...]:
    """The curated phrases (as written). Raises ``ValueError`` naming the file when it is malformed."""
    return _load(path).phrases


def load_patterns(path: Path = PHRASES_FILE) -> tuple[TriagePattern, ...]:
    """The curated patterns, compiled. Raises ``ValueError`` naming the file when it is malformed."""
    return _load(path).patterns


@functools.lru_cache(maxsize=4)
def _folded(phrases: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    return tuple((p, _fold(p)) for p in phrases)


def matches(*texts: str | None, phrases: tuple[str, ...] | None = None,
            patterns: tuple[TriagePattern, ...] | None = None) -> list[str]:
    """The phrases (as curated) and pattern labels found in any of ``texts``; ``[]`` when none.

    Phrases come first, in list order, then labels, in list order, each once. A
    label is for wording the phrases found do not already cover: the patterns
    search the texts with those phrases blanked out ("my daughter is not safe at
    home" gives "not safe at home", not also "someone is not safe").
    ``phrases`` and ``patterns`` default to the shipped file's. A phrase or
    pattern never spans two texts (name, organisation, message).
    """
    folded = [_fold(t) for t in texts if t]
    haystack = " ".join(folded)  # fields end up three spaces apart: a phrase cannot span two
    hits = [(p, f) for p, f in _folded(phrases if phrases is not None else load_phrases()) if f in haystack]
    found = [p for p, _ in hits]
    for _, f in sorted(hits, key=lambda hit: -len(hit[1])):
        for i, text in enumerate(folded):
            while f in text:
                folded[i] = text = text.replace(f, _BLANK)
    for pattern in patterns if patterns is not None else load_patterns():
        if pattern.label not in found and any(pattern.regex.search(text) for text in folded):
            found.append(pattern.label)
    return found

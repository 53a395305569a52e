"""How staff ask: the one list of subcommands, how a question is read, and the "how to ask" help.

Every surface reads text the same way through :func:`read`: the slash command
(``/grooming <text>``), an @mention, ``factbot ask`` and App Home's help. The
text after the command is a **question** in plain words unless its first word
is a subcommand:

- ``help`` and ``sources`` only when they are the whole text (so
  ``/grooming helpline number`` or ``/grooming sources of the 7,263`` are
  questions);
- ``check <draft>`` always (the rest is the draft to check);
- ``stats <question>`` (and ``stat``, ``figures``, ``figure``): the old way of
  asking, still accepted; the rest is the question.

A question's Slack markup is not part of it: mention, channel and broadcast
tokens (``<@U…>``, ``<#C…|name>``, ``<!here>``) are dropped by
:func:`facts.text.slack_to_plain`, and so are a ``@name`` or ``#channel``
typed as plain text (what Slack sends for a command with
``should_escape: false``), so a person's name is never a search word.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from facts.text import slack_to_plain

#: The app's name as people see it (and type it after ``@``).
APP_NAME = "Safeguarding Facts"

Action = Literal["question", "help", "sources", "check", "thanks"]

#: Whole texts that thank or acknowledge rather than ask ("@Safeguarding Facts thanks!"): answered
#: with a short "you're welcome", never searched (they used to get "no curated figure").
THANKS = frozenset({"thanks", "thank you", "thanks a lot", "thank you very much", "many thanks", "thx", "ty",
                    "cheers", "ta", "great thanks", "ok thanks", "perfect thanks", "brilliant thanks"})


@dataclass(frozen=True)
class Subcommand:
    """A word that, first in the text, is a command rather than a question.

    ``action``: what it does; ``words``: how it may be typed (lowercase);
    ``whole``: it is a command only when it is the whole text (``help``),
    otherwise the rest of the text is its argument (``check <draft>``);
    ``usage`` and ``what``: its line in the help (``None``: not listed).
    """

    action: Action
    words: frozenset[str]
    whole: bool
    usage: str | None
    what: str | None


#: Every subcommand, once. The slash command, mentions and the help all read this list.
SUBCOMMANDS: tuple[Subcommand, ...] = (
    Subcommand("check", frozenset({"check"}), False, "check <your draft>",
               "every number in a draft checked against the curated figures"),
    Subcommand("sources", frozenset({"sources", "source"}), True, "sources", "the releases the figures come from"),
    Subcommand("help", frozenset({"help", "?", "usage"}), True, "help", "how to ask"),
    # The old way of asking ("stats instagram"): the rest is the question.
    Subcommand("question", frozenset({"stats", "stat", "figures", "figure"}), False, None, None),
)

#: Example questions shown wherever the help is (slash command, mention, App Home, no-match answers).
EXAMPLES: tuple[tuple[str, str], ...] = (
    ("how many grooming offences were recorded last year?", "a count, newest first"),
    ("instagram", "a platform (insta, fb, meta, snap, wa work too)"),
    ("what proportion of victims are girls", "a share"),
    ("has grooming risen since 2017/18", "a change over time"),
    ("scotland 2023/24", "a nation and a period"),
    ("what is the NSPCC helpline number", "a contact or a way to report"),
)

_LEADING_TOKENS = re.compile(r"^\s*(?:<[@#!][^<>]*>\s*)+")
#: ``@jo.bloggs`` or ``#campaigns`` typed as plain text (not an e-mail address, not ``#1``).
_PLAIN_HANDLE = re.compile(r"(?<![\w@#.&])[@#][A-Za-z][\w.\-']*")


@dataclass(frozen=True)
class Asked:
    """What a text asks for: ``action``, and its ``text`` (the question or the
    draft, as Slack sent it, without the command word; ``""`` for help and sources)."""

    action: Action
    text: str = ""


def read(text: str) -> Asked:
    """Read raw Slack ``text`` (after the command, or a mention's whole text) as a subcommand or a question.

    Empty text (or only mentions and markup) is ``help``. Never raises.
    """
    rest = _LEADING_TOKENS.sub("", text or "").strip()
    if not plain_question(rest):
        return Asked("help")
    if " ".join(re.sub(r"[^\w\s]", " ", plain_question(rest).lower()).split()) in THANKS:
        return Asked("thanks")
    first, _, after = rest.partition(" ")
    word = first.lower().rstrip(".,:;!?") or first
    for sub in SUBCOMMANDS:
        if word not in sub.words:
            continue
        if sub.whole and not plain_question(after):
            return Asked(sub.action)
        if not sub.whole:
            if sub.action == "question" and not plain_question(after):
                return Asked("question", "")  # "stats" alone: the newest figures, as before
            return Asked(sub.action, after.strip())
    return Asked("question", rest)


def plain_question(text: str) -> str:
    """The words of a question: Slack markup dropped (:func:`slack_to_plain`),
    and ``@name`` / ``#channel`` typed as plain text dropped too."""
    return " ".join(_PLAIN_HANDLE.sub(" ", slack_to_plain(text)).split())


def example_lines(command: str, limit: int | None = None) -> list[tuple[str, str]]:
    """``[(what to type, what it gives)]``: the example questions after ``command`` (``/grooming``)."""
    return [(f"{command} {question}", what) for question, what in EXAMPLES[:limit]]


def subcommand_lines(command: str) -> list[tuple[str, str]]:
    """``[(what to type, what it does)]``: the subcommands listed in the help."""
    return [(f"{command} {sub.usage}", sub.what) for sub in SUBCOMMANDS if sub.usage and sub.what]


def how_to_ask(command: str) -> list[tuple[str, str]]:
    """Every line of the help: example questions, then the subcommands (plain text, unescaped)."""
    return example_lines(command) + subcommand_lines(command)


def mention_examples(limit: int = 3) -> list[str]:
    """Example mentions (``@Safeguarding Facts instagram``), plain text."""
    return [f"@{APP_NAME} {question}" for question, _what in EXAMPLES[:limit]]

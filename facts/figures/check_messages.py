"""Rendering figure checks: one line per number, as Block Kit and as plain text.

:func:`check_message` is the ephemeral answer to ``/grooming check …`` and
the **Check figures** shortcut: a line per claim in the draft (numbers that
are not claims are left out), each with its verdict, the figure to use and
its source, and a **Copy corrected sentence** block where one can be given
without guessing. :func:`alert_reply` is the thread reply under a campaign
card whose text quotes a figure that differs or is out of date.

Text from the draft and from curators is escaped; nothing is computed from
a figure.
"""

from __future__ import annotations

from collections.abc import Sequence

from facts.blocks import MAX_BLOCKS, MAX_TEXT, context, fallback, section, text_sections
from facts.figures.check import NO_FIGURE, Check
from facts.figures.messages import Message, published_label, source_name
from facts.figures.model import Fact
from facts.text import escape, split_text, truncate

#: What each verdict is called in an answer, and its emoji.
LABELS: dict[str, tuple[str, str]] = {
    "matches": (":white_check_mark:", "matches"),
    "differs": (":x:", "differs from the curated figure"),
    "out_of_date": (":hourglass:", "out of date"),
    "missing_base_or_period": (":warning:", "missing its base or period"),
    "known_misquote": (":no_entry:", "known misquote"),
    "no_figure": (":grey_question:", "no curated figure"),
}
#: Verdicts an alert's thread reply is about.
ALERT_VERDICTS = frozenset({"differs", "out_of_date"})
#: Claims shown in one answer (each may take two blocks; a header and a footer too).
MAX_LINES = 20


def _section(text: str) -> dict:
    # The draft's own words are echoed: verbatim, so Slack links nothing in them.
    return section(text, verbatim=True)


def _source(fact: Fact) -> str:
    src = fact.source
    return f"{escape(source_name(fact))}, <{src.url}|{escape(truncate(src.title, 120))}>, {escape(published_label(fact))}"


def _figure(fact: Fact, shown: str | None = None) -> str:
    return (f"*{escape(shown or fact.display)}* ({escape(fact.period.label)}; {escape(fact.geography)}) — "
            f"{_source(fact)}")


def _sentence_end(text: str) -> str:
    """``text`` ending with a full stop (a reason is followed by more words)."""
    return text if text.rstrip().endswith((".", "!", "?")) else text.rstrip() + "."


def check_line(check: Check) -> str:
    """The mrkdwn line for one checked number."""
    emoji, label = LABELS[check.verdict]
    head = f"{emoji} *{escape(check.number.span)}* — {label}"
    fact = check.figure
    if check.verdict == "matches" and fact:
        if check.needs_attention:  # right as quoted, but curators hold it: nothing to copy
            return (f"{head}: {_figure(fact, check.figure_text)}. :warning: this figure is *held* by curators: "
                    f"do not quote it until it is checked.")
        return f"{head}: {_figure(fact, check.figure_text)}.\nQuotable: _{escape(fact.claim)}_"
    if check.verdict == "differs" and fact:
        why = f" ({escape(check.why)})" if check.why else ""
        return f"{head}: the curated figure is {_figure(fact, check.figure_text)}{why}."
    if check.verdict == "out_of_date" and fact:
        if check.newer:
            return f"{head}: this is {_figure(fact, check.figure_text)}; a newer figure replaces it: {_figure(check.newer)}."
        return f"{head}: this is {_figure(fact, check.figure_text)}; {escape(check.why)}."
    if check.verdict == "missing_base_or_period" and fact:
        return f"{head}: the figure is right, but {escape(check.why)}. Base: {escape(fact.base)}; period: " \
               f"{escape(fact.period.label)}. {_source(fact)}."
    if check.verdict == "known_misquote" and fact:
        if fact.status == "held":  # the wording is marked on a figure curators hold: never "use" it
            return f"{head}: {escape(_sentence_end(check.why))} (Marked on {_figure(fact)}, which curators hold: do not quote it.)"
        return f"{head}: {escape(_sentence_end(check.why))} Use {_figure(fact)}."
    if check.verdict == "no_figure" and check.why and check.why != NO_FIGURE:
        return f"{head}: {escape(check.why)}. It was not checked: give its source, or leave it out."
    return f"{head}: nothing curated is about this number, so it was not checked. Give its source, or leave it out."


def _corrected_blocks(check: Check) -> list[dict]:
    """The corrected sentence in code blocks, split (never cut) when over a section's 3,000 characters."""
    if not check.corrected or check.verdict == "matches":
        return []
    pieces = split_text(escape(check.corrected.replace("```", "'''")), MAX_TEXT - 80)
    return [_section(("Copy corrected sentence:\n" if i == 0 else "") + f"```{piece}```")
            for i, piece in enumerate(pieces)]


def _claim_blocks(check: Check, *, corrected: bool = True) -> list[dict]:
    """One claim's line (split into sections at sentence ends when long, never cut) and its correction."""
    return text_sections(check_line(check), verbatim=True) + (_corrected_blocks(check) if corrected else [])


def _within(blocks: list[dict], groups: list[list[dict]], reserve: int) -> int:
    """Add whole ``groups`` to ``blocks`` while ``reserve`` blocks stay free of Slack's 50; how many were added."""
    added = 0
    for group in groups:
        if len(blocks) + len(group) + reserve > MAX_BLOCKS:
            break
        blocks.extend(group)
        added += 1
    return added


def _plain_line(check: Check) -> str:
    _, label = LABELS[check.verdict]
    line = f"- {check.number.span}: {label}"
    fact = check.figure
    if check.verdict == "out_of_date" and check.newer:
        line += f"; newer figure: {check.newer.display} ({check.newer.period.label})"
    elif fact is not None and check.verdict != "matches":
        line += f"; curated figure: {check.figure_text or fact.display} ({fact.period.label})"
    if check.why:
        line += f" ({check.why})"
    if check.verdict == "matches" and check.needs_attention:
        line += " (held by curators: do not quote it until it is checked)"
    if check.corrected and check.verdict != "matches":
        line += f"\n  Corrected: {check.corrected}"
    return line


def check_message(checks: Sequence[Check], *, every: bool = False, more: str = "check a shorter draft") -> Message:
    """The answer to a check: a summary, then a line per claim (at most ``MAX_LINES``, within Slack's
    50 blocks; ``more`` is what the footer tells the reader to do about the rest). ``every``: a line
    for every claim, past those limits (``factbot check --all``: a terminal, not Slack)."""
    claims = [c for c in checks if c.verdict != "not_a_claim"]
    if not claims:
        text = ("No figures to check: I found no numbers that are claims (phone numbers, dates of events "
                "and list numbering are left alone).")
        return Message(text, [_section(text)])
    problems = sum(c.needs_attention for c in claims)
    summary = (f"Checked {len(claims)} figure{'s' if len(claims) != 1 else ''}: "
               + ("all match the curated figures." if not problems else
                  f"{problems} need{'s' if problems == 1 else ''} attention."))
    blocks: list[dict] = [_section(f"*{summary}*")]
    if every:
        blocks.extend(block for c in claims for block in _claim_blocks(c))
        shown = len(claims)
    else:
        shown = _within(blocks, [_claim_blocks(c) for c in claims[:MAX_LINES]], reserve=1)
    footer = "Only you can see this. Figures come from the curated store; nothing was computed or rounded."
    if len(claims) > shown:
        footer = f"{len(claims) - shown} more figure(s) not shown: {more}. " + footer
    blocks.append(context(footer))
    text = "\n".join([summary, *(_plain_line(c) for c in claims[:shown])])
    return Message(fallback(text), blocks)


def alert_reply(checks: Sequence[Check]) -> dict | None:
    """``chat.postMessage`` arguments for the thread reply under a campaign card, or ``None``
    when no number in it differs from, or is an out-of-date version of, a curated figure."""
    flagged = [c for c in checks if c.verdict in ALERT_VERDICTS]
    if not flagged:
        return None
    lead = ":mag: *Figure check:* this item quotes " + (
        "a figure that does not match the curated one." if len(flagged) == 1 else
        f"{len(flagged)} figures that do not match the curated ones.")
    blocks = [_section(lead)]
    shown = _within(blocks, [_claim_blocks(c, corrected=False) for c in flagged[:MAX_LINES]], reserve=0)
    text = "\n".join(["Figure check: this item quotes figures that do not match the curated ones.",
                      *(_plain_line(c) for c in flagged[:shown])])
    return {"text": fallback(text), "blocks": blocks}

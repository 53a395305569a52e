"""The App Home tab as a Block Kit ``home`` view (a plain dict, no Slack SDK).

Everyone sees how to ask (slash command, @mention in a thread, the "Find
figures" shortcut) with examples, the platforms, topics and years covered,
and the newest figures with their citations. Curators also see the figures
due for review and the queries that found nothing. The view stays within
Block Kit's 100 blocks and 3,000 characters a text, however long the lists.
"""

from __future__ import annotations

import datetime as dt

from facts.blocks import MAX_VIEW_BLOCKS, cap_blocks, section, sections
from facts.figures import asking
from facts.figures import messages as render
from facts.figures.coverage import Coverage, covered_lines
from facts.figures.curation_views import review_actions, review_line
from facts.figures.model import Fact
from facts.figures.usage import Gap
from facts.text import escape, long_date

#: Figures due for review listed by name, each with Re-verify / Correct / Retire (2 blocks); the rest are
#: counted (``factbot facts stale`` lists all).
MAX_REVIEWS_LISTED = 15
#: Unanswered queries listed (``factbot facts gaps`` lists all).
MAX_GAPS_LISTED = 10


def home_view(coverage: Coverage, newest: list[Fact], today: dt.date, command: str, *,
              reviews_due: list[Fact] | None = None, gaps: list[Gap] | None = None,
              curation: list[dict] | None = None, problems: list[dict] | None = None) -> dict:
    """The ``home`` view for one person (a dict for ``views.publish``, at most 100 blocks).

    ``newest``: figures shown with their citations (keep it to a few).
    ``reviews_due`` and ``gaps`` (most asked first): the curator sections,
    left out when ``None`` (the person is not a curator); ``curation``: the
    curators' blocks put first among them
    (:func:`facts.figures.curation_views.curator_home_blocks`); ``problems``: the curators' queue
    of reported problems (:func:`facts.figures.problem_reports.queue_blocks`), after them.
    """
    blocks: list[dict] = [
        {"type": "header", "text": {"type": "plain_text", "text": render.APP_NAME}},
        section("Figures on online grooming and children's safety online, always with their source: publisher, "
                 "title and link, date, period, geography and base. Nothing is estimated or worked out from other "
                 "figures."),
        section(_how_to_ask(command)),
        *sections([f"*What is covered* ({coverage.figures} figures)", *covered_lines(coverage)]),
        {"type": "header", "text": {"type": "plain_text", "text": "Newest figures"}},
    ]
    curators: list[dict] = []
    if reviews_due is not None or gaps is not None:
        curators.append({"type": "header", "text": {"type": "plain_text", "text": "For curators"}})
        curators.extend(curation or [])
        curators.extend(problems or [])
        curators.extend(_reviews(reviews_due or []))
        curators.extend(_gaps(gaps or []))
    for fact in newest:  # as many as fit: the curator sections are never cut
        figure = render.fact_blocks(fact, today)
        if len(blocks) + len(figure) + len(curators) > MAX_VIEW_BLOCKS:
            break
        blocks.extend(figure)
    return {"type": "home", "blocks": cap_blocks(blocks + curators, MAX_VIEW_BLOCKS)}


def _how_to_ask(command: str) -> str:
    app = render.APP_NAME
    examples = ", ".join(f"`{escape(typed)}`" for typed, _what in asking.example_lines(command, limit=3))
    commands = "; ".join(f"`{escape(typed)}` — {escape(what)}" for typed, what in asking.subcommand_lines(command))
    return (
        "*How to ask*\n"
        f"• A question in plain words: {examples} — only you see the answer until you press *Share*\n"
        f"• In a thread (where slash commands do not work): *@{app} snapchat grooming* — the answer comes in "
        f"the thread\n"
        f"• On any message: *⋮ More actions → Find figures* — the figures for its words, each with "
        f"*Share in thread*\n"
        f"• {commands}"
    )


def _reviews(due: list[Fact]) -> list[dict]:
    title = f"*Figures due for review* ({len(due)})"
    if not due:
        return [section(f"{title}\nNone: every figure is within its review date.")]
    blocks = [section(title)]
    for fact in due[:MAX_REVIEWS_LISTED]:
        blocks += [section(f"{review_line(fact)}, {escape(render.published_label(fact))}"), review_actions(fact)]
    if len(due) > MAX_REVIEWS_LISTED:
        blocks.append(section(f"…and {len(due) - MAX_REVIEWS_LISTED} more: `factbot facts stale` lists them all."))
    return blocks


def _gaps(gaps: list[Gap]) -> list[dict]:
    title = "*Unanswered queries* (most asked first; no names or user ids are kept)"
    if not gaps:
        return [section(f"{title}\nNone recorded yet.")]
    lines = [f"• {g.count}× “{escape(g.text)}” — last asked {long_date(g.last_seen)}" for g in gaps[:MAX_GAPS_LISTED]]
    lines.append("`factbot facts gaps` lists them all.")
    return sections([title, *lines])



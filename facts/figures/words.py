"""Words as search reads them, in a question and in a figure alike.

Text is lowercased, a few phrases are joined into one token ("online safety
act" → ``osa``, "child sexual offences" → ``csoffence``), stopwords are
dropped and every word is stemmed with the Snowball English stemmer
(``snowballstemmer``), so *report*, *reported* and *reporting* are one term.
Synonyms then map a question's word onto the figures' vocabulary ("kids" →
``child``, "crimes" → ``offenc``). Numbers are not terms: figures are matched
by the numbers written in their display (:func:`numbers`).
"""

from __future__ import annotations

import re
from functools import lru_cache, partial
from typing import Any

import snowballstemmer

#: Platform names as staff type them → canonical name. Platforms with no
#: figures are listed too, so "tiktok" is answered "no figure for TikTok"
#: rather than with figures about some other platform.
PLATFORM_ALIASES: dict[str, str] = {
    "instagram": "Instagram", "insta": "Instagram", "ig": "Instagram",
    "facebook": "Facebook", "fb": "Facebook", "meta": "Facebook",
    "facebookowned": "Facebook", "metaowned": "Facebook",
    "messenger": "Messenger",
    "whatsapp": "WhatsApp", "wa": "WhatsApp",
    "snapchat": "Snapchat", "snap": "Snapchat",
    "kik": "Kik",
    "tiktok": "TikTok", "youtube": "YouTube", "yt": "YouTube", "discord": "Discord",
    "roblox": "Roblox", "twitter": "X (Twitter)", "telegram": "Telegram", "twitch": "Twitch",
    "omegle": "Omegle", "minecraft": "Minecraft", "fortnite": "Fortnite", "reddit": "Reddit",
    "signal": "Signal", "skype": "Skype", "xbox": "Xbox",
    "playstation": "PlayStation", "wink": "Wink", "yubo": "Yubo", "grindr": "Grindr",
}

#: Subjects people ask about that no curated figure covers: a word here that the figures do not
#: know means there is no curated figure for the question, even when its other words find figures
#: ("instagram ethnicity", "NCA grooming 2024", "instagram liverpool"). Any other word the figures
#: do not know is noise ("instagram RED", "instagram'; DROP TABLE facts; --"): it is said to be
#: not used and the rest is answered, unless nothing else in the question is distinctive. A word
#: here stops mattering as soon as a figure uses it. Platforms are :data:`PLATFORM_ALIASES`; places
#: with a label of their own are ``facts.figures.question.PLACES``; these are the rest.
UNCOVERED_SUBJECTS: tuple[str, ...] = (
    # who else publishes figures
    "nca", "cps", "ncmec", "fbi", "europol", "interpol", "ofsted", "nhs", "barnardos", "unicef", "weprotect",
    "samaritans", "dfe",
    # who is counted, by what the figures never split by
    "ethnicity", "ethnic", "race", "racial", "religion", "religious", "disability", "disabled", "sexuality", "lgbt",
    "lgbtq", "transgender", "poverty", "deprivation", "income",
    # other harms and crimes
    "radicalisation", "radicalization", "extremism", "terrorism", "gambling", "suicide", "pornography", "porn",
    "trafficking", "cyberflashing", "upskirting", "stalking", "harassment", "fraud", "scam", "scams", "drugs",
    "knife", "gangs", "murder", "homicide", "rape",
    # what the justice system does next, and money
    "sentence", "sentences", "sentencing", "jail", "prison", "custody", "length", "conviction", "convictions",
    "prosecution", "prosecutions", "arrest", "arrests", "reoffending", "cost", "costs", "funding", "spending",
    # places below a nation with no label of their own (forces and cities), and abroad
    "liverpool", "merseyside", "birmingham", "leeds", "bradford", "sheffield", "yorkshire", "lancashire", "cumbria",
    "durham", "northumbria", "newcastle", "cleveland", "humberside", "nottingham", "nottinghamshire", "derbyshire",
    "leicester", "leicestershire", "northamptonshire", "cambridgeshire", "norfolk", "suffolk", "essex",
    "hertfordshire", "bedfordshire", "devon", "cornwall", "dorset", "somerset", "bristol", "wiltshire",
    "gloucestershire", "cheshire", "cardiff", "swansea", "glasgow", "edinburgh", "aberdeen", "dundee", "belfast",
    "ireland", "france", "germany", "australia", "canada", "europe", "worldwide", "global", "international",
)

#: Phrases joined before tokenising (in questions and figures alike).
_PHRASES: dict[str, Any] = {
    r"facebook[\s-]+owned": "facebookowned", r"meta[\s-]+owned": "metaowned",
    r"whats\s+app": "whatsapp", r"tik\s+tok": "tiktok", r"you\s+tube": "youtube",
    r"face\s+book": "facebook", r"snap\s+chat": "snapchat", r"insta\s+gram": "instagram",
    r"online\s+safety\s+act": "osa online safety", r"wild\s+west\s+web": "wildwestweb",
    r"northern\s+ireland": "northernireland", r"child\s*line": "childline",
    r"england\s*(?:and|&)\s*wales|\be\s*&\s*w\b": "englandwales",
    r"help\s+line": "helpline", r"nspcc(?:'s)?\s+help\s*line": "nspcchelpline helpline",
    r"\bfirst\s+(?:full\s+)?year\b(?!\s+(?:above|over|that|when))": "firstyear", r"royal\s+assent": "royalassent",
    r"primary[\s-]+school": "primaryschool", r"self[\s-]+generated": "selfgenerated",
    r"west\s+mid(?:land)?s": "westmidlands", r"south[\s-]+east": "southeast",
    r"internet\s+watch\s+foundation": "iwf", r"crime\s+survey": "csew",
    r"\bons\b|office\s+for\s+national\s+statistics": "onsstats",  # "ons" alone stems to a stopword
    r"sexual\s+communication\s+with\s+a\s+child": "scwc",
    # Every child sexual offence, not grooming alone: a measure of its own.
    r"\b(?:child\s+)?sex(?:ual)?\s+(?:offences?|crimes?|abuse\s+offences?)\b(?!\s+act)": "csoffence",
    r"indecent\s+images?": "indecentimage",
    # "non-emergency" is not "emergency": a word of its own
    r"\bnon[\s-]+([a-z]+)": r"non\1",
    r"under[\s-]*(\d\d?)s?\b": r"under\1",
    # durations are not figures: "18 months", "six years"
    r"\b(\d+|two|three|four|five|six|seven|eight|nine|ten)\s+(months?|years?|yrs?)\b":
        lambda m: f"{m[2][0]}{_NUMBER_WORDS.get(m[1], m[1])}dur",
}
_NUMBER_WORDS: dict[str, str] = {"two": "2", "three": "3", "four": "4", "five": "5", "six": "6", "seven": "7", "eight": "8",
                 "nine": "9", "ten": "10"}
_PHRASE_PATTERNS = [(re.compile(pattern), joined) for pattern, joined in _PHRASES.items()]
#: Any of the phrases, to skip the ~30 passes for text that has none (most questions; answering time).
_ANY_PHRASE = re.compile("|".join(f"(?:{pattern})" for pattern in _PHRASES))

_STOPWORDS = frozenset(
    # function words
    "a an and are as at be been being but by did do does doing for from get got give how i if in is it its me "
    "most of on or so than that the their them then there these they this those to was were what whats when "
    "where which who whom whose why will with about into over per any some all us our we you your can could "
    "would should shall may might must have has had not no yes just also only very really still ever "
    "my mine he she his her him it's i'm im let lets out up off".split()
    # words about asking and using a figure, not about its subject
) | frozenset(
    "show tell give gave given gives find know think need want wants wanted please thanks thank help looking look "
    "stat stats statistic statistics figure figures fact facts data "
    "say said saying true right correct check quote use using write writing "
    "press release headline line social post tweet carousel graphic briefing story piece article "
    "punchy good best quick simple one single something anything anyone anybody someone "
    "post share thread threads message channel http https www com org net co uk "
    "year years yr yrs latest newest recent recently current currently now today "
    "campaign campaigns comms many much happen happens happened happening".split()
)

#: A question's word (stemmed) → the figures' words (stemmed) it may match.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "covid": ("lockdown",), "pandem": ("lockdown",),
    "penalti": ("fine", "penalti"), "fine": ("fine", "penalti"),
    "legisl": ("law",), "act": ("law",),
    "welsh": ("wale",), "cymru": ("wale",), "scottish": ("scotland",),
    "ni": ("northernireland",), "psni": ("northernireland",),
    "phone": ("helplin",), "ring": ("helplin", "call"), "call": ("helplin", "call"),
    "femal": ("girl", "femal"), "girl": ("girl", "femal"), "male": ("boy", "male"), "age": ("age", "aged"),
    "crime": ("offenc",), "offens": ("offenc",),
    "kid": ("child",), "children": ("child",), "child": ("child",),
    "groomer": ("groom",), "predat": ("groom",),
    "app": ("app", "platform"), "site": ("platform", "websit"), "platform": ("platform", "app"),
    "risen": ("rise",), "rise": ("rise",), "increas": ("rise",), "gone": (), "doubl": ("doubl", "rise"),
    "tripl": ("rise",), "growth": ("rise",),
    "youngest": ("youngest",), "young": ("youngest", "young", "age"),
    "boy": ("boy", "girl"), "gender": ("girl",), "sex": ("girl",),
    "regul": ("regul",), "regulat": ("regul",),
    "s15a": ("15a",), "15a": ("15a",),
    "under12": ("primaryschool", "under12", "11"), "under11": ("primaryschool", "11", "under11"),
    "younger": ("under", "youngest", "age"),
    "start": ("start", "commenc", "forc"), "began": ("commenc", "start"), "commenc": ("commenc",),
}

_WORD = re.compile(r"[a-z][a-z0-9']*|\d+[a-z]?")
_NUMBER = re.compile(r"(?<![a-z])\d+")  # not the 13 of "under13" (an age group) or "m18dur" (a duration)
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}\b)")

_STEMMER = snowballstemmer.stemmer("english")
#: Words the stemmer leaves apart that mean the same in a question and a figure.
_CANONICAL = {"max": "maximum", "children": "child", "kids": "child", "kid": "child", "crimes": "offenc", "crime": "offenc",
              "offense": "offenc", "offenses": "offenc"}


@lru_cache(maxsize=100_000)
def stem(word: str) -> str:
    """The Snowball English stem of a lowercase word (cached: the vocabulary is small)."""
    return str(_STEMMER.stemWord(word))


def join_phrases(text: str, written: dict[str, str] | None = None) -> str:
    """Lowercased ``text`` with the known phrases joined into one token each. ``written``, when
    given, gets each made-up token (one not among the words it stands for) → those words as
    typed: ``"csoffence"`` → ``"child sexual offences"``, so an answer can say them."""
    text = text.lower()
    if not _ANY_PHRASE.search(text):
        return text
    for pattern, joined in _PHRASE_PATTERNS:
        text = pattern.sub(joined if written is None else partial(_joined, joined=joined, written=written), text)
    return text


def _joined(match: re.Match[str], *, joined: Any, written: dict[str, str]) -> str:
    """The replacement for one phrase, noting its made-up tokens in ``written``."""
    replacement = joined(match) if callable(joined) else match.expand(joined)
    words = set(match[0].split())
    for token in replacement.split():
        if token not in words:
            written.setdefault(token, " ".join(match[0].split()))
    return replacement


def terms(text: str) -> list[str]:
    """Stemmed terms of plain ``text``: phrases joined, stopwords and numbers dropped.

    A single letter is a term only when it is a platform alias; platform aliases
    are kept as typed (``"insta"``), not stemmed, so they can be looked up.
    """
    return [term for term, _word in _read_terms(join_phrases(text))]


#: Between fields read together: not whitespace and not a word, so no phrase or word spans two fields.
_FIELD_BREAK = "\x00"


def field_terms(texts: list[str]) -> list[list[str]]:
    """:func:`terms` of each of ``texts`` (a figure's fields), read in one pass: the phrase
    patterns run once over all the fields joined, not once per field (index build time)."""
    joined = join_phrases(_FIELD_BREAK.join(t.replace(_FIELD_BREAK, " ") for t in texts))
    return [[term for term, _word in _read_terms(part)] for part in joined.split(_FIELD_BREAK)]


def typed_terms(text: str) -> list[tuple[str, str]]:
    """``[(term, the word as typed, lowercased)]`` of plain ``text`` (see :func:`terms`); a
    joined phrase's term comes with the phrase as typed (``"csoffenc"``, ``"child sexual offences"``)."""
    written: dict[str, str] = {}
    joined = join_phrases(text, written)
    return [(term, written.get(word, word)) for term, word in _read_terms(joined)]


def _read_terms(joined: str) -> list[tuple[str, str]]:
    out = []
    for word in _WORD.findall(joined):
        term = _term_of(word)
        if term is not None:
            out.append(term)
    return out


@lru_cache(maxsize=200_000)
def _term_of(word: str) -> tuple[str, str] | None:
    """``(term, word as typed)`` of one lowercase word, or None for a stopword or a number
    (cached: figures and questions reuse a small vocabulary)."""
    word = word.replace("'", "")
    if word.isdigit() or word in _STOPWORDS:  # before stemming: "was" must not become "wa" (WhatsApp)
        return None
    if word in PLATFORM_ALIASES:
        return word, word
    if word.endswith("s") and word[:-1] in PLATFORM_ALIASES:  # "insta's" → "insta"
        return word[:-1], word
    stemmed = _CANONICAL.get(word) or stem(word)
    if stemmed not in _STOPWORDS and len(stemmed) > 1:
        return stemmed, word
    return None


def numbers(text: str) -> list[str]:
    """The numbers written in ``text`` as figure terms: ``"1,220 and 999"`` → ``["#1220", "#999"]``."""
    return ["#" + n for n in _NUMBER.findall(_THOUSANDS.sub("", text))]


def alternatives(term: str) -> tuple[str, ...]:
    """The figure terms a question's ``term`` may match: itself and its synonyms."""
    extra = SYNONYMS.get(term)
    return (term, *extra) if extra else (term,)

"""A campaign update: what the website (or a person) announces, validated.

``title`` (1–200 characters, one line), ``url`` (http(s), at most 2,000
characters, no ``user:password@``) and optional ``summary`` (at most 1,000
characters). Plain text; escaped when rendered.
"""

from __future__ import annotations

import hashlib
import re
from urllib.parse import urlsplit, urlunsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from facts.validation import error_field, error_message, is_http_url

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_SPACE = re.compile(r"\s+")


class CampaignUpdate(BaseModel):
    """A validated campaign update (plain text; escaped when rendered)."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    title: str = Field(min_length=1, max_length=200)
    url: str = Field(min_length=1, max_length=2000)
    summary: str | None = Field(default=None, max_length=1000)

    @field_validator("title")
    @classmethod
    def _one_line(cls, value: str) -> str:
        if _CONTROL.search(value) or "\n" in value or "\t" in value:
            raise ValueError("must be one line of text without control characters")
        return value

    @field_validator("summary")
    @classmethod
    def _text(cls, value: str | None) -> str | None:
        if value is not None and _CONTROL.search(value):
            raise ValueError("must not contain control characters")
        return value or None

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not is_http_url(value) or _CONTROL.search(value) or "@" in urlsplit(value).netloc:  # no user:pass@
            raise ValueError("must be an http(s) URL such as https://www.example.org/news/item")
        return value

    def dedupe_key(self) -> str:
        """SHA-256 (hex) of the title (case and spacing ignored) and the URL
        (scheme and host lower-cased, fragment and trailing ``/`` dropped)."""
        parts = urlsplit(self.url)
        url = urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path.rstrip("/"), parts.query, ""))
        title = _SPACE.sub(" ", self.title.casefold())
        return hashlib.sha256(f"{title}\n{url}".encode()).hexdigest()


def field_problems(exc: ValidationError) -> dict[str, str]:
    """``{field: problem}`` for each bad field (the first problem of each)."""
    problems: dict[str, str] = {}
    for problem in exc.errors():
        name = error_field(problem, nested=False, default="body")
        message = error_message(problem)
        if problem["type"] == "missing":
            message = "is required"
        problems.setdefault(name, message)
    return problems

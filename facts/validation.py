"""Validation shared by every feature: pydantic errors in our words, and what an http(s) link is.

Messages never echo the value that failed (it may be personal, or a secret).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit


def error_field(error: Mapping[str, Any], *, nested: bool = True, default: str = "-") -> str:
    """Where a pydantic error is: its location joined with dots (``source.url``), or only the
    first part (``nested=False``: the form field); ``default`` when it has none (a model-level check)."""
    loc = error.get("loc") or ()
    if not loc:
        return default
    return ".".join(str(part) for part in loc) if nested else str(loc[0])


def error_message(error: Mapping[str, Any]) -> str:
    """A pydantic error's message without pydantic's ``Value error,`` prefix (our own
    validators' messages never hold the value)."""
    return str(error.get("msg", "is not valid")).removeprefix("Value error, ")


def is_http_url(value: str) -> bool:
    """True for an absolute http(s) URL (scheme in any case) with a host and no white space."""
    parts = urlsplit(value)
    return parts.scheme.lower() in ("http", "https") and bool(parts.hostname) and not any(c.isspace() for c in value)

"""Small builders for facts in unit tests."""

from __future__ import annotations

import datetime as dt

from facts.figures.model import Fact


def make_fact(fact_id: str = "test-fact", **overrides) -> Fact:
    """A valid verified fact; ``overrides`` replace top-level fields (``source``/``period`` merge)."""
    data = {
        "id": fact_id,
        "claim": "Instagram was recorded in 37% of offences where the platform was recorded, April to June 2020.",
        "value": 37, "unit": "percent", "display": "37%",
        "base": "Offences where the platform was recorded",
        "period": {"start": "2020-04-01", "end": "2020-06-30", "label": "April to June 2020"},
        "geography": "England and Wales", "topics": ["online grooming", "platforms"], "platforms": ["Instagram"],
        "source": {"publisher": "NSPCC", "title": "A release", "url": "https://www.nspcc.org.uk/a",
                   "published": "2020-11-12", "method": "FOI responses from 38 police forces"},
        "status": "verified", "verified_on": "2025-01-01", "review_by": "2027-05-01",
    }
    for key, value in overrides.items():
        if key in ("source", "period") and isinstance(value, dict):
            data[key] = {**data[key], **value}
        else:
            data[key] = value
    return Fact.model_validate(data)


TODAY = dt.date(2026, 11, 29)

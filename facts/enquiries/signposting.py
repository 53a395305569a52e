"""The emergency signposting returned to the website with an urgent enquiry: the 999 and
NSPCC Helpline reference facts, exactly as curated in ``facts/curated``."""

from __future__ import annotations

from facts.figures.catalogue import Catalogue

#: Reference facts (ids in ``facts/curated``) sent back with an urgent enquiry.
EMERGENCY_FACTS = ("emergency-999", "helpline-nspcc-adults")


def signposting(catalogue: Catalogue) -> list[dict]:
    """The emergency signposting from the facts store: for each of :data:`EMERGENCY_FACTS`
    still servable, ``{"id", "display", "claim", "source"}`` (the claim exactly as curated)."""
    return [{"id": fact.id, "display": fact.display, "claim": fact.claim, "source": str(fact.source.url)}
            for fact in catalogue.servable(EMERGENCY_FACTS)]

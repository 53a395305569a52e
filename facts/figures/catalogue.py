"""The figures being served: an in-memory index over the store, reloadable.

Listeners ask the :class:`Catalogue`; it answers from memory. When the store
file changes (``factbot facts import`` while the server runs), a background
``refresh()`` builds a new index and swaps it in whole, so a request sees
either the old index or the new one, never a mix.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable

from facts.figures.check import FigureBook
from facts.figures.model import Fact
from facts.figures.reviews import reviews_due
from facts.figures.search import Coverage, FactIndex, SearchResult
from facts.figures.store import FactStore
from facts.persistence import file_stamp


class Catalogue:
    """Search and look-ups over the store's figures, from memory.

    ``Catalogue(facts)`` serves a fixed list (tests, benchmarks);
    :meth:`from_store` serves a store and can :meth:`refresh`. ``today`` is
    the clock used for "review due" and for the periods a question names from today
    (a callable returning a date).
    """

    def __init__(self, facts: Iterable[Fact], today: Callable[[], dt.date] = dt.date.today):
        self._index = FactIndex(facts)
        self._book: tuple[FactIndex, FigureBook] | None = None
        self.today = today
        self._store: FactStore | None = None
        self._stamp: tuple[int, int] | None = None

    @classmethod
    def from_store(cls, store: FactStore, today: Callable[[], dt.date] = dt.date.today) -> Catalogue:
        catalogue = cls(store.facts(), today)
        catalogue._store = store
        catalogue._stamp = file_stamp(store.path)
        return catalogue

    def search(self, text: str, limit: int = 5, *, loose: bool = False) -> SearchResult:
        """See :meth:`facts.figures.search.FactIndex.search`; periods named from today ("next year",
        "this year") and future periods are dated by :attr:`today`."""
        return self._index.search(text, limit, loose=loose, today=self.today())

    def newest(self, limit: int) -> list[Fact]:
        """The ``limit`` newest servable figures, in answer order (newest release first)."""
        return self._index.search("", limit, today=self.today()).facts

    def reviews_due(self) -> list[Fact]:
        """Figures due for review by :attr:`today` (``facts.figures.reviews``), soonest due first."""
        due = reviews_due(self._index.by_id.values(), self.today())
        return sorted((d.fact for d in due), key=lambda f: (f.review_by, f.id))

    def figure_book(self) -> FigureBook:
        """The figures read for checking drafts (:mod:`facts.figures.check`), built once per index."""
        index, book = self._index, self._book
        if book is None or book[0] is not index:
            book = (index, FigureBook(index.by_id.values()))
            self._book = book  # replaced whole, like the index
        return book[1]

    def coverage(self) -> Coverage:
        return self._index.coverage()

    def servable(self, ids: Iterable[str]) -> list[Fact]:
        """The figures with these ids that may still be served, in the order given."""
        found = (self._index.by_id.get(i) for i in ids)
        return [f for f in found if f is not None and f.servable]

    def all_facts(self) -> list[Fact]:
        """Every figure known, any status."""
        return list(self._index.by_id.values())

    def refresh(self) -> bool:
        """Reload from the store when its file changed; True when reloaded."""
        if self._store is None:
            return False
        stamp = file_stamp(self._store.path)
        if stamp == self._stamp:
            return False
        self._index = FactIndex(self._store.facts())  # swapped whole: readers never see a half-built index
        self._stamp = stamp
        return True

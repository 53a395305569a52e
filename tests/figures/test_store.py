"""The store: idempotent import, history kept, atomic writes, fresh store built."""

from __future__ import annotations

import json
import os

import pytest

from facts.figures.store import FactStore, open_store
from facts.persistence import AtomicJSONStorage
from tests.support.factories import make_fact


def test_import_is_idempotent_and_keeps_history(tmp_path):
    store = FactStore(tmp_path / "db.json")
    first = store.import_facts([make_fact("a"), make_fact("b")])
    assert (first.added, first.updated, first.unchanged) == (2, 0, 0)
    mtime = os.stat(tmp_path / "db.json").st_mtime_ns
    again = store.import_facts([make_fact("a"), make_fact("b")])
    assert (again.added, again.updated, again.unchanged) == (0, 0, 2)
    assert os.stat(tmp_path / "db.json").st_mtime_ns == mtime  # nothing rewritten

    changed = store.import_facts([make_fact("a", value=38, display="38%"), make_fact("b", status="retired")])
    kinds = {c.fact.id: (c.kind, set(c.changed)) for c in changed.changes}
    assert kinds == {"a": ("changed", {"value", "display"}), "b": ("retired", {"status"})}
    fact, history = store.get("a")
    assert fact.display == "38%"
    assert [h["fact"]["display"] for h in history] == ["37%"]
    store.close()

    reopened = FactStore(tmp_path / "db.json")
    assert [f.id for f in reopened.facts()] == ["a", "b"]
    assert len(reopened.get("a")[1]) == 1


def test_missing_store_is_built_from_shipped_files(tmp_path):
    store = open_store(tmp_path / "new" / "db.json")
    assert len(store.facts()) >= 50


def test_atomic_write_leaves_old_file_when_write_fails(tmp_path, monkeypatch):
    path = tmp_path / "db.json"
    storage = AtomicJSONStorage(path)
    storage.write({"facts": {"1": {"id": "old"}}})

    def broken_fsync(fd):
        raise OSError("disk full")

    monkeypatch.setattr(os, "fsync", broken_fsync)
    with pytest.raises(OSError):
        storage.write({"facts": {"1": {"id": "new"}}})
    monkeypatch.undo()
    assert json.loads(path.read_text()) == {"facts": {"1": {"id": "old"}}}
    assert [p.name for p in tmp_path.iterdir()] == ["db.json"]  # no temp file left


def test_corrupt_store_is_named_not_overwritten(tmp_path):
    path = tmp_path / "db.json"
    path.write_text("{not json")
    with pytest.raises(ValueError, match="db.json is not valid JSON"):
        FactStore(path).facts()
    assert path.read_text() == "{not json"


def test_changed_shipped_files_are_imported_on_open(tmp_path, monkeypatch):
    import facts.figures.store as store_module

    store = open_store(tmp_path / "db.json")
    assert store.last_import is not None and store.last_import.added > 50
    store.close()
    again = open_store(tmp_path / "db.json")
    assert again.last_import is None  # files unchanged: nothing imported
    again.close()
    monkeypatch.setattr(store_module, "curated_fingerprint", lambda paths: "changed")
    changed = open_store(tmp_path / "db.json")
    assert changed.last_import is not None and changed.last_import.changes == []


def test_a_figure_deleted_from_the_complete_set_is_retired_not_served(tmp_path):
    store = FactStore(tmp_path / "db.json")
    store.import_facts([make_fact("a"), make_fact("b")], complete=True)
    report = store.import_facts([make_fact("a")], complete=True)
    [change] = report.changes
    assert (change.kind, change.fact.id, change.changed) == ("retired", "b", {"status": ("verified", "retired")})
    fact, history = store.get("b")
    assert fact.status == "retired" and not fact.servable and len(history) == 1
    assert store.import_facts([make_fact("a")], complete=True).changes == []  # idempotent
    # a partial import (e.g. --dir) retires nothing
    assert store.import_facts([make_fact("c")]).added == 1 and store.get("a")[0].status == "verified"


@pytest.mark.parametrize("content", ['{"facts":"notadict"}', "[1,2,3]", '{"facts":{"1":5}}',
                                     '{"facts":{"1":{"id":"x"}}}', b"\xff\xfe\x00\x01garbage"])
def test_a_damaged_store_is_one_line_naming_the_file(tmp_path, content):
    path = tmp_path / "db.json"
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    with pytest.raises(ValueError) as caught:
        open_store(path).facts()
    message = str(caught.value)
    assert str(path) in message and "\n" not in message
    assert path.read_bytes() == (content if isinstance(content, bytes) else content.encode())  # not overwritten

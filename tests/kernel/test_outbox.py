"""The SQLite outbox: migration from the TinyDB file, damage, monotonic due times, index use."""

from __future__ import annotations

import json
import os
import stat

from facts.outbox import DELIVERED, HELD, PENDING, Outbox


class Clock:
    def __init__(self, now: float = 1000.0):
        self.now = now

    def __call__(self) -> float:
        return self.now


def legacy_file(path, items: list[dict]) -> None:
    path.write_text(json.dumps({"items": {str(n): item for n, item in enumerate(items, 1)}}))


def test_a_tinydb_outbox_is_imported_once_and_removed(tmp_path):
    legacy = tmp_path / "factbot-outbox.json"
    legacy_file(legacy, [
        {"id": "ENQ-2026-000001", "kind": "enquiry", "channel_key": "enquiry", "message": {"text": "a"},
         "state": "pending", "attempts": 0, "created_at": "2026-01-01T00:00:00+00:00"},
        {"id": "ENQ-2026-000002", "kind": "enquiry", "channel_key": "enquiry", "message": {},
         "state": "delivered", "channel": "C1", "ts": "1.000001", "created_at": "2026-01-01T00:00:00+00:00"},
        {"id": "ENQ-2026-000003", "kind": "enquiry", "channel_key": "enquiry", "message": {"text": "c"},
         "state": "sending", "attempts": 1, "created_at": "2026-01-01T00:00:00+00:00", "future_field": 1},
    ])
    box = Outbox(legacy)
    try:
        assert box.path == tmp_path / "factbot-outbox.sqlite3" and not legacy.exists()
        assert box.migrated == 3
        states = {i.id: i.state for i in box.items()}
        assert states == {"ENQ-2026-000001": PENDING, "ENQ-2026-000002": DELIVERED, "ENQ-2026-000003": PENDING}
        # the one the old worker was sending is looked for before it is posted again
        assert box.find(item_id="ENQ-2026-000003").error == "interrupted_sending"
    finally:
        box.close()
    # A crash after the import but before the JSON file was removed: imported again, nothing doubled.
    legacy_file(legacy, [{"id": "ENQ-2026-000001", "kind": "enquiry", "channel_key": "enquiry",
                          "message": {"text": "a"}, "state": "pending"}])
    box = Outbox(legacy)
    try:
        assert box.migrated == 0 and len(box.items()) == 3
    finally:
        box.close()


def test_a_damaged_database_is_quarantined_and_a_new_one_started(tmp_path):
    path = tmp_path / "factbot-outbox.sqlite3"
    path.write_bytes(b"this is not SQLite at all" * 100)
    box = Outbox(tmp_path / "factbot-outbox.json")
    try:
        assert box.items() == [] and box.problems and "quarantine" in box.problems[0]
        [kept] = (tmp_path / "quarantine").iterdir()
        assert kept.name.startswith("factbot-outbox.sqlite3.")
        assert stat.S_IMODE((tmp_path / "quarantine").stat().st_mode) == 0o700
        box.enqueue("enquiry", "enquiry", {"text": "x"}, item_id="ENQ-1")
        assert [i.id for i in box.due()] == ["ENQ-1"]
    finally:
        box.close()


def test_a_damaged_legacy_file_is_quarantined(tmp_path):
    legacy = tmp_path / "factbot-outbox.json"
    legacy.write_text('{"items": {"1": {"id": "ENQ-')
    box = Outbox(legacy)
    try:
        assert not legacy.exists() and box.problems
        assert any(p.name.startswith("factbot-outbox.json.") for p in (tmp_path / "quarantine").iterdir())
    finally:
        box.close()


def test_files_are_owner_only(tmp_path):
    box = Outbox(tmp_path / "o.json")
    try:
        box.enqueue("enquiry", "enquiry", {"text": "x"})
        assert stat.S_IMODE(os.stat(box.path).st_mode) == 0o600
    finally:
        box.close()


def test_due_times_follow_the_monotonic_clock_not_the_wall_clock(tmp_path):
    clock = Clock()
    box = Outbox(tmp_path / "o.json", clock=clock)
    try:
        box.enqueue("enquiry", "enquiry", {"text": "x"}, item_id="A")
        box.mark_retry("A", "http_500", 30.0, 1)
        assert box.due() == [] and box.next_due_in() == 30.0
        clock.now += 29.9
        assert box.due() == []
        clock.now += 0.2
        assert [i.id for i in box.due()] == ["A"]
    finally:
        box.close()


def test_a_reply_becomes_due_when_its_parent_is_delivered(tmp_path):
    clock = Clock()
    box = Outbox(tmp_path / "o.json", clock=clock)
    try:
        box.enqueue("enquiry", "enquiry", {"text": "p"}, item_id="P")
        box.enqueue("enquiry", "enquiry", {"text": "r"}, item_id="P-full", reply_to="P")
        box.defer("P-full", 60.0)
        assert [i.id for i in box.due()] == ["P"]
        box.mark_delivered("P", "C1", "1.000001")
        assert [i.id for i in box.due()] == ["P-full"]
    finally:
        box.close()


def test_claims_and_marks_read_through_indexes(tmp_path):
    """Constant cost at any backlog: every per-item statement is an index search, never a scan."""
    box = Outbox(tmp_path / "o.json")
    try:
        plans = {
            "due": "SELECT * FROM items WHERE state='pending' AND due<=1 ORDER BY due, seq LIMIT 100",
            "next": "SELECT min(due) FROM items WHERE state='pending'",
            "find": "SELECT * FROM items WHERE id='x'",
            "dedupe": "SELECT * FROM items WHERE dedupe_key='x'",
            "mark": "UPDATE items SET state='sending' WHERE id='x'",
            "children": "UPDATE items SET due=1 WHERE reply_to='x' AND +state='pending'",
            "prune": "DELETE FROM items WHERE state='delivered' AND delivered_at < 'x'",
            "age": "SELECT min(created_at) FROM items WHERE state='pending'",
        }
        for name, sql in plans.items():
            plan = " ".join(row[-1] for row in box._db.execute("EXPLAIN QUERY PLAN " + sql))
            assert "USING" in plan and "SCAN items" not in plan and "TEMP B-TREE" not in plan, (name, plan)
        # As the outbox runs it (bound parameters): the thread children go by reply_to, not by state.
        for sql, args in [("UPDATE items SET due=? WHERE reply_to=? AND +state=?", (1, "x", "pending"))]:
            plan = " ".join(row[-1] for row in box._db.execute("EXPLAIN QUERY PLAN " + sql, args))
            assert "items_reply" in plan, plan
            assert "USING" in plan and "SCAN items" not in plan and "TEMP B-TREE" not in plan, (name, plan)
    finally:
        box.close()


def test_prune_keeps_a_parent_an_undelivered_reply_needs(tmp_path):
    import datetime as dt

    box = Outbox(tmp_path / "o.json")
    try:
        long_ago = dt.datetime.now(dt.UTC) - dt.timedelta(days=3)
        for name in ("A", "B"):
            box.enqueue("enquiry", "enquiry", {"text": name}, item_id=name)
            box.mark_delivered(name, "C1", "1.0", now=long_ago)
        box.enqueue("enquiry", "enquiry", {"text": "r"}, item_id="B-r", reply_to="B")
        box.mark_held("B-r", "msg_too_long")
        assert box.prune() == 1
        assert {i.id for i in box.items()} == {"B", "B-r"} and box.items(HELD)[0].id == "B-r"
    finally:
        box.close()


def test_another_process_sees_the_same_items(tmp_path):
    server_side, command_side = Outbox(tmp_path / "o.json"), Outbox(tmp_path / "o.json")
    try:
        before = server_side.data_version()
        command_side.enqueue("campaign", "campaign", {"text": "1"}, dedupe_key="k")
        assert server_side.data_version() != before
        assert server_side.enqueue("campaign", "campaign", {"text": "again"}, dedupe_key="k")[1] is False
        assert [i.message["text"] for i in server_side.due()] == ["1"]
    finally:
        server_side.close()
        command_side.close()

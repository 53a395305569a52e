"""Currency through the CLI: `factbot facts stale` lists series whose next edition is overdue and says
plainly when no publisher gave a date; `factbot ask latest` names the newest release in the store."""

from __future__ import annotations

from tests.support.cli import EXAMPLE_FACT, example_release, factbot


def _folder(tmp_path, next_edition: str):
    folder = tmp_path / "curated"
    folder.mkdir()
    (folder / "one.yaml").write_text(example_release(next_edition) + EXAMPLE_FACT)
    return folder


def test_stale_lists_a_series_whose_next_edition_is_overdue(tmp_path):
    folder = _folder(tmp_path, "next_edition: 2026-06-30\nnext_edition_note: 'Next release: 30 June 2026'")
    done = factbot(["facts", "stale"], tmp_path, FACTBOT_CURATED_DIR=str(folder))
    assert done.returncode == 0, done.stderr
    assert ("next edition overdue: example-met-online-uk (newest: 2025, Example Research Unit, "
            "\"Children online, 2025\"): expected 2026-06-30, the publisher's words: \"Next release: 30 June 2026\""
            ) in done.stdout
    assert "1 series with a next edition overdue" in done.stderr


def test_stale_says_plainly_when_no_publisher_gave_a_date(tmp_path):
    done = factbot(["facts", "stale"], tmp_path)  # the shipped figures
    assert done.returncode == 0, done.stderr
    assert "next edition overdue" not in done.stdout
    assert "series: no publisher gave a date for the next edition, so none of them can be called overdue" in done.stdout
    assert "Next release: To be announced" in done.stdout  # the ONS's own words, quoted


def test_a_date_still_to_come_is_not_overdue(tmp_path):
    folder = _folder(tmp_path, "next_edition: 2099-01-31\nnext_edition_note: 'Next release: 31 January 2099'")
    done = factbot(["facts", "stale"], tmp_path, FACTBOT_CURATED_DIR=str(folder))
    assert "next edition overdue" not in done.stdout and "0 series with a next edition overdue, 1 with one due later" \
        in done.stderr


def test_latest_names_the_newest_release_in_the_store_and_when_it_was_published(tmp_path):
    done = factbot(["ask", "latest"], tmp_path)
    assert done.returncode == 0, done.stderr
    assert "Newest release in the store for this: NSPCC figures as reported by Shropshire Star (PA)" in done.stdout
    assert "published 13 November 2025; the publisher has not said when its next edition is due." in done.stdout
    ons = factbot(["ask", "latest ons figures"], tmp_path).stdout
    assert "Bullying and online experiences among children in England and Wales: year ending March 2023" in ons
    assert "published 7 March 2024; next edition: “Next release: To be announced” (the publisher's words)" in ons

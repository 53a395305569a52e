"""`factbot facts validate` (the CLI, as a curator or CI runs it) refuses a figure that cannot be proved
from its source: a missing quote, a quote without the figure's number, two current figures in one series
for one period. Each problem is one line naming the file, the figure and the field; exit 1."""

from __future__ import annotations

import pytest

from tests.support.cli import EXAMPLE_FACT, example_release, factbot


def _validate(tmp_path, facts: str):
    folder = tmp_path / "curated"
    folder.mkdir()
    (folder / "one.yaml").write_text(example_release() + facts)
    return factbot(["facts", "validate", "--dir", str(folder)], tmp_path)


def test_the_shipped_figures_pass_with_quote_checks_on(tmp_path):
    done = factbot(["facts", "validate"], tmp_path)
    assert done.returncode == 0 and done.stdout == "" and " 0 problem(s)" in done.stderr


def test_a_quote_in_the_sources_own_spelling_passes(tmp_path):
    done = _validate(tmp_path, EXAMPLE_FACT)  # "12 per cent" shows "12%"
    assert done.returncode == 0, done.stdout


def test_a_missing_quote_is_refused(tmp_path):
    done = _validate(tmp_path, EXAMPLE_FACT.replace('    quote: "Some 12 per cent of children met someone online."\n', ""))
    assert done.returncode == 1
    assert done.stdout.strip() == ("one.yaml: fact example-share-2025: quote: a verified or secondary figure needs "
                                   "the source's own sentence as its quote")


def test_a_quote_without_the_number_is_refused(tmp_path):
    done = _validate(tmp_path, EXAMPLE_FACT.replace("Some 12 per cent", "Some 21 per cent"))
    assert done.returncode == 1
    assert done.stdout.strip() == ("one.yaml: fact example-share-2025: quote: does not contain the display '12%' "
                                   "(as the source spells it)")


def test_two_current_figures_in_one_series_for_one_period_are_refused(tmp_path):
    second = EXAMPLE_FACT.replace("example-share-2025", "example-share-2025-again")
    done = _validate(tmp_path, EXAMPLE_FACT + second)
    assert done.returncode == 1
    assert done.stdout.strip() == ("one.yaml: fact example-share-2025-again: series: 'example-met-online-uk' "
                                   "already has a current figure for 2025 (example-share-2025); supersede one "
                                   "or mark it historical")


@pytest.mark.parametrize("second", [
    "    status: held\n",  # never served: no quote needed, no second current figure
    "    historical: An earlier wording, kept as history.\n",
    "    superseded_by: example-share-2025\n",
])
def test_a_held_historical_or_superseded_second_figure_is_not_a_second_current_one(tmp_path, second):
    twin = EXAMPLE_FACT.replace("example-share-2025", "example-share-2025-again", 1) + second
    done = _validate(tmp_path, EXAMPLE_FACT + twin)
    assert done.returncode == 0, done.stdout

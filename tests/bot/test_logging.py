"""FACTBOT_LOG_LEVEL, and the libraries that would log request bodies kept at INFO."""

from __future__ import annotations

import logging

import pytest

from bot.logs import PAYLOAD_LOGGERS, configure_logging
from bot.settings import SettingsError, load_settings


@pytest.fixture
def restore_levels():
    saved = {name: logging.getLogger(name).level for name in ("", *PAYLOAD_LOGGERS)}
    yield
    for name, level in saved.items():
        logging.getLogger(name).setLevel(level)


def test_debug_everywhere_but_the_payload_loggers(restore_levels):
    configure_logging("debug")
    assert logging.getLogger().level == logging.DEBUG
    assert logging.getLogger("slack_sdk.web.base_client").getEffectiveLevel() == logging.INFO
    assert logging.getLogger("slack_bolt.App").getEffectiveLevel() == logging.INFO
    configure_logging("WARNING")
    assert logging.getLogger("slack_sdk").level == logging.WARNING


def test_a_bad_log_level_names_the_variable(monkeypatch, tmp_path):
    monkeypatch.setenv("FACTBOT_LOG_LEVEL", "loud")
    with pytest.raises(SettingsError, match="FACTBOT_LOG_LEVEL: must be one of DEBUG"):
        load_settings(env_file=tmp_path / "none.env")

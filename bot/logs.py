"""Logging set-up: the level from ``FACTBOT_LOG_LEVEL``, and libraries that log payloads kept quiet.

Personal details (enquiries' names, emails, phones, messages) must never
reach a log at any level. Our own modules log references and error codes
only. Some libraries log whole requests at DEBUG: ``slack_sdk`` logs every
Web API request body ("Sending a request - url: …, body: …"), which for an
enquiry post is the enquiry itself; Bolt logs response bodies. Those
loggers are held at INFO or above whatever the root level is.
"""

from __future__ import annotations

import logging

#: Loggers that dump payloads at DEBUG; never below INFO.
PAYLOAD_LOGGERS = ("slack_sdk", "slack_bolt", "urllib3")
LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")


def configure_logging(level: str = "INFO") -> None:
    """Set the root level (one of :data:`LEVELS`) and cap :data:`PAYLOAD_LOGGERS` at INFO."""
    number = logging.getLevelName(level.upper())
    logging.getLogger().setLevel(number)
    for name in PAYLOAD_LOGGERS:
        logging.getLogger(name).setLevel(max(number, logging.INFO))

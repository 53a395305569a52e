"""Logging set-up: the level from ``FACTBOT_LOG_LEVEL``, and libraries that log payloads kept quiet.

Personal details (enquiries' names, emails, phones, messages) must never
reach a log at any level. Our own modules log references and error codes
only. Some libraries log whole requests at DEBUG: ``slack_sdk`` logs every
Web API request body ("Sending a request - url: …, body: …"), which for an
enquiry post is the enquiry itself; Bolt logs response bodies. Those
loggers are held at INFO or above whatever the root level is.

Out of file descriptors (EMFILE: a client holding many idle connections),
asyncio logs "socket.accept() out of system resource" with a traceback up to
its listen backlog times a second (2,048 with uvicorn): a log that fills the
disk. :class:`OncePerMinute` lets one such line a minute through, without
the traceback, with how many were left out.
"""

from __future__ import annotations

import logging
import threading
import time

#: Loggers that dump payloads at DEBUG; never below INFO.
PAYLOAD_LOGGERS = ("slack_sdk", "slack_bolt", "urllib3")
LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
#: asyncio's line when accept() fails for want of file descriptors (or memory).
ACCEPT_FAILED = "socket.accept() out of system resource"


class OncePerMinute(logging.Filter):
    """Passes a record whose message starts with ``prefix`` at most once every ``every`` seconds
    (monotonic), without its traceback, saying how many were left out; passes others as they are."""

    def __init__(self, prefix: str, every: float = 60.0):
        super().__init__()
        self.prefix, self.every = prefix, every
        self._last = float("-inf")
        self._dropped = 0
        self._lock = threading.Lock()

    def filter(self, record: logging.LogRecord) -> bool:
        if not str(record.msg).startswith(self.prefix):
            return True
        with self._lock:
            now = time.monotonic()
            if now - self._last < self.every:
                self._dropped += 1
                return False
            self._last, dropped, self._dropped = now, self._dropped, 0
        error = record.exc_info[1] if record.exc_info else None
        reason = error.strerror if isinstance(error, OSError) and error.strerror else type(error).__name__
        record.msg = (f"{self.prefix} ({reason}): new connections wait until it is free again "
                      f"({dropped} like lines left out)")
        record.args, record.exc_info, record.exc_text = (), None, None
        return True


def configure_logging(level: str = "INFO") -> None:
    """Set the root level (one of :data:`LEVELS`) and cap :data:`PAYLOAD_LOGGERS` at INFO."""
    number = logging.getLevelName(level.upper())
    logging.getLogger().setLevel(number)
    for name in PAYLOAD_LOGGERS:
        logging.getLogger(name).setLevel(max(number, logging.INFO))
    asyncio_log = logging.getLogger("asyncio")
    if not any(isinstance(f, OncePerMinute) for f in asyncio_log.filters):
        asyncio_log.addFilter(OncePerMinute(ACCEPT_FAILED))

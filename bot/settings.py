"""Settings from the environment or a ``.env`` file (names as in SPEC.md).

``load_settings()`` returns :class:`Settings` or raises :class:`SettingsError`
whose message names every bad or missing variable at once, one line each,
never a value (secrets are ``SecretStr`` and are not printed or logged).

Paths: a relative ``FACTBOT_DB`` is resolved once, when the settings are
loaded, against the folder the command was started in; the data folder
(``FACTBOT_DB``'s folder) holds every store. :attr:`Settings.data_note` says
where it is and, when it was relative, from what (``serve`` logs it; the
enquiry and campaign maintenance commands refuse a data folder that has no
data, so a cron job started elsewhere never works on a new empty store).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, PrivateAttr, SecretStr, ValidationError, ValidationInfo, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.logs import LEVELS
from facts.campaign.feeds import parse_feed_spec
from facts.figures.curated import CURATED_DIR, curated_paths
from facts.validation import error_field, error_message

_CHANNEL_ID = re.compile(r"^[CG][A-Z0-9]{2,}$")
_LEAD_ID = re.compile(r"^[UWS][A-Z0-9]{2,}$")
#: The prefix each Slack token must have, and what it is called.
_TOKEN_KINDS = {"slack_bot_token": ("xoxb-", "a bot token"), "slack_app_token": ("xapp-", "an app-level token")}
#: What to do about each secret that is too short (under 16 characters).
_TOO_SHORT = {
    "slack_signing_secret": "is too short: copy Slack's signing secret from the app's Basic Information page",
    "factbot_intake_token": "is too short: use a long random string (at least 16 characters)",
}
#: The placeholder values in .env.example: never accepted as real secrets.
PLACEHOLDERS = frozenset({"xoxb-your-bot-token", "your-signing-secret", "xapp-your-app-token",
                          "replace-with-a-long-random-string"})
#: FACTBOT_DIGEST_DAY values (three letters; the full name is accepted too).
DIGEST_DAYS = {"mon": "monday", "tue": "tuesday", "wed": "wednesday", "thu": "thursday", "fri": "friday",
               "sat": "saturday", "sun": "sunday"}


class SettingsError(Exception):
    """A missing or malformed setting; ``str()`` is one line naming the variable."""


def _split_ids(value: object) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return [str(part) for part in value] if isinstance(value, (list, tuple, set)) else [str(value)]


class Settings(BaseSettings):
    """All settings; see ``.env.example`` for each one's meaning and default."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    slack_bot_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_api_url: str = "https://slack.com/api/"
    factbot_db: Path = Path("data/factbot.json")
    #: The folder of curated figure files this install reads (``None``: see :attr:`curated_dir`).
    factbot_curated_dir: Path | None = None
    factbot_command: str = "/grooming"
    factbot_enquiry_channel: str | None = None
    factbot_campaign_channel: str | None = None
    factbot_intake_token: SecretStr | None = None
    # NoDecode: these are comma-separated, not JSON as pydantic-settings expects by default.
    factbot_curators: Annotated[list[str], NoDecode] = Field(default_factory=list)
    factbot_feeds: Annotated[list[str], NoDecode] = Field(default_factory=list)
    # Upper bounds keep every wait and date sum in range (a wait of 10^23 s overflows, as does a
    # retention of 10^9 days); a week between polls and a century of retention are far past any use.
    factbot_feed_interval: int = Field(default=900, ge=30, le=604_800)
    factbot_safeguarding_lead: str | None = None
    factbot_retention_days: int = Field(default=90, ge=1, le=36_500)
    # Issue 12: days a receipt (where a figure was posted, for corrections to follow it) is kept.
    factbot_receipts_keep_days: int = Field(default=730, ge=1, le=36500)
    # Issue 11: an urgent enquiry unclaimed this many minutes gets a reminder in its thread.
    factbot_urgent_remind_minutes: int = Field(default=15, ge=1, le=1440)
    # Campaign alerts (issue 4): feed fetch timeout, and when the weekly reviews-due digest goes out.
    factbot_feed_timeout: float = Field(default=10.0, gt=0, le=120)
    factbot_digest_day: str = "mon"
    factbot_digest_time: str = "09:00"
    # Issue 15: seconds between two posts to one channel (Slack allows about one a second); 0 only
    # against something that is not Slack (the fault suite and soak run against a fake Web API).
    factbot_post_pace: float = Field(default=1.0, ge=0, le=60)
    # Seconds a post that timed out (or that a crash cut off) waits before Slack is searched for it,
    # since a slow Slack may store it after the client gave up (a restart's wait is the client's
    # timeout, FACTBOT_SLACK_TIMEOUT, plus this). Shorter risks a double post against real Slack; the
    # fault suite and e2e tests shorten it against a fake that stores at once
    # (bot.delivery.DeliveryWorker.lookup_delay).
    factbot_lookup_delay: float = Field(default=10.0, ge=0, le=600)
    # Seconds the Slack Web API client waits for an answer (bot.app.web_client). A post still
    # unanswered then is in doubt and looked for, not posted again; the kill -9 tests shorten it
    # against a fake that stores a slow post within 4 s, so a restart waits 6 + 1 s, not 10 + 1 s.
    factbot_slack_timeout: int = Field(default=10, ge=1, le=120)
    # Seconds before a post that failed (Slack down, 5xx, timeout) is tried again, doubling with each
    # failure (bot.delivery.DeliveryWorker.retry_base); the fault suite shortens it, not to wait out backoff.
    factbot_retry_base: float = Field(default=1.0, ge=0.01, le=60)
    # Seconds between Socket Mode connection attempts while not connected (bot.socket_mode.RETRY_SECONDS).
    factbot_socket_retry: float = Field(default=10.0, ge=0.1, le=3600)
    #: ``FACTBOT_DB`` as given when it was relative (``None``: given absolute), and the folder it was resolved from.
    _db_given: tuple[str, Path] | None = PrivateAttr(default=None)

    @model_validator(mode="before")
    @classmethod
    def _empty_is_default(cls, values: object) -> object:
        # `NAME=` means "not set" for every variable, numbers too: its default applies. Not
        # pydantic-settings' env_ignore_empty, which would let .env's value through instead, where
        # the shell's empty value must win (README, Running it).
        if isinstance(values, dict):
            return {name: value for name, value in values.items() if value != ""}
        return values

    @field_validator("slack_bot_token", "slack_signing_secret", "slack_app_token", "factbot_intake_token",
                     "factbot_enquiry_channel", "factbot_campaign_channel", "factbot_safeguarding_lead",
                     mode="before")
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        # `SLACK_SIGNING_SECRET=` in a .env means "not set", never "an empty secret".
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("slack_bot_token", "slack_signing_secret", "slack_app_token", "factbot_intake_token")
    @classmethod
    def _real_secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None:
            return None
        secret = value.get_secret_value()
        if secret in PLACEHOLDERS:
            raise ValueError("is still the placeholder from .env.example; set the real value")
        if any(c.isspace() for c in secret):
            raise ValueError("must not contain spaces or line breaks")
        return value

    @field_validator("slack_signing_secret", "factbot_intake_token")
    @classmethod
    def _long_enough(cls, value: SecretStr | None, info: ValidationInfo) -> SecretStr | None:
        if value is not None and len(value.get_secret_value()) < 16:
            raise ValueError(_TOO_SHORT[str(info.field_name)])
        return value

    @field_validator("factbot_db", mode="before")
    @classmethod
    def _db_path(cls, value: object) -> object:
        if isinstance(value, str) and not value.strip():
            raise ValueError("must be a file path such as data/factbot.json")
        return value

    @field_validator("factbot_db")
    @classmethod
    def _db_regular_file(cls, value: Path) -> Path:
        # Its siblings add up to 30 characters to its name (factbot-outbox.sqlite3-journal); most file
        # systems stop at 255 bytes, and asking about a longer name fails with an errno, not an answer.
        if len(value.name.encode("utf-8", "surrogateescape")) > 200:
            raise ValueError("its file name is too long (at most 200 bytes), such as data/factbot.json")
        # Never write over a device, a folder or a link's target: the stores are replaced whole.
        if value.is_symlink() or (value.exists() and not value.is_file()):
            raise ValueError("must be a regular file (not a folder, device or link), such as data/factbot.json")
        if value.parent.exists() and not value.parent.is_dir():
            raise ValueError("must be in a folder, such as data/factbot.json")
        # The store is a TinyDB (JSON) file and names its siblings after itself (data/factbot-outbox…):
        # `0` or `data/` made files named 0-outbox… and data-outbox… in the folder factbot started in.
        if value.suffix.lower() != ".json" or not value.stem.strip():
            raise ValueError("must be a .json file name, such as data/factbot.json")
        return value
    factbot_log_level: str = "INFO"

    @field_validator("factbot_curated_dir", mode="before")
    @classmethod
    def _blank_folder_is_default(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("factbot_curated_dir")
    @classmethod
    def _curated_folder(cls, value: Path | None) -> Path | None:
        # A mistyped folder must stop the app, not retire every figure it lacks.
        if value is not None and not curated_paths(value):
            raise ValueError("must be a folder of curated *.yaml files, such as facts/curated")
        return value

    @field_validator("factbot_curators", "factbot_feeds", mode="before")
    @classmethod
    def _comma_separated(cls, value: object) -> list[str]:
        return _split_ids(value)

    @field_validator("slack_bot_token", "slack_app_token")
    @classmethod
    def _token_kind(cls, value: SecretStr | None, info: ValidationInfo) -> SecretStr | None:
        prefix, kind = _TOKEN_KINDS[str(info.field_name)]
        if value is not None and not value.get_secret_value().startswith(prefix):
            raise ValueError(f"must be {kind} starting with {prefix}")
        return value

    @field_validator("slack_api_url")
    @classmethod
    def _api_url(cls, value: str) -> str:
        if not re.match(r"^https?://[^\s/]+", value):
            raise ValueError("must be an http(s) URL such as https://slack.com/api/")
        return value if value.endswith("/") else value + "/"

    @field_validator("factbot_command")
    @classmethod
    def _command(cls, value: str) -> str:
        if not re.fullmatch(r"/[a-z0-9_\-]{1,31}", value):
            raise ValueError("must be a slash command like /grooming (lowercase, at most 32 characters)")
        return value

    @field_validator("factbot_enquiry_channel", "factbot_campaign_channel")
    @classmethod
    def _channel_id(cls, value: str | None) -> str | None:
        if value is not None and not _CHANNEL_ID.match(value):
            raise ValueError("must be a channel ID such as C0123456789 (not a #name)")
        return value

    @field_validator("factbot_safeguarding_lead")
    @classmethod
    def _lead_id(cls, value: str | None) -> str | None:
        if value is not None and not _LEAD_ID.match(value):
            raise ValueError("must be a user ID (U0123456789) or user-group ID (S0123456789)")
        return value

    @field_validator("factbot_curators")
    @classmethod
    def _user_ids(cls, value: list[str]) -> list[str]:
        if any(not re.fullmatch(r"[UW][A-Z0-9]{2,}", v) for v in value):
            raise ValueError("must be comma-separated Slack user IDs such as U0123456789")
        return value

    @field_validator("factbot_feeds")
    @classmethod
    def _feeds(cls, value: list[str]) -> list[str]:
        for entry in value:
            parse_feed_spec(entry)  # ValueError names the rule, never the URL
        return value

    @field_validator("factbot_digest_day")
    @classmethod
    def _digest_day(cls, value: str) -> str:
        day = value.strip().lower()[:3]
        if day not in DIGEST_DAYS or not DIGEST_DAYS[day].startswith(value.strip().lower()):
            raise ValueError("must be a day of the week: mon, tue, wed, thu, fri, sat or sun")
        return day

    @field_validator("factbot_digest_time")
    @classmethod
    def _digest_time(cls, value: str) -> str:
        if not re.fullmatch(r"([01][0-9]|2[0-3]):[0-5][0-9]", value.strip()):
            raise ValueError("must be a time HH:MM (24-hour, UK time) such as 09:00")
        return value.strip()

    @field_validator("factbot_log_level")
    @classmethod
    def _log_level(cls, value: str) -> str:
        if value.upper() not in LEVELS:
            raise ValueError("must be one of " + ", ".join(LEVELS))
        return value.upper()

    @property
    def curated_dir(self) -> Path:
        """The folder of curated files this install reads: ``FACTBOT_CURATED_DIR`` when set; else
        ``facts/curated`` in the working folder when it has curated files (a checkout, where the
        operator edits them; ``FACTBOT_DB``'s default is relative to it too); else the copy
        shipped inside the package."""
        if self.factbot_curated_dir is not None:
            return self.factbot_curated_dir.absolute()
        here = Path("facts/curated")
        return here.absolute() if curated_paths(here) else CURATED_DIR.resolve()

    @property
    def socket_mode(self) -> bool:
        """True when ``SLACK_APP_TOKEN`` is set: ``serve`` uses Socket Mode."""
        return self.slack_app_token is not None

    @property
    def data_note(self) -> str:
        """Where the data folder is, in words: ``"/srv/factbot/data (FACTBOT_DB=data/factbot.json,
        relative to /srv/factbot, the folder factbot was started in)"``."""
        if self._db_given is None:
            return f"{self.factbot_db.parent} (FACTBOT_DB)"
        given, base = self._db_given
        return f"{self.factbot_db.parent} (FACTBOT_DB={given}, relative to {base}, the folder factbot was started in)"

    def resolve_paths(self) -> Settings:
        """Make a relative ``FACTBOT_DB`` absolute against the current folder, once (returns self)."""
        if not self.factbot_db.is_absolute():
            self._db_given = (str(self.factbot_db), Path.cwd())
            self.factbot_db = self.factbot_db.absolute()
        return self

    def missing(self, *names: str) -> list[str]:
        """Lines naming each of ``names`` (field names) that is not set."""
        return [f"{name.upper()} is required for this command but is not set"
                for name in names if getattr(self, name) in (None, "")]

    def require(self, *names: str) -> None:
        """Raise :class:`SettingsError` naming every one of ``names`` (field names) that is unset."""
        lines = self.missing(*names)
        if lines:
            raise SettingsError("\n".join(lines))


#: What a command needs set: ``required(settings, bad)`` gives field names, where ``settings`` has
#: each bad variable at its default and ``bad`` names them (upper case).
Requirement = Callable[[Settings, set[str]], Iterable[str]]


#: The secrets: only what talks to Slack or takes website posts reads them.
SECRETS = frozenset({"SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "FACTBOT_INTAKE_TOKEN"})


#: pydantic's error types for a number setting that is not a number or is out of its range.
_NUMBER_ERRORS = frozenset({"int_parsing", "int_from_float", "int_type", "float_parsing", "float_type",
                            "finite_number", "greater_than", "greater_than_equal", "less_than", "less_than_equal"})


def _number_message(name: str, error: Any) -> str | None:
    """"must be a whole number from 30 to 604800" for a number setting's bad value (pydantic's own
    words, "Input should be a valid integer, unable to parse string as an integer", name no range);
    ``None`` for any other error."""
    field = Settings.model_fields.get(name)
    if field is None or error.get("type") not in _NUMBER_ERRORS or field.annotation not in (int, float):
        return None
    bounds = {key: getattr(rule, key) for rule in field.metadata for key in ("ge", "gt", "le", "lt")
              if getattr(rule, key, None) is not None}
    kind = "a whole number" if field.annotation is int else "a number"
    low = (f"from {bounds['ge']:g}" if "ge" in bounds else f"above {bounds['gt']:g}" if "gt" in bounds else "")
    high = (f"to {bounds['le']:g}" if "le" in bounds else f"below {bounds['lt']:g}" if "lt" in bounds else "")
    if low.startswith("above") and high:
        high = "and at most " + high.removeprefix("to ")
    return " ".join(part for part in (f"must be {kind}", low, high) if part)


def load_settings(env_file: str | Path | None = ".env", *, required: Requirement | None = None,
                  secrets_unused: bool = False) -> Settings:
    """Settings from the environment (and ``env_file`` when it exists), with a relative
    ``FACTBOT_DB`` resolved (:meth:`Settings.resolve_paths`).

    Raises :class:`SettingsError` naming every bad variable, and every one ``required`` names
    that is not set, one line each (``NAME: what is wrong`` / ``NAME is required …``).
    ``secrets_unused``: for commands that never reach Slack or the website (``ask``,
    ``check``, reading the figures), a bad or placeholder secret (:data:`SECRETS`) is left
    unset instead of refused, so a fresh ``cp .env.example .env`` does not stop them.
    """
    problems: dict[str, str] = {}
    defaults: dict[str, Any] = {}
    while True:
        try:
            settings = Settings(_env_file=env_file, **defaults)  # type: ignore[call-arg]
            break
        except UnicodeDecodeError:
            raise SettingsError(f"{env_file}: cannot be read as UTF-8 text") from None
        except ValidationError as exc:
            fields = Settings.model_fields
            bad = [(name, _number_message(name, error) or error_message(error))
                   for error in exc.errors()
                   for name in [error_field(error, nested=False, default="settings")]]
            for name, message in bad:
                problems.setdefault(name.upper(), f"{name.upper()}: {message}")
            retry = {name: fields[name].get_default(call_default_factory=True)
                     for name, _ in bad if name in fields and name not in defaults}
            if not retry:  # nothing left to set aside: name what was found
                raise SettingsError("\n".join(problems.values())) from None
            defaults.update(retry)  # each bad one at its default: what else is wrong is found too
    if required is not None:
        for line in settings.missing(*required(settings, set(problems))):
            problems.setdefault(line.split()[0], line)
    if secrets_unused:
        problems = {name: line for name, line in problems.items() if name not in SECRETS}
    if problems:
        raise SettingsError("\n".join(problems.values()))
    return settings.resolve_paths()

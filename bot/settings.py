"""Settings from the environment or a ``.env`` file (names as in SPEC.md).

``load_settings()`` returns :class:`Settings` or raises :class:`SettingsError`
whose message is one line naming the variable, never its value (secrets are
``SecretStr`` and are not printed or logged).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.logs import LEVELS

_SLACK_ID = re.compile(r"^[CGDUWS][A-Z0-9]{2,}$")


class SettingsError(Exception):
    """A missing or malformed setting; ``str()`` is one line naming the variable."""


def _split_ids(value: object) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return list(value)  # type: ignore[arg-type]


class Settings(BaseSettings):
    """All settings; see ``.env.example`` for each one's meaning and default."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    slack_bot_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_api_url: str = "https://slack.com/api/"
    factbot_db: Path = Path("data/factbot.json")
    factbot_command: str = "/grooming"
    factbot_enquiry_channel: str | None = None
    factbot_campaign_channel: str | None = None
    factbot_intake_token: SecretStr | None = None
    # NoDecode: these are comma-separated, not JSON as pydantic-settings expects by default.
    factbot_curators: Annotated[list[str], NoDecode] = Field(default_factory=list)
    factbot_feeds: Annotated[list[str], NoDecode] = Field(default_factory=list)
    factbot_feed_interval: int = Field(default=900, ge=30)
    factbot_safeguarding_lead: str | None = None
    factbot_retention_days: int = Field(default=90, ge=1)
    factbot_log_level: str = "INFO"

    @field_validator("factbot_curators", "factbot_feeds", mode="before")
    @classmethod
    def _comma_separated(cls, value: object) -> list[str]:
        return _split_ids(value)

    @field_validator("slack_bot_token")
    @classmethod
    def _bot_token(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().startswith("xoxb-"):
            raise ValueError("must be a bot token starting with xoxb-")
        return value

    @field_validator("slack_app_token")
    @classmethod
    def _app_token(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().startswith("xapp-"):
            raise ValueError("must be an app-level token starting with xapp-")
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

    @field_validator("factbot_enquiry_channel", "factbot_campaign_channel", "factbot_safeguarding_lead")
    @classmethod
    def _slack_id(cls, value: str | None) -> str | None:
        if value in (None, ""):
            return None
        if not _SLACK_ID.match(value):
            raise ValueError("must be a Slack ID such as C0123456789 (not a #name)")
        return value

    @field_validator("factbot_curators")
    @classmethod
    def _user_ids(cls, value: list[str]) -> list[str]:
        if any(not re.fullmatch(r"[UW][A-Z0-9]{2,}", v) for v in value):
            raise ValueError("must be comma-separated Slack user IDs such as U0123456789")
        return value

    @field_validator("factbot_log_level")
    @classmethod
    def _log_level(cls, value: str) -> str:
        if value.upper() not in LEVELS:
            raise ValueError("must be one of " + ", ".join(LEVELS))
        return value.upper()

    @property
    def socket_mode(self) -> bool:
        """True when ``SLACK_APP_TOKEN`` is set: ``serve`` uses Socket Mode."""
        return self.slack_app_token is not None

    def require(self, *names: str) -> None:
        """Raise :class:`SettingsError` for the first of ``names`` (field names) that is unset."""
        for name in names:
            if getattr(self, name) in (None, ""):
                raise SettingsError(f"{name.upper()} is required for this command but is not set")


def load_settings(env_file: str | Path | None = ".env") -> Settings:
    """Settings from the environment (and ``env_file`` when it exists).

    Raises :class:`SettingsError` with one line naming the first bad variable.
    """
    try:
        return Settings(_env_file=env_file)  # type: ignore[call-arg]
    except ValidationError as exc:
        error = exc.errors()[0]
        name = str(error["loc"][0]).upper() if error["loc"] else "settings"
        message = error["msg"].removeprefix("Value error, ")
        raise SettingsError(f"{name}: {message}") from None

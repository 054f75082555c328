"""Settings, read from the environment or a `.env` file (see `.env.example`)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.errors import ConfigurationError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# The old default: a public value, so hashes made with it can be reversed.
DEFAULT_FEEDBACK_SALT = "change-me"
TELEGRAM_API_URL = "https://api.telegram.org/bot"
TELEGRAM_FILE_URL = "https://api.telegram.org/file/bot"
_WEBHOOK_SECRET_RE = re.compile(r"[A-Za-z0-9_-]{1,256}")


class Settings(BaseSettings):
    """Every setting has a safe default except the token, which only `run` needs."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", env_ignore_empty=True
    )

    telegram_bot_token: SecretStr | None = None
    telegram_base_url: str | None = None
    # Defaults to telegram_base_url with its last "/bot" turned into "/file/bot".
    telegram_base_file_url: str | None = None
    knowledge_dir: Path = PROJECT_ROOT / "knowledge"
    database_path: Path = PROJECT_ROOT / "data" / "knowledge.sqlite3"
    state_database_path: Path = PROJECT_ROOT / "data" / "state.sqlite3"
    admin_ids: Annotated[frozenset[int], NoDecode] = frozenset()
    # Unset: a random salt is made once and kept beside the state DB (bot.state).
    feedback_salt: SecretStr | None = None
    webhook_secret_token: SecretStr | None = None
    # Key for signing button data; derived from the token when unset.
    callback_secret: SecretStr | None = None
    user_rate_limit: int = Field(default=8, ge=1)
    user_rate_window_seconds: float = Field(default=10.0, gt=0)
    # How often (at most) the bot checks whether the knowledge database was rebuilt; 0: always.
    knowledge_reload_seconds: float = Field(default=5.0, ge=0)
    # How often the /stats counters are written; in between they are kept in memory.
    stats_save_seconds: float = Field(default=2.0, gt=0)
    log_level: str = "INFO"
    # python-telegram-bot's request/update logging at DEBUG: exposes user ids, names, text.
    log_telegram_wire: bool = False

    @field_validator("telegram_bot_token", "webhook_secret_token", "feedback_salt", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, str):
            return frozenset(int(part) for part in value.replace(",", " ").split())
        return value

    def require_token(self) -> str:
        """The bot token, or a ConfigurationError that says where to get one."""
        secret = self.telegram_bot_token
        token = secret.get_secret_value().strip() if secret else ""
        if not token:
            raise ConfigurationError(
                "TELEGRAM_BOT_TOKEN is not set: get a token from @BotFather and put "
                "TELEGRAM_BOT_TOKEN=... in .env (see .env.example)"
            )
        return token

    def check_database_paths(self) -> None:
        """Refuse one file for both databases: the knowledge build would replace the state."""
        if self.state_database_path.resolve() == self.database_path.resolve():
            raise ConfigurationError(
                f"STATE_DATABASE_PATH and DATABASE_PATH both name {self.database_path}; give "
                "the state database (votes, counters) its own file"
            )

    def checked_webhook_secret(self) -> str | None:
        """WEBHOOK_SECRET_TOKEN if set, after checking the characters Telegram allows."""
        if self.webhook_secret_token is None:
            return None
        secret = self.webhook_secret_token.get_secret_value()
        if not _WEBHOOK_SECRET_RE.fullmatch(secret):
            raise ConfigurationError(
                "WEBHOOK_SECRET_TOKEN must be 1-256 characters of A-Z, a-z, 0-9, '_' and '-'"
            )
        return secret

    @property
    def api_url(self) -> str:
        return self.telegram_base_url or TELEGRAM_API_URL

    @property
    def file_url(self) -> str:
        """TELEGRAM_BASE_FILE_URL, else TELEGRAM_BASE_URL with its last /bot as /file/bot."""
        if self.telegram_base_file_url:
            return self.telegram_base_file_url
        base = self.telegram_base_url
        if base:
            head, sep, tail = base.rstrip("/").rpartition("/bot")
            if sep:
                return f"{head}/file/bot{tail}"
        return TELEGRAM_FILE_URL

"""Settings, read from the environment or a `.env` file (see `.env.example`)."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Annotated, Any, Self

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.errors import ConfigurationError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


def project_home() -> Path:
    """The folder holding `knowledge/`: the source checkout, else the current directory.

    After a non-editable `pip install .` the package sits in site-packages, far from the
    project's files, so the current directory is the next best guess (KNOWLEDGE_DIR and
    DATA_DIR override both).
    """
    for candidate in (PROJECT_ROOT, Path.cwd()):
        if (candidate / "knowledge").is_dir():
            return candidate
    return Path.cwd()


def env_files() -> tuple[Path, ...]:
    """The `.env` files read, lowest priority first: beside knowledge/ (the project's, or
    KNOWLEDGE_DIR's when that is set in the environment), then the current directory's."""
    candidates = [project_home() / ".env"]
    if os.environ.get("KNOWLEDGE_DIR"):
        candidates.append(Path(os.environ["KNOWLEDGE_DIR"]).parent / ".env")
    candidates.append(Path.cwd() / ".env")
    return tuple(dict.fromkeys(candidates))


def _default_knowledge_dir() -> Path:
    return project_home() / "knowledge"


def _default_data_dir() -> Path:
    return project_home() / "data"


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
    knowledge_dir: Path = Field(default_factory=_default_knowledge_dir)
    # Default folder of both databases; DATABASE_PATH and STATE_DATABASE_PATH override it.
    data_dir: Path = Field(default_factory=_default_data_dir)
    database_path: Path = Path("data/knowledge.sqlite3")  # data_dir/… unless set
    state_database_path: Path = Path("data/state.sqlite3")  # data_dir/… unless set
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
    # Follow-up questions ("그거 얼마 동안 했어?") are read with the last answer's topic for
    # this long after it; context is kept in memory for at most this many private chats.
    context_idle_seconds: float = Field(default=300.0, gt=0)
    context_max_chats: int = Field(default=10_000, ge=1)
    log_level: str = "INFO"
    # Declined and low-confidence questions are kept for `python -m bot review` (no user ids
    # or names), each for this many days after it was last asked; false keeps none.
    unanswered_log: bool = True
    unanswered_retention_days: float = Field(default=30.0, gt=0)

    # python-telegram-bot's request/update logging at DEBUG: exposes user ids, names, text.
    log_telegram_wire: bool = False

    @model_validator(mode="after")
    def _databases_in_data_dir(self) -> Self:
        if "database_path" not in self.model_fields_set:
            self.database_path = self.data_dir / "knowledge.sqlite3"
        if "state_database_path" not in self.model_fields_set:
            self.state_database_path = self.data_dir / "state.sqlite3"
        return self

    @field_validator("log_level", mode="before")
    @classmethod
    def _known_level(cls, value: object) -> object:
        if isinstance(value, str):
            level = value.strip().upper()
            if level not in LOG_LEVELS:
                raise ValueError(f"must be one of {', '.join(LOG_LEVELS)}")
            return level
        return value

    @field_validator("telegram_bot_token", "webhook_secret_token", "feedback_salt", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, str):
            parts = value.replace(",", " ").split()
            if not all(p.lstrip("-").isdigit() for p in parts):
                raise ValueError("must be numeric Telegram user ids separated by commas or spaces")
            return frozenset(int(part) for part in parts)
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


def load_settings(env_file: Path | None = None) -> Settings:
    """Settings from the environment and `.env`, or a ConfigurationError with one line per
    bad setting, naming it and what it allows."""
    if env_file is not None and not env_file.is_file():
        raise ConfigurationError(f"--env-file {env_file}: no such file")
    try:
        return Settings(_env_file=env_file or env_files())  # type: ignore[call-arg]
    except ValidationError as exc:
        raise ConfigurationError(describe_validation_error(exc)) from None


def describe_validation_error(exc: ValidationError) -> str:
    """`SETTING: what is allowed (got 'value')`, one line per problem."""
    lines = []
    for error in exc.errors():
        name = str(error["loc"][0]).upper() if error["loc"] else "settings"
        message = str(error["msg"]).removeprefix("Value error, ")
        got: Any = error.get("input")
        shown = "" if isinstance(got, dict) else f" (got {str(got)!r})"
        if "SECRET" in name or "TOKEN" in name or "SALT" in name:
            shown = ""  # never echo a secret
        lines.append(f"{name}: {message}{shown}")
    return "\n".join(lines)

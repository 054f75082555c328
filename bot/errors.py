"""Every exception the bot raises on purpose, in one place.

    ArticleBotError                 base: the message always says how to fix the problem
    ├── ConfigurationError          a setting is missing or invalid (.env, environment, flags)
    ├── KnowledgeError              knowledge/ files are invalid: one `file:line: …` per problem
    ├── KnowledgeDatabaseError      the compiled knowledge database is missing or unreadable
    ├── StateStoreError             the state database (votes, counters) cannot be used
    ├── InputFileError              a file named on the command line cannot be used
    ├── StartupError                the bot cannot start: token refused, API or port unusable
    ├── UnknownEntryError           no entry has this id (also a KeyError)
    ├── InvalidCallbackError        button data the bot did not make (also a ValueError)
    ├── CallbackDataTooLongError    button data over Telegram's 64 bytes (also a ValueError)
    └── MessageTooLongError         a reply template alone exceeds 4096 characters (ValueError)

The command line turns the first six into one `error: …` line and exit code 2; the bot
handles the rest where they happen.
"""

from __future__ import annotations


class ArticleBotError(Exception):
    """Base class of the bot's own errors."""


class ConfigurationError(ArticleBotError):
    """A setting is missing or invalid; the message names the setting to fix in .env."""


class KnowledgeError(ArticleBotError):
    """The knowledge files are invalid; the message lists every problem with file:line."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


class KnowledgeDatabaseError(ArticleBotError):
    """The knowledge database is missing, corrupt or stale; the message says how to recover."""


class StateStoreError(ArticleBotError):
    """The state database cannot be used; check STATE_DATABASE_PATH and its directory."""


class InputFileError(ArticleBotError):
    """A file given on the command line is missing, not UTF-8 or empty; the message names it."""


class StartupError(ArticleBotError):
    """The bot cannot start (token refused, Bot API unreachable, port in use); never shows
    the token."""


class UnknownEntryError(ArticleBotError, KeyError):
    """No entry has this id; list ids with `python -m bot ask --json` or /topics."""


class InvalidCallbackError(ArticleBotError, ValueError):
    """Callback data the bot did not make (forged, tampered or from an old key); ignore it."""


class CallbackDataTooLongError(ArticleBotError, ValueError):
    """Button data would exceed Telegram's 64 bytes; use a shorter entry id in knowledge/."""


class MessageTooLongError(ArticleBotError, ValueError):
    """The fixed parts of a reply alone exceed 4096 characters; shorten the template text."""

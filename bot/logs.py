"""Logging: configured once, at the entry point, and never showing a secret.

`configure` is called by the command line before anything logs. `redact_in_logs` puts a
`SecretRedactingFilter` on every handler, because python-telegram-bot and httpx log request
URLs, and those contain the bot token (and setWebhook's parameters, the webhook secret).

python-telegram-bot's DEBUG lines carry whole updates and request parameters: user ids,
names and message text. They stay off at every level unless LOG_TELEGRAM_WIRE is set.
"""

from __future__ import annotations

import logging
import sys
from urllib.parse import quote

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
REDACTED = "[REDACTED]"
# Libraries that log every request (with its URL) at INFO: quiet unless debugging.
_CHATTY_LOGGERS = ("httpx",)
# python-telegram-bot's loggers ("telegram.Bot", "telegram.ext.Application", …) log request
# parameters and whole updates at DEBUG: personal data.
WIRE_LOGGER = "telegram"


def configure(level: int | str, *, telegram_wire: bool = False) -> None:
    """Send log records to stderr at `level`; libraries' per-request lines only at DEBUG.

    `telegram_wire` lets python-telegram-bot's DEBUG lines through, which expose user data.
    """
    root = logging.getLogger()
    root.setLevel(level)
    if not root.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter(LOG_FORMAT))
        root.addHandler(handler)
    chatty_level = logging.DEBUG if root.level <= logging.DEBUG else logging.WARNING
    for name in _CHATTY_LOGGERS:
        logging.getLogger(name).setLevel(chatty_level)
    for each in root.handlers:
        for old in [f for f in each.filters if isinstance(f, LibraryTracebackFilter)]:
            each.removeFilter(old)
        if root.level > logging.DEBUG:
            each.addFilter(LibraryTracebackFilter())
    wire = logging.getLogger(WIRE_LOGGER)
    wire.setLevel(logging.NOTSET if telegram_wire else max(logging.INFO, root.level))


class LibraryTracebackFilter(logging.Filter):
    """Turns a library's traceback into one line (its last exception) unless debugging.

    python-telegram-bot logs a 50-line traceback for a refused token or an unreachable API
    before the command line prints its own one-line `error:`; the bot's own records keep
    their tracebacks, since those are bugs to report.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and record.exc_info[1] is not None and not _is_ours(record.name):
            exc = record.exc_info[1]
            record.msg = f"{record.getMessage()} ({type(exc).__name__}: {exc})"
            record.args = None
            record.exc_info = None
            record.exc_text = None
        return True


def _is_ours(logger_name: str) -> bool:
    return logger_name == "bot" or logger_name.startswith(("bot.", "__main__"))


class SecretRedactingFilter(logging.Filter):
    """Replaces a secret (the bot token) in every record, also in tracebacks."""

    def __init__(self, secret: str) -> None:
        super().__init__()
        self.secret = secret
        # URLs may carry the secret percent-encoded (":" as "%3A").
        self._variants = sorted({secret, quote(secret, safe="")}, key=len, reverse=True)

    def redact(self, text: str) -> str:
        for variant in self._variants:
            text = text.replace(variant, REDACTED)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string is not ours to fix; still redact the parts
            message = f"{record.msg} {record.args}"
        redacted = self.redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        if record.exc_info and record.exc_info[0] is not None:
            text = record.exc_text or logging.Formatter().formatException(record.exc_info)
            record.exc_text = self.redact(text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True


def redact_in_logs(secret: str) -> None:
    """Put a SecretRedactingFilter for `secret` on every root handler (once per secret).

    With no logging configured yet (a library caller), basic logging is set up first: a
    filter needs a handler to sit on, and Python's last-resort handler takes no filters.
    """
    root = logging.getLogger()
    if not root.handlers:
        logging.basicConfig(format=LOG_FORMAT)
    for handler in root.handlers:
        if not any(
            isinstance(f, SecretRedactingFilter) and f.secret == secret for f in handler.filters
        ):
            handler.addFilter(SecretRedactingFilter(secret))

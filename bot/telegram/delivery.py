"""The wire to Telegram: flood limits and retries for replies, and updates that cannot be read.

python-telegram-bot's `AIORateLimiter` keeps the bot within Telegram's limits (about 30
messages a second overall, 20 a minute per group) and waits out `429 Too Many Requests`.
`ResilientRateLimiter` adds a few retries, with backoff, after errors that say nothing
reached Telegram: a 5xx from its servers or proxies, or a dropped connection. A timeout is
never retried, because the request may have been carried out (a retry could send a reply
twice). getUpdates never passes through here: the Updater's own loop recovers polling.

`TolerantBot` guards polling against a poison update: python-telegram-bot parses a whole
batch at once, and one update it cannot read (say, a field a newer or older Bot API server
sends differently) makes it fetch the same batch again, forever, answering nobody. Such an
update is logged and replaced by an empty one, so polling moves past it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine
from contextvars import ContextVar
from typing import Any, TypeVar

from telegram import Update
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
)
from telegram.ext import AIORateLimiter, ExtBot

log = logging.getLogger(__name__)

JSONResult = bool | dict[str, Any] | list[dict[str, Any]]

# Telegram's documented limits, stated here so the configuration is visible and tested.
OVERALL_MAX_RATE = 30  # messages per second, all chats together
GROUP_MAX_RATE = 20  # messages per minute in one group
GROUP_TIME_PERIOD = 60
RETRY_AFTER_RETRIES = 3  # how often a 429 is waited out before giving up
TRANSIENT_RETRIES = 2
TRANSIENT_BACKOFF_SECONDS = 0.5


def is_transient(error: TelegramError) -> bool:
    """True for errors after which the request certainly did not take effect: 5xx, resets."""
    # In python-telegram-bot a 400 (BadRequest) and a timeout are NetworkErrors too.
    return type(error) is NetworkError


def proves_not_sent(error: BaseException) -> bool:
    """True when `error` shows the message never reached the chat.

    Telegram refused it (400, 403, a migrated chat, a 429 not waited out) or nothing reached
    it (a 5xx or a reset). A timeout, an unreadable answer or any other error after the
    request went out proves nothing: the user may already have the reply.
    """
    refused = (BadRequest, Forbidden, ChatMigrated, RetryAfter, InvalidToken)
    return isinstance(error, refused) or (isinstance(error, TelegramError) and is_transient(error))


# Per update: python-telegram-bot runs each update, and then its error handler, in one task.
_reply_may_have_arrived: ContextVar[bool] = ContextVar("reply_may_have_arrived", default=False)

T = TypeVar("T")


async def attempt_reply(send: Awaitable[T]) -> T:
    """Await `send`, remembering for this update that a reply may have reached the user."""
    before = _reply_may_have_arrived.get()
    _reply_may_have_arrived.set(True)
    try:
        return await send
    except BaseException as exc:
        if proves_not_sent(exc):
            _reply_may_have_arrived.set(before)
        raise


def reply_may_have_arrived() -> bool:
    """Whether this update already sent something the user may have received."""
    return _reply_may_have_arrived.get()


def backoff(attempt: int, base: float = TRANSIENT_BACKOFF_SECONDS) -> float:
    """Seconds to wait before retry number `attempt` (1, 2, …): base, 2·base, 4·base…"""
    return base * 2.0 ** (attempt - 1)


class ResilientRateLimiter(AIORateLimiter):
    """AIORateLimiter with Telegram's limits, plus retries after transient server errors."""

    def __init__(
        self,
        *,
        transient_retries: int = TRANSIENT_RETRIES,
        backoff_seconds: float = TRANSIENT_BACKOFF_SECONDS,
    ) -> None:
        super().__init__(
            overall_max_rate=OVERALL_MAX_RATE,
            overall_time_period=1,
            group_max_rate=GROUP_MAX_RATE,
            group_time_period=GROUP_TIME_PERIOD,
            max_retries=RETRY_AFTER_RETRIES,
        )
        self.transient_retries = transient_retries
        self.backoff_seconds = backoff_seconds

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, JSONResult]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> JSONResult:
        """Send through the flood limiter; retry a transient failure a few times."""
        attempt = 0
        while True:
            try:
                return await super().process_request(
                    callback, args, kwargs, endpoint, data, rate_limit_args
                )
            except TelegramError as exc:
                attempt += 1
                if not is_transient(exc) or attempt > self.transient_retries:
                    raise
                delay = backoff(attempt, self.backoff_seconds)
                log.warning(
                    "Telegram %s failed (%s); retry %d of %d in %.1fs",
                    endpoint,
                    str(exc)[:200],  # a proxy's 502 carries a whole HTML page
                    attempt,
                    self.transient_retries,
                    delay,
                )
                await asyncio.sleep(delay)


def readable_update(raw: object, bot: ExtBot[Any]) -> dict[str, Any] | None:
    """`raw` if python-telegram-bot can parse it, else a bare update with its id (or None)."""
    try:
        Update.de_json(raw, bot)  # type: ignore[arg-type]
    except Exception as exc:  # whatever fails in parsing must not stop polling
        update_id = raw.get("update_id") if isinstance(raw, dict) else None
        log.error(
            "skipped update %s, which python-telegram-bot cannot read (%s: %s)",
            update_id,
            type(exc).__name__,
            str(exc)[:200],
        )
        return {"update_id": update_id} if isinstance(update_id, int) else None
    return raw if isinstance(raw, dict) else None


class TolerantBot(ExtBot[int]):
    """An ExtBot whose getUpdates skips updates it cannot parse instead of stalling on them."""

    async def _post(self, endpoint: str, data: dict[str, Any] | None = None, **kwargs: Any) -> Any:
        result = await super()._post(endpoint, data, **kwargs)
        if endpoint != "getUpdates" or not isinstance(result, list):
            return result
        return [u for u in (readable_update(raw, self) for raw in result) if u is not None]

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
from collections.abc import Callable, Coroutine
from typing import Any

from telegram import Update
from telegram.error import NetworkError, TelegramError
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

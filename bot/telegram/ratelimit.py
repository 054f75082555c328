"""A per-user sliding-window limit, so one person's flood cannot starve everyone else.

Telegram's own limits (about 30 messages/s overall, 20/min per group, 429 retries) are
handled by python-telegram-bot's `AIORateLimiter`; this module only decides whether to
answer a given user at all.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from typing import TypeAlias

# Whom a limit applies to: a user id, or (chat id, sender chat id) for a message sent as a
# chat (an anonymous admin, a channel), where the user id is a shared placeholder.
RateKey: TypeAlias = int | tuple[int, int]


class Verdict(Enum):
    """What to do with one request from a user."""

    ALLOW = "allow"
    WARN = "warn"  # over the limit for the first time in a row: drop it, but say "slow down"
    DROP = "drop"  # over the limit again: drop silently


@dataclass(slots=True)
class _UserWindow:
    accepted: deque[float] = field(default_factory=deque)
    warned: bool = False


class UserRateLimiter:
    """At most `limit` accepted requests per user in any `window_seconds`.

    Only accepted requests count, so a user who keeps flooding gets answers again as soon
    as their older accepted requests slide out of the window.
    """

    def __init__(
        self,
        limit: int,
        window_seconds: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sweep_every: int = 1000,
    ) -> None:
        if limit < 1 or window_seconds <= 0:
            raise ValueError("the rate limit needs limit >= 1 and window_seconds > 0")
        self.limit = limit
        self.window = window_seconds
        self._clock = clock
        self._users: dict[RateKey, _UserWindow] = {}
        self._sweep_every = sweep_every
        self._checks = 0

    def check(self, user_id: RateKey) -> Verdict:
        """Record one request from `user_id` and say whether to serve it."""
        now = self._clock()
        self._checks += 1
        if self._checks % self._sweep_every == 0:
            self._sweep(now)
        window = self._users.setdefault(user_id, _UserWindow())
        self._expire(window, now)
        if len(window.accepted) < self.limit:
            window.accepted.append(now)
            window.warned = False
            return Verdict.ALLOW
        if not window.warned:
            window.warned = True
            return Verdict.WARN
        return Verdict.DROP

    def tracked_users(self) -> int:
        """How many users the limiter currently remembers (memory stays bounded)."""
        return len(self._users)

    def _expire(self, window: _UserWindow, now: float) -> None:
        while window.accepted and window.accepted[0] <= now - self.window:
            window.accepted.popleft()

    def _sweep(self, now: float) -> None:
        """Forget users with nothing left in their window, so memory does not grow forever."""
        for user_id in list(self._users):
            window = self._users[user_id]
            self._expire(window, now)
            if not window.accepted:
                del self._users[user_id]

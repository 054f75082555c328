"""Replies to groups go through a bounded queue per group, outside the update slots.

Telegram lets a bot send about 20 messages a minute to one group; python-telegram-bot's
rate limiter makes a send over that budget wait. If a handler awaited that wait, it would
hold one of the few concurrent-update slots for up to minutes, and private chats, buttons
and inline queries would queue behind one busy group. So a handler only *submits* a group
reply here and returns; one sender task per group sends its queue in order.

Each group's queue is bounded. Past the bound the oldest queued reply is dropped (it is the
stalest), and once per burst (until the queue runs empty) the group gets a short
"too many questions at once" notice instead. At shutdown `close` sends what fits before a
deadline and logs how many replies were dropped.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

log = logging.getLogger(__name__)

# A minute of Telegram's per-group budget: a queued reply waits at most about that long.
GROUP_QUEUE_LIMIT = 20

Send = Callable[[], Awaitable[object]]


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One reply to send later; `notice` is what to send instead if the group overflows."""

    send: Send
    notice: Send | None = None


@dataclass(slots=True)
class _Group:
    queue: deque[Outgoing] = field(default_factory=deque)
    notice: Send | None = None  # the overflow notice still to send in this burst
    noticed: bool = False  # whether this burst already had its notice
    dropped: int = 0  # replies dropped in this burst
    sending: bool = False  # a reply is on its way to Telegram now
    task: asyncio.Task[None] | None = None


class GroupOutbox:
    """Per-group bounded queues, each drained by its own task."""

    def __init__(self, limit: int = GROUP_QUEUE_LIMIT) -> None:
        if limit < 1:
            raise ValueError("the group queue needs room for at least one reply")
        self.limit = limit
        self._groups: dict[int, _Group] = {}
        self._closed = False
        self.dropped = 0  # replies dropped because a group's queue was full

    def pending(self) -> int:
        """Replies queued or being sent, across all groups."""
        return sum(len(g.queue) + g.sending + (g.notice is not None) for g in self._groups.values())

    def submit(self, chat_id: int, item: Outgoing) -> None:
        """Queue `item` for the group `chat_id`; never waits."""
        if self._closed:
            self.dropped += 1
            log.info("a group reply came after shutdown began; dropped")
            return
        group = self._groups.get(chat_id)
        if group is None:
            group = self._groups[chat_id] = _Group()
        group.queue.append(item)
        if len(group.queue) > self.limit:
            oldest = group.queue.popleft()
            self.dropped += 1
            group.dropped += 1
            if group.dropped == 1:  # once per burst; the total is logged when it ends
                log.info("a group's reply queue is full; dropping the oldest queued replies")
            if not group.noticed and oldest.notice is not None:
                group.notice, group.noticed = oldest.notice, True
        if group.task is None:
            group.task = asyncio.create_task(self._drain(chat_id, group), name="group-outbox")

    async def _drain(self, chat_id: int, group: _Group) -> None:
        """Send the group's queue in order (the notice first once it overflows), then end."""
        try:
            while True:
                if group.notice is not None:
                    send, group.notice = group.notice, None
                elif group.queue:
                    send = group.queue.popleft().send
                else:
                    break
                group.sending = True
                try:
                    await send()
                except Exception:  # one failed reply must not stop the group's queue
                    log.exception("could not send a queued reply to a group")
                finally:
                    group.sending = False
        finally:
            # Nothing awaits between the empty check and here, so no reply is stranded.
            if self._groups.get(chat_id) is group:
                del self._groups[chat_id]
            if group.dropped:
                log.info("a group's burst is over: %d replies were dropped", group.dropped)

    async def close(self, timeout: float) -> int:
        """Send what fits in `timeout` seconds, drop the rest; return how many were dropped."""
        self._closed = True
        tasks = [g.task for g in self._groups.values() if g.task is not None]
        queued = self.pending()
        if tasks:
            await asyncio.wait(tasks, timeout=max(0.0, timeout))
        left = self.pending()
        for group in list(self._groups.values()):
            if group.task is not None and not group.task.done():
                group.task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await group.task
        self._groups.clear()
        if queued:
            log.info(
                "shutdown: %d queued replies sent, %d dropped (no time left to send them)",
                queued - left,
                left,
            )
        return left

"""A stop that ends in bounded time, whatever is queued or in flight.

Supervisors do not wait long: `docker stop` kills after 10 s, systemd after 90 s. On SIGTERM
or SIGINT the bot stops taking updates; the handlers in flight get `HANDLER_GRACE_SECONDS`
to finish (then they are cancelled), queued group replies are sent until
`OUTBOX_GRACE_SECONDS` after the signal, and what did not fit is dropped and counted.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import time
import weakref
from collections.abc import Callable

log = logging.getLogger(__name__)

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGABRT)
# Leaves about 2 s for closing the state database and the HTTP pool within 10 s.
HANDLER_GRACE_SECONDS = 5.0
OUTBOX_GRACE_SECONDS = 7.0


class BoundedStop:
    """When the stop began, and the update handlers to cut off if they outlast their grace."""

    def __init__(self, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self.requested_at: float | None = None
        self._handlers: weakref.WeakSet[asyncio.Task[object]] = weakref.WeakSet()
        self._requested = asyncio.Event()

    def track_current_handler(self) -> None:
        """Remember the running task as an update handler (called first for every update)."""
        task = asyncio.current_task()
        if task is not None:
            self._handlers.add(task)

    def request(self) -> None:
        """Note the stop and schedule cutting off the handlers that outlast their grace."""
        if self.requested_at is not None:
            return
        self.requested_at = self._clock()
        self._requested.set()
        asyncio.get_running_loop().call_later(HANDLER_GRACE_SECONDS, self._cut_off_handlers)

    async def wait(self) -> None:
        """Return once a stop was requested."""
        await self._requested.wait()

    def time_left(self, grace: float) -> float:
        """Seconds until `grace` after the stop was requested (all of it if none was)."""
        if self.requested_at is None:
            return grace
        return max(0.0, self.requested_at + grace - self._clock())

    def _cut_off_handlers(self) -> None:
        running = [task for task in self._handlers if not task.done()]
        for task in running:
            task.cancel()
        if running:
            log.warning(
                "stopping: cancelled %d update(s) still being handled after %.0f s",
                len(running),
                HANDLER_GRACE_SECONDS,
            )


def install_stop_signals(stop: BoundedStop, *, end_run: bool) -> None:
    """On SIGINT/SIGTERM/SIGABRT: note the stop (`stop.wait()` returns).

    With `end_run`, also end python-telegram-bot's run_polling as its own handler does (by
    raising SystemExit out of the event loop); it then stops the updater and the application
    and calls post_stop and post_shutdown.
    """
    loop = asyncio.get_running_loop()

    def on_signal() -> None:
        if stop.requested_at is not None:
            return  # already stopping; a second signal must not break the orderly close
        stop.request()
        if end_run:
            raise SystemExit

    for sig in STOP_SIGNALS:
        loop.add_signal_handler(sig, on_signal)

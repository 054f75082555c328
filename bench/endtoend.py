"""End to end: updates per second the real bot fully handles, against the local stand-in.

A private-chat question goes in as a getUpdates result; it counts as handled when the
stand-in has answered the bot's sendMessage for it. All updates are queued at once, from
many users, so the bot's concurrency (PTB's concurrent updates) is what is measured.

Two throttles stand between a burst and the bot's handling capacity, and both are loosened:

* the bot's per-user limit (USER_RATE_LIMIT, default 8 per 10 s) is set to 1,000,000;
* the bot's send limiter (PTB's AIORateLimiter or a subclass of it, capped at Telegram's
  30 sends/s overall) gets `overall_max_rate=0, group_max_rate=0`: off.

`run_default_limiter` shows what the unmodified bot does with the same burst: ~30 replies/s.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any
from unittest import mock

from bench.coldstart import TOKEN, bot_process_env, start_bot_process, stop_bot_process
from bench.common import PYTHON, proc_status, profiled

if TYPE_CHECKING:  # imported where used: the bot process imports this module too
    from tests.support.standin import ApiCall, BotApiStandIn

GENEROUS_USER_LIMIT = 1_000_000
FIRST_USER_ID = 910_000_000
WARMUP_UPDATES = 20


class _WarningCounter(logging.Handler):
    """Counts the bot's warnings and errors during a run instead of printing each one."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.count = 0
        self.first: str | None = None

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1
        if self.first is None:
            self.first = f"{record.levelname} {record.name}: {record.getMessage()}"


@contextlib.contextmanager
def counted_bot_warnings() -> Iterator[_WarningCounter]:
    """Route the `bot` loggers' warnings into a counter for the duration."""
    logger = logging.getLogger("bot")
    counter = _WarningCounter()
    propagate = logger.propagate
    logger.addHandler(counter)
    logger.propagate = False
    try:
        yield counter
    finally:
        logger.removeHandler(counter)
        logger.propagate = propagate


def loosen(limiter: object) -> str | None:
    """Switch off the overall and group rates of an AIORateLimiter (or subclass), in place.

    Its base class is re-initialised with `overall_max_rate=0, group_max_rate=0` (PTB's way to
    turn those limits off), keeping its retry count and whatever a subclass adds. Returns the
    limiter's class name, or None when there is no AIORateLimiter to loosen.
    """
    from telegram.ext import AIORateLimiter

    if not isinstance(limiter, AIORateLimiter):
        return None
    retries = getattr(limiter, "_max_retries", 0)
    AIORateLimiter.__init__(limiter, overall_max_rate=0, group_max_rate=0, max_retries=retries)
    return type(limiter).__name__


@contextlib.contextmanager
def unthrottled_sends() -> Iterator[None]:
    """While active, every Application loosens its bot's send limiter as it initialises,
    and says so on stderr ("bench: loosened CLASS") for the harness to check."""
    from telegram.ext import Application

    original = Application.initialize

    async def initialize(self: Application[Any, Any, Any, Any, Any, Any]) -> None:
        name = loosen(getattr(self.bot, "rate_limiter", None))
        print(f"bench: loosened {name}", file=sys.stderr, flush=True)
        await original(self)

    with mock.patch.object(Application, "initialize", initialize):
        yield


def question_updates(questions: list[str], total: int, users: int) -> list[dict[str, Any]]:
    """`total` private text messages, round-robin over `users` users and `questions`."""
    from tests.support import updates

    result = []
    for i in range(total):
        user_id = FIRST_USER_ID + i % users
        sender = updates.user(user_id, f"벤치{i % users}", language_code="ko")
        result.append(updates.message_update(questions[i % len(questions)], from_user=sender))
    return result


def cpu_seconds(pid: int | str = "self") -> float:
    """User + system CPU time of a process so far, from /proc/PID/stat."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def push_and_wait(
    api: BotApiStandIn,
    batch: list[dict[str, Any]],
    timeout: float,
    *,
    bot_pid: int | str = "self",
) -> dict[str, Any]:
    """Queue `batch` at once; wait until as many sendMessage calls have been answered."""
    start_index = len(api.calls)
    for update in batch:
        api.push_update(update)
    cpu_start = cpu_seconds(bot_pid)
    start = time.perf_counter()
    deadline = start + timeout
    seen = start_index
    in_flight: list[ApiCall] = []
    ok = failed = 0
    first_reply: float | None = None
    while ok + failed < len(batch) and time.perf_counter() < deadline:
        await asyncio.sleep(0.002)
        calls = api.calls
        while seen < len(calls):
            if calls[seen].method.lower() == "sendmessage":
                in_flight.append(calls[seen])
            seen += 1
        still = []
        for call in in_flight:
            if call.status is None:
                still.append(call)
            elif call.status == 200:
                ok += 1
            else:
                failed += 1
        in_flight = still
        if first_reply is None and ok:
            first_reply = time.perf_counter() - start
    elapsed = time.perf_counter() - start
    cpu = cpu_seconds(bot_pid) - cpu_start
    return {
        "updates": len(batch),
        "replies_ok": ok,
        "replies_failed": failed,
        "complete": ok + failed >= len(batch),
        "seconds": elapsed,
        "updates_per_s": (ok + failed) / elapsed if elapsed > 0 else None,
        "first_reply_s": first_reply,
        "bot_cpu_s": cpu,
        "cpu_ms_per_update": 1000 * cpu / len(batch) if batch else None,
    }


async def run_in_process(
    db_path: Path,
    knowledge_dir: Path,
    state_dir: Path,
    questions: list[str],
    *,
    total: int,
    users: int,
    unthrottled: bool = True,
    profile: Path | None = None,
    timeout: float = 300.0,
) -> dict[str, Any]:
    """The Application from `build_application`, polling the stand-in in this event loop
    (tests/support/harness.py drives it, as in the tests)."""
    from bot.telegram.app import build_application
    from tests.support.harness import make_settings, polling
    from tests.support.standin import BotApiStandIn

    with counted_bot_warnings() as warnings:
        async with BotApiStandIn() as api:
            settings = make_settings(
                api,
                state_dir,
                telegram_bot_token=TOKEN,
                database_path=db_path,
                knowledge_dir=knowledge_dir,
                feedback_salt="bench-salt",
                user_rate_limit=GENEROUS_USER_LIMIT,
                log_level="WARNING",
            )
            rss_start = proc_status().get("VmRSS")
            application = build_application(settings)
            loosened = loosen(application.bot.rate_limiter) if unthrottled else None
            async with polling(api, application, poll_timeout=10, ready_timeout=30):
                warm = await push_and_wait(
                    api, question_updates(questions, WARMUP_UPDATES, WARMUP_UPDATES), timeout
                )
                rss_ready = proc_status().get("VmRSS")
                batch = question_updates(questions, total, users)
                with profiled(profile):
                    result = await push_and_wait(api, batch, timeout)
                status = proc_status()
    return {
        **result,
        "users": users,
        "send_limiter_loosened": loosened,
        "warmup_ok": warm["replies_ok"],
        "process_rss_start_kb": rss_start,
        "process_rss_ready_kb": rss_ready,
        "process_rss_end_kb": status.get("VmRSS"),
        "process_peak_rss_kb": status.get("VmHWM"),
        "bot_warnings": warnings.count,
        "first_warning": warnings.first,
    }


async def run_subprocess(
    db_path: Path,
    knowledge_dir: Path,
    state_dir: Path,
    questions: list[str],
    *,
    total: int,
    users: int,
    timeout: float = 300.0,
) -> dict[str, Any]:
    """The bot as its own process (`python -m bench.unthrottled_bot` = `python -m bot run`
    with the send limiter loosened); the stand-in stays in this process."""
    from tests.support.standin import BotApiStandIn

    async with BotApiStandIn() as api:
        env = bot_process_env(
            api,
            db_path,
            knowledge_dir,
            state_dir / "state-sub.sqlite3",
            USER_RATE_LIMIT=str(GENEROUS_USER_LIMIT),
        )
        proc, timings, lines, drain = await start_bot_process(
            api, env, [PYTHON, "-m", "bench.unthrottled_bot"]
        )
        try:
            warm = await push_and_wait(
                api, question_updates(questions, WARMUP_UPDATES, WARMUP_UPDATES), timeout
            )
            rss_warm = proc_status(proc.pid).get("VmRSS")
            result = await push_and_wait(
                api, question_updates(questions, total, users), timeout, bot_pid=proc.pid
            )
            status = proc_status(proc.pid)
        finally:
            code, _ = await stop_bot_process(proc, drain)
    loosened = next(
        (line.split("loosened ", 1)[1].strip() for line in lines if "bench: loosened " in line),
        "None",
    )
    warnings = [line.strip() for line in lines if " WARNING " in line or " ERROR " in line]
    return {
        **result,
        "users": users,
        "send_limiter_loosened": loosened,
        "warmup_ok": warm["replies_ok"],
        "ready_s": max(timings["ready_line_s"], timings["first_get_updates_s"]),
        "bot_rss_ready_kb": timings.get("rss_ready_kb"),
        "bot_rss_warm_kb": rss_warm,
        "bot_rss_end_kb": status.get("VmRSS"),
        "bot_peak_rss_kb": status.get("VmHWM"),
        "exit_code": code,
        "bot_warnings": len(warnings),
        "first_warning": warnings[0] if warnings else None,
    }

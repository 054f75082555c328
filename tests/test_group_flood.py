"""A flood in one group never stalls anyone else, and shutdown stays bounded (issue 13, #1).

Telegram lets a bot send 20 messages a minute to one group. Replies over that budget wait in
the group's own bounded queue (bot/telegram/outbox.py), never in one of the update slots
that private chats, buttons and inline queries need.
"""

from __future__ import annotations

import asyncio
import logging
import re
import signal
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.answering.engine import Engine
from bot.telegram.outbox import GROUP_QUEUE_LIMIT
from tests.support import updates as u
from tests.support.harness import (
    make_settings,
    quoted_text,
    running_bot,
    serving_env,
    signer,
    start_bot,
)
from tests.support.standin import BotApiStandIn
from tests.support.traffic import AGE_QUESTION, SALARY_QUESTION, SALARY_QUOTE, ask, person, to_chat

GROUP = u.group_chat(-100555000333)
MEMBERS = [person(300 + n, f"멤버{n}") for n in range(10)]
TOO_MANY_KO = "한꺼번에"
CALM = person(399, "Alex", "en")


def push_group_flood(api: BotApiStandIn, per_member: int = 8) -> int:
    """10 members × `per_member` mentions, each member within the per-user limit (8/10 s)."""
    for _ in range(per_member):
        for member in MEMBERS:
            text = f"@article_qa_bot {AGE_QUESTION}"
            api.push_update(u.message_update(text, chat=GROUP, from_user=member))
    return per_member * len(MEMBERS)


async def test_a_group_flood_leaves_private_chats_and_buttons_served_within_a_second(
    api: BotApiStandIn, tmp_path: Path, engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    settings = make_settings(api, tmp_path)
    async with running_bot(api, settings, engine):
        push_group_flood(api)
        in_group = to_chat(GROUP["id"])
        await api.wait_for("sendMessage", in_group, count=20, timeout=10)
        await asyncio.sleep(0.5)  # the timing: a private question 0.5 s later

        started = time.monotonic()
        reply = await ask(api, SALARY_QUESTION, CALM, timeout=1.0)
        private_latency = time.monotonic() - started
        assert SALARY_QUOTE in quoted_text(reply)

        button = signer().answer("age", lang="ko")
        press = u.callback_query_update(button, from_user=CALM)
        started = time.monotonic()
        api.push_update(press)
        query_id = press["callback_query"]["id"]
        await api.wait_for(
            "answerCallbackQuery",
            lambda c: c.params["callback_query_id"] == query_id,
            timeout=1.0,
        )
        button_latency = time.monotonic() - started

        # Past the bound the oldest queued answers were dropped, with one notice per burst.
        [notice] = await api.wait_for(
            "sendMessage", lambda c: in_group(c) and TOO_MANY_KO in c.params["text"], timeout=6
        )
        assert notice.ok
        full = [r for r in caplog.records if "queue is full" in r.getMessage()]
        assert len(full) == 1  # logged once per burst, not once per dropped reply
        group_sends = [c for c in api.calls_to("sendMessage") if in_group(c)]
        assert sum(TOO_MANY_KO in c.params["text"] for c in group_sends) == 1
    print(f"private reply {private_latency:.3f} s, button answered {button_latency:.3f} s")


async def test_sigterm_with_a_full_group_queue_exits_within_ten_seconds(
    api: BotApiStandIn,
    tmp_path: Path,
    knowledge_db: Path,
    killer: Callable[[asyncio.subprocess.Process], None],
) -> None:
    process = await start_bot(serving_env(api, tmp_path, knowledge_db), tmp_path)
    killer(process)
    await api.wait_for("getUpdates", finished=False, timeout=30)
    # Telegram's burst of 20 goes out at once; the second wave then fills the queue.
    push_group_flood(api, per_member=3)
    in_group = to_chat(GROUP["id"])
    await api.wait_for("sendMessage", in_group, count=20, timeout=15)
    push_group_flood(api, per_member=5)
    await asyncio.sleep(0.5)
    started = time.monotonic()
    process.send_signal(signal.SIGTERM)
    _, stderr_bytes = await asyncio.wait_for(process.communicate(), timeout=30)
    elapsed = time.monotonic() - started
    stderr = stderr_bytes.decode()
    assert process.returncode == 0, stderr[-2000:]
    assert elapsed < 10, f"SIGTERM took {elapsed:.1f} s"
    assert "Traceback" not in stderr, stderr[-2000:]
    [summary] = [line for line in stderr.splitlines() if "shutdown: " in line]
    sent, dropped = (int(n) for n in re.findall(r"(\d+) (?:queued replies sent|dropped)", summary))
    assert sent + dropped == GROUP_QUEUE_LIMIT + 1 and dropped > 0  # + 1: the notice
    sent_after = [c for c in api.calls_to("sendMessage") if in_group(c)]
    print(f"SIGTERM took {elapsed:.2f} s; {len(sent_after)} group sends; {summary}")

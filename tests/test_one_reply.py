"""At most one message per question (issue 13, #10).

A re-sent update (same update_id, as Telegram re-sends webhook updates) is handled once, and
the apology never follows a reply that may have reached the user: one whose answer could
not be read, or that timed out after it went out.
"""

from __future__ import annotations

import asyncio
import copy
import logging
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from telegram import Update

from bot.answering.engine import Engine
from bot.telegram.app import BotApplication
from bot.telegram.messages import RecentIds
from tests.support import updates as u
from tests.support.harness import make_settings, running_bot
from tests.support.standin import ApiCall, BotApiStandIn
from tests.support.traffic import (
    SALARY_QUESTION,
    SALARY_QUOTE,
    next_person_is_answered,
    person,
    to_chat,
)

ASKER = person(40)
APOLOGY_KO = "죄송해요"


@pytest.fixture
async def app(api: BotApiStandIn, tmp_path: Path, engine: Engine) -> AsyncIterator[BotApplication]:
    settings = make_settings(api, tmp_path, stats_save_seconds=0.1)
    async with running_bot(api, settings, engine) as application:
        yield application


async def test_the_same_update_twice_is_answered_and_counted_once(
    app: BotApplication, api: BotApiStandIn, tmp_path: Path
) -> None:
    raw = u.message_update(SALARY_QUESTION, from_user=ASKER)
    raw["update_id"] = 910_000_001
    api.register_message(raw["message"])
    for _ in range(2):  # what a webhook gets when Telegram re-sends an update
        await app.update_queue.put(Update.de_json(copy.deepcopy(raw), app.bot))
    await next_person_is_answered(api)  # processed after both copies
    await asyncio.sleep(0.3)  # a second answer would have been sent by now
    sends = [c for c in api.calls_to("sendMessage") if to_chat(ASKER["id"])(c)]
    assert len(sends) == 1
    await asyncio.sleep(0.3)  # the counters are saved every 0.1 s
    with sqlite3.connect(tmp_path / "state.sqlite3") as db:
        counted = dict(db.execute("SELECT name, value FROM counters").fetchall())
    assert counted["questions"] == 2  # the asker's once, and next_person_is_answered's


def test_recent_ids_forget_the_oldest_beyond_their_capacity() -> None:
    seen = RecentIds(capacity=3)
    assert [seen.add(i) for i in (1, 2, 1, 3, 4)] == [True, True, False, True, True]
    assert len(seen) == 3 and seen.add(1)  # 1 was forgotten: memory stays bounded


def _sent_to_asker(api: BotApiStandIn) -> list[ApiCall]:
    return [c for c in api.calls_to("sendMessage") if to_chat(ASKER["id"])(c)]


async def test_no_apology_after_a_reply_whose_answer_cannot_be_read(
    app: BotApplication, api: BotApiStandIn, caplog: pytest.LogCaptureFixture
) -> None:
    """Like an emulator whose sendMessage result python-telegram-bot cannot parse."""
    caplog.set_level(logging.INFO)
    real = api._handlers["sendmessage"]

    async def unreadable(call: ApiCall) -> Any:
        result = await real(call)
        return {"message_id": result["message_id"]}  # no chat, no date: unparseable

    api._handlers["sendmessage"] = unreadable
    api.push_update(u.message_update(SALARY_QUESTION, from_user=ASKER))
    await api.wait_for("sendMessage", to_chat(ASKER["id"]))
    await asyncio.sleep(0.5)  # an apology would follow within milliseconds
    api._handlers["sendmessage"] = real
    sends = _sent_to_asker(api)
    assert len(sends) == 1 and SALARY_QUOTE in sends[0].params["text"]
    assert any("error while handling" in r.getMessage() for r in caplog.records)


async def test_no_apology_after_a_reply_that_timed_out_after_going_out(
    app: BotApplication, api: BotApiStandIn
) -> None:
    api.inject_fault("sendMessage", status=None, delay=6.0)  # past the 5 s read timeout
    api.push_update(u.message_update(SALARY_QUESTION, from_user=ASKER))
    await api.wait_for("sendMessage", to_chat(ASKER["id"]), timeout=10)
    await asyncio.sleep(0.5)
    sends = _sent_to_asker(api)
    assert len(sends) == 1 and sends[0].ok  # delivered, and no apology after it
    await next_person_is_answered(api)

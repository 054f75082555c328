"""Floods and fairness: one person's flood is bounded and never starves anyone else.

The per-user limit (USER_RATE_LIMIT per USER_RATE_WINDOW_SECONDS, default 8 per 10 s) is the
bot's own; Telegram's group limit (20 messages a minute per group) is kept by the flood
limiter in bot/telegram/delivery.py. Both run here with their production defaults.
"""

from __future__ import annotations

import asyncio

import pytest

from bot.config import Settings
from bot.telegram.app import INLINE_RATE_FACTOR, BotApplication
from tests.support import updates as u
from tests.support.harness import quoted_text
from tests.support.standin import BotApiStandIn
from tests.support.traffic import (
    AGE_QUESTION,
    SALARY_QUESTION,
    SALARY_QUOTE,
    SLOW_DOWN_KO,
    ask,
    assert_every_call_accepted,
    next_person_is_answered,
    person,
    replying_to,
    sends_to,
    to_chat,
)

FLOODER = person(1)
CALM = person(2, "Alex", "en")
GROUP = u.group_chat(-100555000222)


async def flood(api: BotApiStandIn, count: int, seconds: float) -> None:
    """`count` questions from FLOODER, spread evenly over `seconds`."""
    for _ in range(count):
        api.push_update(u.message_update(SALARY_QUESTION, from_user=FLOODER))
        await asyncio.sleep(seconds / count)


async def test_forty_messages_in_two_seconds_get_bounded_replies_and_one_notice(
    app: BotApplication, api: BotApiStandIn, settings: Settings
) -> None:
    await flood(api, 20, 1.0)
    # Someone else asks in the middle of the flood and is answered before it ends.
    reply = await ask(api, "How old is he?", CALM)
    assert "26" in reply.result["text"]
    await flood(api, 20, 1.0)

    expected = settings.user_rate_limit + 1  # the answers it allows, plus one notice
    await api.wait_for(
        "sendMessage", lambda c: c.params["chat_id"] == FLOODER["id"], count=expected
    )
    await next_person_is_answered(api)  # processed after the whole flood
    texts = [c.result["text"] for c in sends_to(api, FLOODER["id"])]
    assert len(texts) == expected, texts
    assert sum(SLOW_DOWN_KO in t for t in texts) == 1
    assert sum(SALARY_QUOTE.split()[0] in t for t in texts) == settings.user_rate_limit
    assert_every_call_accepted(api)


async def test_group_replies_stay_within_telegrams_group_limit_and_none_is_lost(
    app: BotApplication, api: BotApiStandIn
) -> None:
    askers = [person(100 + n) for n in range(21)]  # 21 people, one mention each
    pushed = []
    for asker in askers:
        update = u.message_update(f"@article_qa_bot {AGE_QUESTION}", chat=GROUP, from_user=asker)
        api.push_update(update)
        pushed.append(update["message"]["message_id"])
    in_group = to_chat(GROUP["id"])
    first = await api.wait_for("sendMessage", in_group, count=20)
    # A private chat is not held up by the group's limit.
    assert SALARY_QUOTE in quoted_text(await ask(api, SALARY_QUESTION, CALM))
    # The 21st group reply waits for the leaky bucket (20 per 60 s: one slot every 3 s)...
    with pytest.raises(AssertionError, match="timed out"):
        await api.wait_for("sendMessage", in_group, count=21, timeout=1.0)
    # ...and is then delivered, not dropped.
    every = await api.wait_for("sendMessage", in_group, count=21, timeout=6)
    assert every[20].time - first[0].time >= 2.0
    assert all(c.ok for c in every)
    for message_id in pushed:
        assert len([c for c in every if replying_to(message_id)(c)]) == 1


async def test_an_inline_query_flood_is_bounded_and_others_still_get_results(
    app: BotApplication, api: BotApiStandIn, settings: Settings
) -> None:
    for n in range(60):
        api.push_update(u.inline_query_update(f"연봉 {n}", from_user=FLOODER))
    calm = u.inline_query_update("How old is he?", from_user=CALM)
    api.push_update(calm)
    [answered] = await api.wait_for(
        "answerInlineQuery", lambda c: c.params["inline_query_id"] == calm["inline_query"]["id"]
    )
    assert answered.ok and answered.params["results"]
    allowed = settings.user_rate_limit * INLINE_RATE_FACTOR
    await api.wait_for("answerInlineQuery", count=allowed + 1)
    await next_person_is_answered(api)  # processed after the whole flood
    assert len(api.calls_to("answerInlineQuery")) == allowed + 1

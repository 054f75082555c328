"""Malformed Unicode is answered, never apologised for (issue 13, #9)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from telegram import Update

from bot.answering.engine import Engine
from bot.telegram.app import BotApplication
from bot.telegram.messages import clean_text
from tests.support import updates as u
from tests.support.harness import make_settings, quoted_text, running_bot
from tests.support.standin import BotApiStandIn
from tests.support.traffic import SALARY_QUOTE, person, to_chat

ASKER = person(70)
GROUP = u.group_chat(-100555000444)


@pytest.fixture
async def app(api: BotApiStandIn, tmp_path: Path, engine: Engine) -> AsyncIterator[BotApplication]:
    async with running_bot(api, make_settings(api, tmp_path), engine) as application:
        yield application


@pytest.mark.parametrize("where", ["end", "middle", "low-half"])
async def test_a_question_with_a_lone_surrogate_is_answered(
    app: BotApplication, api: BotApiStandIn, where: str
) -> None:
    text = {
        "end": "김태훈 연봉이 얼마야?\ud800",
        "middle": "김태훈 연봉이\udbff 얼마야?",
        "low-half": "\udc00김태훈 연봉이 얼마야?",
    }[where]
    raw = u.message_update(text, from_user=ASKER)
    raw["update_id"] = 920_000_000 + len(api.calls)
    api.register_message(raw["message"])
    # What json.loads makes of a "\ud800" escape in a webhook body. (The stand-in's own JSON
    # cannot carry a lone surrogate, so the update goes to the application's queue directly.)
    await app.update_queue.put(Update.de_json(raw, app.bot))
    [reply] = await api.wait_for("sendMessage", to_chat(ASKER["id"]))
    assert SALARY_QUOTE in quoted_text(reply)


async def test_a_mention_whose_offset_splits_a_surrogate_pair_is_answered(
    app: BotApplication, api: BotApiStandIn
) -> None:
    text = "😀@article_qa_bot 김태훈 연봉이 얼마야?"
    # The right offset is 2 (the emoji is two UTF-16 units); a buggy client sent 1.
    mention = {"type": "mention", "offset": 1, "length": 16}
    api.push_update(u.message_update(text, chat=GROUP, from_user=ASKER, entities=[mention]))
    [reply] = await api.wait_for("sendMessage", to_chat(GROUP["id"]))
    assert SALARY_QUOTE in quoted_text(reply)


def test_clean_text_keeps_utf16_offsets() -> None:
    text = "a\ud800b😀\udfffc"
    cleaned = clean_text(text)
    assert "\ufffd" in cleaned and cleaned.encode("utf-16-le")  # encodable now
    assert len(cleaned.encode("utf-16-le")) == len(text.encode("utf-16-le", "surrogatepass"))

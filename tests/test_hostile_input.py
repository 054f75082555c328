"""Hostile and odd input, end to end through the stand-in, plus properties over any text.

After every input the bot must still be up and answer the next person; every reply must be
accepted by the stand-in (which parses HTML like Telegram and rejects > 4096 characters),
user text must come back escaped and without control or bidi characters, and every
callback query must be answered.
"""

from __future__ import annotations

import random
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from telegram import Update

from bot.answering.engine import MAX_MATCH_CHARS, Engine
from bot.answering.matcher import Matcher, QueryTerm
from bot.knowledge import database
from bot.models import Answer, Suggestion
from bot.telegram import formatting
from bot.telegram.app import BotApplication
from bot.telegram.callbacks import CallbackSigner
from tests.support import updates as u
from tests.support.harness import entity_types, signer
from tests.support.standin import ApiCall, BotApiStandIn, parse_telegram_html
from tests.support.traffic import (
    SALARY_QUESTION,
    ask,
    assert_every_call_accepted,
    assert_every_callback_answered,
    next_person_is_answered,
    person,
    replying_to,
    sends_to,
    to_chat,
)

HOSTILE_USER = person(1, "<b>Mallory</b>")
GROUP = u.group_chat(-100777000111)
_RANDOM = random.Random(4)
# Characters that must never reach the reader from an echo: they hide or reorder text.
_BIDI_AND_INVISIBLE = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f")


def _hangul(n: int) -> str:
    return "".join(chr(_RANDOM.randint(0xAC00, 0xD7A3)) for _ in range(n))


def _fill(unit: str, limit: int = 4096) -> str:
    """`unit` repeated up to `limit` UTF-16 units (Telegram's message limit)."""
    text = ""
    while formatting.utf16_len(text + unit) <= limit:
        text += unit
    return text


HOSTILE_TEXTS: dict[str, str] = {
    "4096-unspaced-hangul": _hangul(4096),
    "4096-repeated-question": _fill(SALARY_QUESTION + " "),
    "4096-latin-one-word": "a" * 4096,
    "4096-markup": _fill("<b>&amp;</b>"),
    "emoji-flood-2048": "😀" * 2048,
    "zwj-family-flood": _fill("👨\u200d👩\u200d👧\u200d👦"),
    "flags-and-skin-tones": _fill(
        "🇰🇷👍🏽🏴\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f"
    ),
    "control-chars": "\x00\x01\x07\x1b[31m연봉\x7f 얼마\x08?\x1c\x1f",
    "nul-only": "\x00",
    "zero-width": "연\u200b봉\u200c이\u200d \ufeff얼마\u2060야?",
    "zero-width-only": "\u200b\u200c\u200d\ufeff",
    "rtl-override": "\u202e?야마얼 봉연 날씨\u202c 어때",
    "rtl-override-markup": "\u202e<b>evil</b>\u2066 날씨\u2069",
    "html-script": "<script>alert(1)</script> 오늘 날씨?",
    "html-link": '<a href="javascript:alert(1)">날씨</a>',
    "html-closing-tags": "</blockquote></i><b><pre> 날씨",
    "html-entities": "&lt;b&gt; &#0; &#xD800; &nbsp; & &amp 날씨",
    "telegram-tags": '<tg-spoiler>날씨</tg-spoiler><tg-emoji emoji-id="1">x</tg-emoji>',
    "markdown": "*bold* _it_ `code` ```pre``` [날씨](http://evil.example) ||spoiler|| \\_",
    "sql-drop": "'; DROP TABLE feedback; --",
    "sql-or": "날씨' OR '1'='1'; SELECT * FROM entries; --",
    "sql-delete": '"); DELETE FROM counters; VACUUM; --',
    "format-strings": "{answer} {quote} {0} %s %(x)s {{}} 날씨",
    "mixed-scripts": "Ｗｅａｔｈｅｒ 날씨 погода 天気 طقس",
}


def assert_safe_reply(call: ApiCall, user_text: str) -> None:
    """Accepted, no entity the bot did not write, and any echo escaped and printable."""
    assert call.ok, call.short()
    assert entity_types(call) <= {"blockquote", "italic", "bold", "code"}
    shown: str = call.result["text"]
    assert not _BIDI_AND_INVISIBLE & set(shown)
    assert all(unicodedata.category(c) != "Cc" for c in shown.replace("\n", ""))
    if "blockquote" not in entity_types(call):  # a decline echoes the question
        echo = formatting.truncate(
            formatting.one_line(formatting.printable(user_text)), formatting.MAX_ECHO_CHARS
        )
        assert echo in shown  # literally: "<b>" stays "<b>", nothing became markup


# ------------------------------------------------------------------------------ text


@pytest.mark.parametrize("text", list(HOSTILE_TEXTS.values()), ids=list(HOSTILE_TEXTS))
async def test_hostile_text_in_private_gets_a_safe_reply_and_the_bot_stays_up(
    app: BotApplication, api: BotApiStandIn, text: str
) -> None:
    reply = await ask(api, text, HOSTILE_USER)
    assert_safe_reply(reply, text)
    await next_person_is_answered(api)
    assert_every_call_accepted(api)


@pytest.mark.parametrize(
    "name", ["4096-unspaced-hangul", "rtl-override-markup", "html-script", "sql-drop"]
)
async def test_hostile_text_addressed_in_a_group_gets_a_safe_threaded_reply(
    app: BotApplication, api: BotApiStandIn, name: str
) -> None:
    text = "@article_qa_bot " + HOSTILE_TEXTS[name]
    update = u.message_update(text[:4096], chat=GROUP, from_user=HOSTILE_USER)
    api.push_update(update)
    [reply] = await api.wait_for("sendMessage", replying_to(update["message"]["message_id"]))
    assert_safe_reply(reply, HOSTILE_TEXTS[name][: 4096 - len("@article_qa_bot ")])
    await next_person_is_answered(api)


# ------------------------------------------------------------------------------ commands


@pytest.mark.parametrize(
    "text",
    ["/ask", "/ask   ", "/fact", "/ask@article_qa_bot", "/ask \u200b\u202e", "/fact \x00\ufeff"],
    ids=["ask", "ask-spaces", "fact", "ask-at-bot", "ask-invisible", "fact-nul"],
)
async def test_empty_commands_get_usage_help(
    app: BotApplication, api: BotApiStandIn, text: str
) -> None:
    reply = await ask(api, text, HOSTILE_USER)
    assert "명령 뒤에 질문을 써 주세요" in reply.result["text"]
    await next_person_is_answered(api)


@pytest.mark.parametrize(
    "text",
    [
        "/start " + "x" * 4000,
        "/start <b>&</b>",
        "/start ../../etc/passwd",
        "/ask " + _hangul(4090),
        "/frobnicate\x00\u202e<b>",
        "/ASK 연봉?",
    ],
    ids=["long-deep-link", "markup-deep-link", "path-deep-link", "4096-ask", "odd-unknown", "caps"],
)
async def test_odd_commands_get_a_safe_reply(
    app: BotApplication, api: BotApiStandIn, text: str
) -> None:
    reply = await ask(api, text, HOSTILE_USER)
    assert reply.ok and entity_types(reply) <= {"blockquote", "italic", "bold", "code"}
    await next_person_is_answered(api)


# ------------------------------------------------------------------------------ non-text


def _non_text(kind: str, payload: Any, *, chat: u.JSON | None = None) -> u.JSON:
    message = u.message("x", from_user=HOSTILE_USER, chat=chat)
    del message["text"]
    message[kind] = payload
    return {"update_id": u.next_update_id(), "message": message}


NON_TEXT: dict[str, u.JSON] = {
    "location": _non_text("location", {"latitude": 37.5, "longitude": 127.0}),
    "contact": _non_text("contact", {"phone_number": "+82100000000", "first_name": "<b>x"}),
    "dice": _non_text("dice", {"emoji": "🎲", "value": 6}),
    "voice": _non_text(
        "voice", {"file_id": "AwAD", "file_unique_id": "AgAD", "duration": 3, "mime_type": "x"}
    ),
    "document": _non_text(
        "document", {"file_id": "BQAC", "file_unique_id": "AgAE", "file_name": "<b>.exe"}
    ),
}


def _non_text_updates() -> Iterator[tuple[str, u.JSON]]:
    yield "sticker", u.sticker_message_update(from_user=HOSTILE_USER)
    yield (
        "photo-with-html-caption",
        u.photo_message_update(from_user=HOSTILE_USER, caption="<b>연봉</b> \u202e?"),
    )
    yield from NON_TEXT.items()


@pytest.mark.parametrize(
    "update", [update for _, update in _non_text_updates()], ids=[n for n, _ in _non_text_updates()]
)
async def test_non_text_in_private_gets_a_request_for_text(
    app: BotApplication, api: BotApiStandIn, update: u.JSON
) -> None:
    api.push_update(update)
    [reply] = await api.wait_for("sendMessage", to_chat(HOSTILE_USER["id"]))
    assert reply.ok and "글로 보내 주세요" in reply.result["text"]
    await next_person_is_answered(api)


POISON: dict[str, u.JSON] = {
    # What a Bot API server older than python-telegram-bot's sends: no poll.persistent_id.
    "poll-without-a-field-ptb-requires": _non_text(
        "poll",
        {
            "id": "1",
            "question": "<b>?",
            "options": [{"text": "a", "voter_count": 0}, {"text": "b", "voter_count": 0}],
            "total_voter_count": 0,
            "is_closed": False,
            "is_anonymous": True,
            "type": "regular",
            "allows_multiple_answers": False,
        },
    ),
    "message-with-a-nonsense-chat": {
        "update_id": 1,
        "message": {"message_id": 1, "date": 0, "chat": "nonsense", "text": "연봉"},
    },
}


@pytest.mark.parametrize("update", list(POISON.values()), ids=list(POISON))
async def test_an_update_the_library_cannot_read_is_skipped_not_refetched_forever(
    app: BotApplication, api: BotApiStandIn, caplog: pytest.LogCaptureFixture, update: u.JSON
) -> None:
    api.push_update(update)
    api.push_update(u.message_update(SALARY_QUESTION, from_user=person(5)))  # same batch
    await next_person_is_answered(api)
    skipped = [r for r in caplog.records if r.getMessage().startswith("skipped update")]
    assert len(skipped) == 1 and skipped[0].levelname == "ERROR"
    assert len(api.calls_to("sendMessage")) == 2  # person 5 and the next person, nothing else


async def test_non_text_in_a_group_gets_silence(app: BotApplication, api: BotApiStandIn) -> None:
    api.push_update(u.sticker_message_update(chat=GROUP, from_user=HOSTILE_USER))
    api.push_update(_non_text("dice", {"emoji": "🎲", "value": 1}, chat=GROUP))
    api.push_update(u.photo_message_update(chat=GROUP, from_user=HOSTILE_USER, caption="연봉?"))
    await next_person_is_answered(api)
    assert sends_to(api, GROUP["id"]) == []


# ------------------------------------------------------------------------------ other updates


async def test_edits_and_channel_posts_are_not_answered_and_the_bot_stays_up(
    app: BotApplication, api: BotApiStandIn
) -> None:
    channel = u.channel_chat()
    others = [
        u.edited_message_update("@article_qa_bot 연봉이 얼마야?", from_user=HOSTILE_USER),
        u.edited_message_update("연봉?", chat=GROUP, from_user=HOSTILE_USER),
        u.channel_post_update("@article_qa_bot 연봉이 얼마야? " + "😀" * 1000, chat=channel),
    ]
    edited_post = u.channel_post_update("/ask 연봉", chat=channel)
    others.append({"update_id": 1, "edited_channel_post": edited_post["channel_post"]})
    for update in others:
        api.push_update(update)  # never delivered: not in allowed_updates
        # ...and even if Telegram delivered them, no handler would react.
        await app.process_update(Update.de_json(update, app.bot))
    await next_person_is_answered(api)
    assert len(api.calls_to("sendMessage")) == 1


# ------------------------------------------------------------------------------ inline


INLINE_QUERIES: dict[str, str] = {
    "hangul-256": _hangul(256),
    "question-256": _fill("연봉 얼마? ", 256),
    "markup-256": _fill("<b>&amp;", 256),
    "emoji-128": "😀" * 128,
    "control-and-bidi-256": _fill("\x00\u202e\u200b연봉", 256),
    "sql-256": _fill("'; DROP TABLE x; --", 256),
}


@pytest.mark.parametrize("query", list(INLINE_QUERIES.values()), ids=list(INLINE_QUERIES))
async def test_256_character_inline_queries_get_valid_results(
    app: BotApplication, api: BotApiStandIn, query: str
) -> None:
    api.push_update(u.inline_query_update(query, from_user=HOSTILE_USER))
    [call] = await api.wait_for("answerInlineQuery")
    assert call.ok, call.short()  # the stand-in parsed every result's HTML
    assert 1 <= len(call.params["results"]) <= 5
    await next_person_is_answered(api)


# ------------------------------------------------------------------------------ callbacks


def _callback(data: str | None, **kwargs: Any) -> u.JSON:
    update = u.callback_query_update(data or "x", from_user=HOSTILE_USER, **kwargs)
    if data is None:  # a game button: no data at all
        del update["callback_query"]["data"]
        update["callback_query"]["game_short_name"] = "game"
    return update


FORGED_CALLBACKS: dict[str, u.JSON] = {
    "random-64-bytes": _callback("".join(_RANDOM.choice("ak|-_0Zx") for _ in range(64))),
    "right-shape-wrong-tag": _callback("ak|salary|AAAAAAAAAAAAAAAA"),
    "other-key": _callback(CallbackSigner(b"someone else").answer("salary", "ko")),
    "tampered-entry": _callback(
        signer().vote("salary", up=True, lang="ko").replace("salary", "age")
    ),
    "signed-unknown-entry": _callback(signer().answer("deleted-entry", "ko")),
    "signed-answer-on-inline-message": _callback(
        signer().answer("salary", "ko"), inline_message_id="AgAAAB"
    ),
    "non-ascii": _callback("연봉|\u202e|😀\x00"),
    "over-64-bytes": _callback("ak|salary|" + "A" * 100),
    "no-data": _callback(None),
}


async def test_forged_and_stale_callbacks_are_all_answered_and_change_nothing(
    app: BotApplication, api: BotApiStandIn, tmp_path: Path
) -> None:
    query_ids = []
    for update in FORGED_CALLBACKS.values():
        api.push_update(update)
        query_ids.append(update["callback_query"]["id"])
    await api.wait_for("answerCallbackQuery", count=len(query_ids))
    assert_every_callback_answered(api, query_ids)
    assert all(c.params.get("show_alert") for c in api.calls_to("answerCallbackQuery"))
    assert api.calls_to("sendMessage") == [] and api.calls_to("editMessageText") == []
    await next_person_is_answered(api)
    assert_every_call_accepted(api)


async def test_a_flood_of_taps_is_answered_every_time(
    app: BotApplication, api: BotApiStandIn
) -> None:
    message = u.bot_message("…", chat=u.private_chat(HOSTILE_USER))
    updates = [
        u.callback_query_update(signer().topics_page(1, "ko"), from_user=HOSTILE_USER, message=m)
        for m in [message] * 30
    ]
    for update in updates:
        api.push_update(update)
    ids = [update["callback_query"]["id"] for update in updates]
    await api.wait_for("answerCallbackQuery", count=len(ids))
    assert_every_callback_answered(api, ids)
    await next_person_is_answered(api)


# ------------------------------------------------------------------------------ properties


class RecordingMatcher(Matcher):
    """A Matcher that remembers how much text it was given."""

    longest_query = 0

    def query_terms(self, query: str) -> list[QueryTerm]:
        RecordingMatcher.longest_query = max(RecordingMatcher.longest_query, len(query))
        return super().query_terms(query)


@pytest.fixture(scope="module")
def recording_engine(knowledge_base: database.CompiledKnowledge) -> Engine:
    engine = Engine(knowledge_base)
    engine.matcher = RecordingMatcher(knowledge_base)
    return engine


_HANGUL = st.characters(min_codepoint=0xAC00, max_codepoint=0xD7A3)
_ODD = st.sampled_from(["\x00", "\u202e", "\u200b", "😀", "<", "&", " ", "'", "연봉", "ㅋ"])
LONG_TEXT = st.one_of(
    st.text(max_size=5000),
    st.text(alphabet=_HANGUL, min_size=600, max_size=5000),
    st.lists(st.one_of(_HANGUL, _ODD), min_size=600, max_size=2000).map("".join),
)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=LONG_TEXT)
def test_the_matcher_never_raises_and_reads_a_bounded_prefix(
    recording_engine: Engine, text: str
) -> None:
    RecordingMatcher.longest_query = 0
    answer = recording_engine.ask(text)
    assert 0 <= answer.score <= 100 and len(answer.suggestions) <= 3
    assert RecordingMatcher.longest_query <= MAX_MATCH_CHARS  # the work is bounded by input
    for match in recording_engine.find(text, limit=6):
        assert 0 <= match.score <= 100
    assert RecordingMatcher.longest_query <= MAX_MATCH_CHARS


def test_a_4096_character_unspaced_message_is_read_only_up_to_the_bound(
    recording_engine: Engine,
) -> None:
    RecordingMatcher.longest_query = 0
    answer = recording_engine.ask(HOSTILE_TEXTS["4096-unspaced-hangul"])
    assert not answer.answered and answer.question == HOSTILE_TEXTS["4096-unspaced-hangul"]
    assert RecordingMatcher.longest_query == MAX_MATCH_CHARS


@settings(max_examples=200, deadline=None)
@given(
    question=st.lists(
        st.one_of(st.characters(), _ODD, st.sampled_from(["\ud800", "\udfff"])), max_size=300
    ).map("".join),
    lang=st.sampled_from(["ko", "en"]),
)
def test_a_declines_echo_is_valid_html_printable_and_escaped(question: str, lang: str) -> None:
    answer = Answer(question, False, "", "", 0.0, None, lang, (Suggestion("a", "b"),))  # type: ignore[arg-type]
    html = formatting.decline_html(answer)
    text, entities = parse_telegram_html(html)
    assert entities == [] and formatting.utf16_len(text) <= formatting.MAX_MESSAGE_CHARS
    assert not _BIDI_AND_INVISIBLE & set(text)
    assert all(unicodedata.category(c) not in ("Cc", "Cs") for c in text.replace("\n", ""))
    text.encode("utf-8")  # no lone surrogate left to break the request

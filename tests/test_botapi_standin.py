"""Tests of the local Bot API stand-in, driven by a real ``telegram.Bot`` / ``Application``."""

from __future__ import annotations

import asyncio
import datetime as dtm
import json
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import aiohttp
import pytest
from telegram import (
    Bot,
    BotCommand,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InputTextMessageContent,
    ReplyParameters,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    Conflict,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.ext import (
    ApplicationBuilder,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from tests.support import updates as u
from tests.support.standin import BotApiStandIn, parse_telegram_html

TOKEN = "123456789:TEST-stand-in-token"


@pytest.fixture
async def bot(api: BotApiStandIn) -> AsyncIterator[Bot]:
    async with Bot(TOKEN, base_url=api.base_url, base_file_url=api.base_file_url) as tg_bot:
        yield tg_bot


def _seconds(value: int | dtm.timedelta) -> float:
    return value.total_seconds() if isinstance(value, dtm.timedelta) else float(value)


# ------------------------------------------------------------------------------ basics


async def test_get_me_identity_and_token_are_recorded(api: BotApiStandIn, bot: Bot) -> None:
    me = await bot.get_me()
    assert (me.id, me.username, me.first_name) == (u.BOT_ID, "article_qa_bot", "Article QA")
    assert me.is_bot and me.supports_inline_queries and not me.can_read_all_group_messages
    assert bot.username == "article_qa_bot"  # Bot.initialize() called getMe already
    assert api.token == TOKEN
    assert all(call.http_method == "POST" and call.ok for call in api.calls_to("getme"))


async def test_send_message_returns_a_full_message_and_decodes_params(
    api: BotApiStandIn, bot: Bot
) -> None:
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("출처 보기", callback_data="src:1")]])
    sent = await bot.send_message(
        424242001, "  <b>연봉</b> &lt;5억&gt; &amp; 기타\n", parse_mode=ParseMode.HTML,
        reply_markup=markup,
    )  # fmt: skip
    assert sent.text == "연봉 <5억> & 기타"
    assert sent.from_user is not None and sent.from_user.id == u.BOT_ID
    assert sent.chat.id == 424242001 and sent.chat.type == "private"
    assert [(e.type, e.offset, e.length) for e in sent.entities] == [("bold", 0, 2)]
    assert sent.reply_markup == markup

    [call] = await api.wait_for("sendMessage")
    assert call.params["chat_id"] == 424242001
    assert call.params["reply_markup"] == {
        "inline_keyboard": [[{"text": "출처 보기", "callback_data": "src:1"}]]
    }
    assert isinstance(call.raw_params["reply_markup"], str)  # PTB sends nested objects as JSON
    assert call.result["message_id"] == sent.message_id
    assert api.sent_messages() == [call.result]
    assert api.get_message(424242001, sent.message_id) == call.result


async def test_message_ids_are_unique_and_follow_the_factories(bot: Bot) -> None:
    before = u.message("hi")["message_id"]
    first = await bot.send_message(1, "a")
    second = await bot.send_message(1, "b")
    assert before < first.message_id < second.message_id


# ------------------------------------------------------------------------------ HTML


VALID_HTML = [
    (
        "<b>굵게</b> <strong>s</strong> <i>i</i> <em>e</em> <u>u</u> <ins>n</ins>",
        "굵게 s i e u n",
        ["bold", "bold", "italic", "italic", "underline", "underline"],
    ),
    ("<s>s</s> <strike>t</strike> <del>d</del>", "s t d", ["strikethrough"] * 3),
    ('<span class="tg-spoiler">스포</span> <tg-spoiler>a</tg-spoiler>', "스포 a", ["spoiler"] * 2),
    ('<a href="https://example.com/?a=1&amp;b=2">링크</a>', "링크", ["text_link"]),
    ("<code>x &lt; y</code>", "x < y", ["code"]),
    ('<pre><code class="language-python">print("hi")</code></pre>', 'print("hi")', ["pre"]),
    ("<pre>plain pre</pre>", "plain pre", ["pre"]),
    (
        "<blockquote>인용</blockquote> <blockquote expandable>길게</blockquote>",
        "인용 길게",
        ["blockquote", "expandable_blockquote"],
    ),
    ('<tg-emoji emoji-id="5368324170671202286">👍</tg-emoji>', "👍", ["custom_emoji"]),
    (
        "<b>b <i>i <u>u</u></i></b> &quot;q&quot; &#44032; &#xAC00; a > b",
        'b i u "q" 가 가 a > b',
        ["bold", "italic", "underline"],
    ),
    ("<B>upper-case tags</B>", "upper-case tags", ["bold"]),
]

INVALID_HTML = [
    ("<b>&</b>", 'Unescaped "&"'),
    ("AT&T", 'Unescaped "&"'),
    ("&nbsp;", 'Unsupported HTML entity "&nbsp;"'),
    ("&lt no semicolon", "must end with"),
    ("<p>para</p>", 'Unsupported start tag "p" at byte offset 0'),
    ("<br/>", 'Unsupported start tag "br/"'),
    ("a < b", 'Unsupported start tag "" at byte offset 2'),
    ("<b>unclosed", 'Can\'t find end tag corresponding to start tag "b"'),
    ("<b><i>x</b></i>", 'Unmatched end tag at byte offset 7, expected "</i>", found "</b>"'),
    ("x</b>", "Unexpected end tag at byte offset 1"),
    ("<span>x</span>", 'Tag "span" must have class "tg-spoiler"'),
    ("<b", "Unclosed start tag at byte offset 0"),
    ("<a href>x</a>", 'Expected equal sign in declaration of an attribute of the tag "a"'),
]


@pytest.mark.parametrize(("html", "text", "types"), VALID_HTML)
async def test_valid_telegram_html_is_accepted(
    bot: Bot, html: str, text: str, types: list[str]
) -> None:
    sent = await bot.send_message(1, html, parse_mode=ParseMode.HTML)
    assert sent.text == text
    assert [entity.type for entity in sent.entities] == types


@pytest.mark.parametrize(("text", "detail"), INVALID_HTML)
async def test_invalid_html_is_rejected_like_telegram(
    api: BotApiStandIn, bot: Bot, text: str, detail: str
) -> None:
    with pytest.raises(BadRequest, match=r"^Can't parse entities: "):
        await bot.send_message(1, text, parse_mode=ParseMode.HTML)
    [call] = api.calls_to("sendMessage")
    assert call.status == 400
    assert call.error is not None and call.error.startswith("Bad Request: can't parse entities: ")
    assert detail in call.error  # PTB lower-cases the rest of the message; the record does not
    assert api.sent_messages() == []


async def test_same_text_without_parse_mode_is_taken_literally(bot: Bot) -> None:
    sent = await bot.send_message(1, "<b>&</b>")
    assert sent.text == "<b>&</b>" and not sent.entities


async def test_parser_reports_utf8_byte_offsets_and_utf16_entities() -> None:
    text, entities = parse_telegram_html("🏟 <b>가😀</b>")
    assert text == "🏟 가😀"
    assert entities == [{"offset": 3, "length": 3, "type": "bold"}]
    with pytest.raises(ValueError, match='Unsupported start tag "x" at byte offset 8'):
        parse_telegram_html("🏟 가<x>")


async def test_length_is_counted_in_utf16_after_entity_parsing(bot: Bot) -> None:
    await bot.send_message(1, "가" * 4096)
    await bot.send_message(1, "<b>" + "&amp;" * 4096 + "</b>", parse_mode=ParseMode.HTML)
    with pytest.raises(BadRequest, match="Message is too long"):
        await bot.send_message(1, "가" * 4097)
    with pytest.raises(BadRequest, match="Message is too long"):
        await bot.send_message(1, "😀" * 2049)  # 2049 code points, 4098 UTF-16 units


@pytest.mark.parametrize("text", ["<b></b>", "   \n ", "<i> </i>"])
async def test_empty_text_is_rejected(bot: Bot, text: str) -> None:
    with pytest.raises(BadRequest, match="Message text is empty"):
        await bot.send_message(1, text, parse_mode=ParseMode.HTML)


# ------------------------------------------------------------------------------ edits, buttons


async def test_edit_message_text_validates_and_detects_no_change(
    api: BotApiStandIn, bot: Bot
) -> None:
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("더 보기", callback_data="more")]])
    sent = await bot.send_message(7, "처음", reply_markup=keyboard)
    edited = await bot.edit_message_text(
        "<i>바뀜</i>", chat_id=7, message_id=sent.message_id, parse_mode=ParseMode.HTML,
        reply_markup=keyboard,
    )  # fmt: skip
    assert not isinstance(edited, bool)
    assert edited.text == "바뀜" and edited.edit_date is not None
    with pytest.raises(BadRequest, match="Message is not modified"):
        await bot.edit_message_text(
            "바뀜", chat_id=7, message_id=sent.message_id, entities=edited.entities,
            reply_markup=keyboard,
        )  # fmt: skip
    with pytest.raises(BadRequest, match="Can't parse entities"):
        await bot.edit_message_text(
            "<b>x", chat_id=7, message_id=sent.message_id, parse_mode=ParseMode.HTML
        )
    with pytest.raises(BadRequest, match="Message to edit not found"):
        await bot.edit_message_text("x", chat_id=7, message_id=sent.message_id + 10_000)
    removed = await bot.edit_message_reply_markup(chat_id=7, message_id=sent.message_id)
    assert not isinstance(removed, bool) and removed.reply_markup is None
    stored = api.get_message(7, sent.message_id)
    assert stored is not None and "reply_markup" not in stored


async def test_user_messages_cannot_be_edited(api: BotApiStandIn, bot: Bot) -> None:
    update = u.message_update("사용자 메시지")
    api.push_update(update)
    message = update["message"]
    with pytest.raises(BadRequest, match="Message can't be edited"):
        await bot.edit_message_text(
            "x", chat_id=message["chat"]["id"], message_id=message["message_id"]
        )


async def test_callback_data_is_limited_to_64_bytes(bot: Bot) -> None:
    def keyboard(data: str) -> InlineKeyboardMarkup:
        return InlineKeyboardMarkup([[InlineKeyboardButton("버튼", callback_data=data)]])

    await bot.send_message(1, "ok", reply_markup=keyboard("가" * 21))  # 63 bytes in UTF-8
    with pytest.raises(BadRequest, match="Button_data_invalid"):
        await bot.send_message(1, "no", reply_markup=keyboard("가" * 22))  # 22 chars, 66 bytes


async def test_reply_parameters_produce_reply_to_message(api: BotApiStandIn, bot: Bot) -> None:
    asker = u.user(1001, "지민")
    incoming = u.message_update("기사 요약해줘", from_user=asker)
    api.push_update(incoming)
    question_id = incoming["message"]["message_id"]
    reply = await bot.send_message(
        1001, "요약입니다", reply_parameters=ReplyParameters(message_id=question_id)
    )
    assert reply.reply_to_message is not None
    assert reply.reply_to_message.message_id == question_id
    assert reply.reply_to_message.text == "기사 요약해줘"
    with pytest.raises(BadRequest, match="Message to be replied not found"):
        await bot.send_message(1001, "x", reply_to_message_id=question_id + 10_000)
    alone = await bot.send_message(
        1001, "x", reply_to_message_id=question_id + 10_000, allow_sending_without_reply=True
    )
    assert alone.reply_to_message is None


async def test_callback_and_inline_queries_must_be_known_and_answered_once(
    api: BotApiStandIn, bot: Bot
) -> None:
    with pytest.raises(BadRequest, match="Query is too old"):
        await bot.answer_callback_query("999")
    callback = u.callback_query_update("src:1")
    api.push_update(callback)
    assert await bot.answer_callback_query(callback["callback_query"]["id"], text="출처")
    with pytest.raises(BadRequest, match="Query is too old"):
        await bot.answer_callback_query(callback["callback_query"]["id"])

    def articles(n: int) -> list[InlineQueryResultArticle]:
        content = InputTextMessageContent("<b>답</b>", parse_mode="HTML")
        return [InlineQueryResultArticle(str(i), f"#{i}", content) for i in range(n)]

    first = u.inline_query_update("연봉")
    second = u.inline_query_update("연봉")
    api.push_update(first)
    api.push_update(second)
    with pytest.raises(BadRequest, match="Results_too_much"):
        await bot.answer_inline_query(first["inline_query"]["id"], articles(51))
    assert await bot.answer_inline_query(first["inline_query"]["id"], articles(50))
    bad = [InlineQueryResultArticle("1", "t", InputTextMessageContent("a & b", "HTML"))]
    with pytest.raises(BadRequest, match="Can't parse entities"):
        await bot.answer_inline_query(second["inline_query"]["id"], bad)


async def test_commands_descriptions_and_chat_actions(bot: Bot) -> None:
    commands = [BotCommand("start", "시작"), BotCommand("help", "도움말")]
    assert await bot.set_my_commands(commands)
    assert await bot.set_my_commands([BotCommand("start", "Start")], language_code="en")
    assert await bot.get_my_commands() == tuple(commands)
    assert [c.command for c in await bot.get_my_commands(language_code="en")] == ["start"]
    assert await bot.delete_my_commands()
    assert await bot.get_my_commands() == ()
    with pytest.raises(BadRequest, match="Bot_command_invalid"):
        await bot.set_my_commands([BotCommand("Bad-Name", "x")])
    assert await bot.set_my_description("기사 Q&A 봇")
    assert await bot.set_my_short_description("기사 질문에 답합니다")
    assert (await bot.get_my_description()).description == "기사 Q&A 봇"
    assert await bot.send_chat_action(1, "typing")
    assert await bot.log_out() and await bot.close()


async def test_unknown_method_json_body_and_query_string(api: BotApiStandIn) -> None:
    url = f"{api.base_url}{TOKEN}"
    async with aiohttp.ClientSession() as session:
        async with session.post(f"{url}/fooBar") as response:
            assert response.status == 404
            assert await response.json() == {
                "ok": False,
                "error_code": 404,
                "description": "Not Found: method not found",
            }
        button = {"text": "a", "url": "https://t.me"}
        body = {
            "chat_id": 5,
            "text": "<i>json</i>",
            "parse_mode": "HTML",
            "reply_markup": {"inline_keyboard": [[button]]},
        }
        async with session.post(f"{url}/sendMessage", json=body) as response:
            payload = await response.json()
            assert payload["ok"] and payload["result"]["text"] == "json"
        async with session.get(f"{url}/sendMessage", params={"chat_id": "5", "text": "q"}) as r:
            assert (await r.json())["result"]["text"] == "q"
    calls = api.calls_to("sendMessage")
    assert calls[0].params["reply_markup"]["inline_keyboard"][0][0]["url"] == "https://t.me"
    assert calls[1].http_method == "GET" and calls[1].params == {"chat_id": 5, "text": "q"}


# ------------------------------------------------------------------------------ getUpdates


async def test_get_updates_offset_limit_and_confirmation(api: BotApiStandIn, bot: Bot) -> None:
    ids = [api.push_update(u.message_update(f"m{i}")) for i in range(4)]
    assert ids == sorted(ids) and len(set(ids)) == 4
    assert [x.update_id for x in await bot.get_updates()] == ids
    assert [x.update_id for x in await bot.get_updates(limit=2)] == ids[:2]
    got = await bot.get_updates(offset=ids[2])
    assert [x.update_id for x in got] == ids[2:]
    assert [x["update_id"] for x in api.pending_updates] == ids[2:]  # older ones confirmed
    assert [x.update_id for x in await bot.get_updates(offset=-1)] == ids[3:]
    assert await bot.get_updates(offset=ids[3] + 1, timeout=0) == ()
    assert api.pending_updates == []


async def test_get_updates_timeout_returns_empty_after_waiting(bot: Bot) -> None:
    started = time.monotonic()
    assert await bot.get_updates(timeout=dtm.timedelta(seconds=0.3)) == ()
    assert 0.25 <= time.monotonic() - started < 2.0


async def test_long_poll_is_woken_by_push_update(api: BotApiStandIn, bot: Bot) -> None:
    poll = asyncio.create_task(bot.get_updates(timeout=10))
    await api.wait_for("getUpdates", finished=False)
    started = time.monotonic()
    update_id = api.push_update(u.message_update("깨워!"))
    [update] = await asyncio.wait_for(poll, 2)
    assert time.monotonic() - started < 1.0
    assert update.update_id == update_id and update.message is not None
    assert update.message.text == "깨워!"


async def test_allowed_updates_filters_and_persists(api: BotApiStandIn, bot: Bot) -> None:
    api.push_update(u.message_update("text"))
    callback_id = api.push_update(u.callback_query_update("btn"))
    got = await bot.get_updates(allowed_updates=["callback_query"])
    assert [x.update_id for x in got] == [callback_id]
    api.push_update(u.message_update("ignored too"))
    assert [x.update_id for x in await bot.get_updates()] == [callback_id]  # setting persists
    inline_id = api.push_update(u.inline_query_update("q"))
    got = await bot.get_updates(offset=callback_id + 1, allowed_updates=[])  # [] = defaults
    assert [x.update_id for x in got] == [inline_id]


async def test_second_bot_instance_polling_terminates_the_first(
    api: BotApiStandIn, bot: Bot
) -> None:
    # One Bot never overlaps its own getUpdates (PTB gives them a 1-connection pool).
    first = asyncio.create_task(bot.get_updates(timeout=10))
    await api.wait_for("getUpdates", finished=False)
    async with Bot(TOKEN, base_url=api.base_url) as other_instance:
        assert await other_instance.get_updates(timeout=0) == ()
    with pytest.raises(Conflict, match="terminated by other getUpdates request"):
        await asyncio.wait_for(first, 2)


async def test_webhook_blocks_get_updates(api: BotApiStandIn, bot: Bot) -> None:
    assert await bot.set_webhook("https://example.com/hook")
    assert (await bot.get_webhook_info()).url == "https://example.com/hook"
    with pytest.raises(Conflict, match="webhook is active"):
        await bot.get_updates()
    api.push_update(u.message_update("pending"))
    assert await bot.delete_webhook(drop_pending_updates=True)
    assert (await bot.get_webhook_info()).pending_update_count == 0
    assert await bot.get_updates() == ()


# ------------------------------------------------------------------------------ faults


async def test_429_surfaces_as_retry_after_then_recovers(
    api: BotApiStandIn, bot: Bot, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "1")  # PTB 22: retry_after as timedelta, no warning
    api.inject_fault("sendMessage", status=429, retry_after=3)
    with pytest.raises(RetryAfter) as info:
        await bot.send_message(1, "첫 시도")
    assert _seconds(info.value.retry_after) == 3
    assert (await bot.send_message(1, "두 번째")).text == "두 번째"
    first, second = api.calls_to("sendMessage")
    assert first.faulted and first.status == 429
    assert first.error == "Too Many Requests: retry after 3"
    assert not second.faulted and second.ok
    assert api.sent_messages() == [second.result]


async def test_500_and_proxy_502_are_network_errors(api: BotApiStandIn, bot: Bot) -> None:
    api.inject_fault("sendMessage", times=2)
    api.inject_fault("sendMessage", status=502)
    for _ in range(2):
        with pytest.raises(NetworkError, match="Internal Server Error") as info:
            await bot.send_message(1, "x")
        assert isinstance(info.value, TelegramError)
    with pytest.raises(NetworkError, match=r"Bad Gateway \(502\)"):
        await bot.send_message(1, "x")
    assert (await bot.send_message(1, "ok")).text == "ok"
    assert [c.status for c in api.calls_to("sendMessage")] == [500, 500, 502, 200]


async def test_other_statuses_and_wildcard(api: BotApiStandIn, bot: Bot) -> None:
    api.inject_fault("*", status=403)
    with pytest.raises(TelegramError, match="Forbidden: bot was blocked by the user"):
        await bot.send_chat_action(1, "typing")
    assert await bot.send_chat_action(1, "typing")


async def test_reset_connection_is_a_network_error(api: BotApiStandIn, bot: Bot) -> None:
    api.inject_fault("sendMessage", reset_connection=True)
    with pytest.raises(NetworkError):
        await bot.send_message(1, "x")
    [call] = api.calls_to("sendMessage")
    assert call.faulted and call.status == 0 and api.sent_messages() == []


async def test_slow_answer_times_out_but_the_message_is_still_sent(
    api: BotApiStandIn, bot: Bot
) -> None:
    api.inject_fault("sendMessage", status=None, delay=0.6)
    with pytest.raises(TimedOut):
        await bot.send_message(1, "늦은 답", read_timeout=0.1)
    [call] = await api.wait_for("sendMessage", timeout=3)
    assert call.ok and call.faulted and call.disconnected
    assert [m["text"] for m in api.sent_messages()] == ["늦은 답"]


async def test_global_latency_slows_every_call(api: BotApiStandIn, bot: Bot) -> None:
    api.latency = 0.2
    started = time.monotonic()
    await bot.send_message(1, "a")
    await bot.get_me()
    assert time.monotonic() - started >= 0.4


async def test_wait_for_timeout_dumps_the_calls(api: BotApiStandIn, bot: Bot) -> None:
    await bot.send_message(1, "something else")
    with pytest.raises(AssertionError, match=r"(?s)waiting for 1 sendMessage.*something else"):
        await api.wait_for("sendMessage", lambda c: c.params["text"] == "nope", timeout=0.1)
    api.clear()
    assert api.calls == []


# ------------------------------------------------------------------------------ factories


def _all_api_kwargs(obj: Any) -> list[Any]:
    """Every non-empty ``api_kwargs`` in a parsed PTB object tree (unknown JSON fields)."""
    found: list[Any] = []
    seen: set[int] = set()

    def walk(value: Any) -> None:
        if id(value) in seen:
            return
        seen.add(id(value))
        if isinstance(value, list | tuple):
            for item in value:
                walk(item)
            return
        if not hasattr(value, "api_kwargs"):
            return
        if value.api_kwargs:
            found.append(value.api_kwargs)
        for slot in value.to_dict():
            walk(getattr(value, slot, None))

    walk(obj)
    return found


FACTORIES: dict[str, Callable[[], dict[str, Any]]] = {
    "message": lambda: u.message_update("/start@article_qa_bot 안녕"),
    "group": lambda: u.message_update("질문", chat=u.group_chat()),
    "basic_group": lambda: u.message_update("질문", chat=u.group_chat(type="group")),
    "reply": lambda: u.message_update("응", reply_to=u.bot_message("봇의 답")),
    "edited": lambda: u.edited_message_update("고침"),
    "channel": lambda: u.channel_post_update("공지", author_signature="편집부"),
    "callback": lambda: u.callback_query_update("src:1"),
    "inline": lambda: u.inline_query_update("연봉", offset="10"),
    "sticker": lambda: u.sticker_message_update(),
    "photo": lambda: u.photo_message_update(caption="@someone 이 사진"),
}


@pytest.mark.parametrize("name", sorted(FACTORIES))
async def test_factories_build_updates_ptb_parses_without_leftovers(bot: Bot, name: str) -> None:
    raw = FACTORIES[name]()
    update = Update.de_json(json.loads(json.dumps(raw)), bot)
    assert update is not None and update.update_id == raw["update_id"]
    assert update.effective_user is not None or name == "channel"
    assert _all_api_kwargs(update) == []


def test_auto_entities_use_utf16_offsets() -> None:
    text = "/ask@article_qa_bot 😀 @minjun_kim 질문 /help"
    entities = u.message(text)["entities"]
    assert entities == [
        {"offset": 0, "length": 19, "type": "bot_command"},
        {"offset": 23, "length": 11, "type": "mention"},
        {"offset": 38, "length": 5, "type": "bot_command"},
    ]
    assert "entities" not in u.message("mail a@bcdef.com or a/start")


async def test_reply_to_the_bot_round_trip(api: BotApiStandIn, bot: Bot) -> None:
    asker = u.user(2002, "Alex", language_code="en", username="alex_reader")
    await bot.send_message(2002, "무엇이 궁금하세요?")
    [call] = await api.wait_for("sendMessage")
    bot_message = u.bot_message_from_call(call)
    api.push_update(u.message_update("연봉은?", from_user=asker, reply_to=bot_message))
    [update] = await bot.get_updates()
    assert update.message is not None and update.message.reply_to_message is not None
    replied = update.message.reply_to_message
    assert replied.from_user is not None and replied.from_user.id == u.BOT_ID
    assert replied.message_id == call.result["message_id"]
    with pytest.raises(ValueError, match="no Message result"):
        u.bot_message_from_call(api.calls_to("getMe")[0])


# ------------------------------------------------------------------------------ end to end


async def test_application_long_polling_end_to_end(api: BotApiStandIn) -> None:
    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None and update.message.text is not None
        await update.message.reply_text(f"<b>echo</b>: {update.message.text}", parse_mode="HTML")

    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_text("시작!", do_quote=True)

    application = (
        ApplicationBuilder()
        .token(TOKEN)
        .base_url(api.base_url)
        .base_file_url(api.base_file_url)
        .build()
    )
    application.add_handler(CommandHandler("start", start))
    application.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
    async with application:
        await application.start()
        assert application.updater is not None
        await application.updater.start_polling(timeout=10)
        await api.wait_for("getUpdates", finished=False)

        asker = u.user(3003, "서연")
        api.push_update(u.message_update("안녕 봇", from_user=asker))
        [echoed] = await api.wait_for("sendMessage")
        assert echoed.result["text"] == "echo: 안녕 봇"
        assert echoed.result["chat"]["id"] == 3003

        group = u.group_chat()
        command = u.message_update("/start@article_qa_bot", chat=group, from_user=asker)
        api.push_update(command)
        [_, started] = await api.wait_for("sendMessage", count=2)
        assert started.result["text"] == "시작!"
        assert started.result["chat"] == group
        assert started.result["reply_to_message"]["message_id"] == command["message"]["message_id"]

        await application.updater.stop()
        await application.stop()
    assert api.pending_updates == []  # the shutdown getUpdates confirmed everything
    assert all(call.token == TOKEN for call in api.calls)

"""End to end: the real Application, long polling the local Bot API stand-in over HTTP.

Updates are real Telegram JSON (tests/support/updates.py); assertions are on what the stand-in
received. The stand-in parses HTML like Telegram and rejects invalid markup or text over
4096 characters, so a successful sendMessage is itself a check of the formatting.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import socket
import sqlite3
from pathlib import Path

import aiohttp
import pytest
from telegram import Update

from bot.answering.engine import Engine
from bot.config import Settings
from bot.errors import ConfigurationError
from bot.knowledge import database
from bot.logs import SecretRedactingFilter, redact_in_logs
from bot.telegram.app import (
    INLINE_CACHE_SECONDS,
    BotApplication,
    build_application,
    run_bot,
    webhook_options,
)
from bot.telegram.callbacks import Kind
from tests import record_transcript
from tests.support import KNOWLEDGE_DIR
from tests.support import updates as u
from tests.support.harness import (
    TOKEN,
    bot_env,
    buttons,
    entity_types,
    make_settings,
    quoted_text,
    running_bot,
    signer,
    start_bot,
)
from tests.support.standin import ApiCall, BotApiStandIn
from tests.support.traffic import (
    EN_USER,
    KO_USER,
    SALARY_QUOTE,
    ask,
    replying_to,
    sends_to,
    tap,
    to_chat,
)

GROUP = u.group_chat()
CITATION_KO = "쓸만하니 머스크가 채갔다, 한국선 씨마른 AI 인재 · 중앙일보 · 2018-08-27"
CITATION_EN = "쓸만하니 머스크가 채갔다, 한국선 씨마른 AI 인재 · JoongAng Ilbo · 2018-08-27"


# ------------------------------------------------------------------------------ helpers


def assert_html_reply(call: ApiCall) -> None:
    """Every message: accepted by the stand-in, HTML, link previews off."""
    assert call.ok, call.short()
    assert call.params["parse_mode"] == "HTML"
    assert call.params["link_preview_options"] == {"is_disabled": True}


async def html_reply(api: BotApiStandIn, text: str) -> tuple[ApiCall, str]:
    """The bot's answer to `text`, checked with `assert_html_reply`, and the answer's text."""
    reply = await ask(api, text)
    assert_html_reply(reply)
    return reply, reply.result["text"]


async def assert_silent_then_sentinel(api: BotApiStandIn, chat: u.JSON) -> None:
    """After pushing updates that must get no reply: a mention that must be answered.

    The sentinel is processed after the silent updates, so once its answer exists, any
    (wrong) reply to the earlier updates would already have been recorded.
    """
    count = len(sends_to(api, chat["id"]))
    sentinel = u.message_update("@article_qa_bot 몇 살이야?", chat=chat, from_user=KO_USER)
    api.push_update(sentinel)
    mid = sentinel["message"]["message_id"]
    await api.wait_for("sendMessage", replying_to(mid))
    sent = sends_to(api, chat["id"])
    assert len(sent) == count + 1, [c.short() for c in sent]


# ------------------------------------------------------------------------------ start-up


async def test_startup_opens_the_knowledge_db_registers_commands_and_logs_ready(
    api: BotApiStandIn, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    knowledge_db = tmp_path / "k.sqlite3"
    await database.build(KNOWLEDGE_DIR, knowledge_db)
    settings = make_settings(api, tmp_path, database_path=knowledge_db)
    caplog.set_level(logging.INFO)
    async with running_bot(api, settings, engine=None):  # post_init opens the engine
        reply = await ask(api, "김태훈씨 연봉이 얼마야?")
        assert SALARY_QUOTE in quoted_text(reply)
    default = api.my_commands[('{"type": "default"}', "")]
    english = api.my_commands[('{"type": "default"}', "en")]
    assert {c["command"] for c in default} == {"ask", "fact", "topics", "reset", "about", "help"}
    assert {c["command"] for c in english} == {c["command"] for c in default}
    assert "질문" in default[0]["description"] and "Ask" in english[0]["description"]
    ready = [r.getMessage() for r in caplog.records if r.getMessage().startswith("ready as")]
    assert ready == ["ready as @article_qa_bot"]
    assert (tmp_path / "state.sqlite3").exists()


async def test_polling_asks_only_for_the_update_types_it_handles(
    app: BotApplication, api: BotApiStandIn
) -> None:
    [poll] = await api.wait_for("getUpdates", count=1, finished=False)
    assert set(poll.params["allowed_updates"]) == {"message", "callback_query", "inline_query"}


# ------------------------------------------------------------------------------ commands


@pytest.mark.parametrize("command", ["/start", "/help"])
async def test_start_and_help_in_korean(
    app: BotApplication, api: BotApiStandIn, command: str
) -> None:
    reply, text = await html_reply(api, command)
    assert text.startswith("안녕하세요!") and "그룹에서는" in text and "@article_qa_bot" in text
    examples = buttons(reply)
    assert 3 <= len(examples) <= 5
    for label, data in examples:
        action = signer().parse(data)
        assert action.kind is Kind.ANSWER and action.lang == "ko"
        assert label in text  # the tappable examples are also listed in the text


async def test_start_in_english_for_an_english_telegram_app(
    app: BotApplication, api: BotApiStandIn
) -> None:
    reply = await ask(api, "/start", user=EN_USER)
    text = reply.result["text"]
    assert text.startswith("Hi!") and "In groups" in text and "Anywhere" in text
    assert all(signer().parse(data).lang == "en" for _, data in buttons(reply))
    assert all(not any("가" <= ch <= "힣" for ch in label) for label, _ in buttons(reply))


async def test_deep_link_start_payload_answers_that_entry(
    app: BotApplication, api: BotApiStandIn
) -> None:
    reply = await ask(api, "/start salary")
    assert_html_reply(reply)
    assert SALARY_QUOTE in quoted_text(reply)
    assert {signer().parse(d).kind for _, d in buttons(reply)} == {Kind.VOTE_UP, Kind.VOTE_DOWN}


async def test_deep_link_to_an_unknown_entry_greets_instead(
    app: BotApplication, api: BotApiStandIn
) -> None:
    reply = await ask(api, "/start no-such-entry")
    assert reply.result["text"].startswith("안녕하세요!")


async def test_about_names_title_paper_date_and_reporter(
    app: BotApplication, api: BotApiStandIn
) -> None:
    text = (await ask(api, "/about")).result["text"]
    for part in ("쓸만하니 머스크가 채갔다", "중앙일보", "2018-08-27", "허정원"):
        assert part in text
    english = (await ask(api, "/about", user=EN_USER)).result["text"]
    assert "JoongAng Ilbo" in english and "Heo Jeong-won" in english


@pytest.mark.parametrize("command", ["/ask", "/fact", "/ask   "])
async def test_command_without_a_question_gets_usage_help(
    app: BotApplication, api: BotApiStandIn, command: str
) -> None:
    reply = await ask(api, command)
    assert "명령 뒤에 질문을 써 주세요" in reply.result["text"]
    assert buttons(reply) == []


async def test_unknown_command_in_private_points_to_help(
    app: BotApplication, api: BotApiStandIn
) -> None:
    assert "/help" in (await ask(api, "/frobnicate")).result["text"]


async def test_fact_is_the_short_form(app: BotApplication, api: BotApiStandIn) -> None:
    reply, text = await html_reply(api, "/fact 김태훈씨 몇 살이야?")
    first_line, _, rest = text.partition("\n")
    assert "26세" in first_line
    assert entity_types(reply) == {"bold", "blockquote"}
    assert rest == quoted_text(reply) == "올해 만 26세의 김씨가"
    assert "중앙일보" not in text  # no citation line in the short form


# ------------------------------------------------------------------------------ questions


async def test_korean_question_gets_answer_quote_citation_and_feedback_buttons(
    app: BotApplication, api: BotApiStandIn
) -> None:
    reply, text = await html_reply(api, "김태훈 연봉이 얼마야?")
    assert text.startswith("김씨가 밝히지는 않았지만 연봉은")
    assert SALARY_QUOTE in quoted_text(reply)
    assert text.endswith(CITATION_KO)
    assert "reply_parameters" not in reply.params  # no quoting in private chat
    labels = [label for label, _ in buttons(reply)]
    assert labels == ["👍", "👎"]
    actions = [signer().parse(data) for _, data in buttons(reply)]
    assert [(a.kind, a.value) for a in actions] == [
        (Kind.VOTE_UP, "salary"),
        (Kind.VOTE_DOWN, "salary"),
    ]


async def test_english_question_is_answered_in_english(
    app: BotApplication, api: BotApiStandIn
) -> None:
    reply = await ask(api, "How much is Kim Taehoon's salary?", user=KO_USER)
    text = reply.result["text"]
    assert text.startswith("He did not disclose it")
    assert SALARY_QUOTE in quoted_text(reply)  # the quote stays verbatim Korean
    assert text.endswith(CITATION_EN)


async def test_off_topic_question_is_declined_with_did_you_mean_buttons(
    app: BotApplication, api: BotApiStandIn
) -> None:
    reply, text = await html_reply(api, "오늘 서울 날씨 어때?")
    assert "기사에는" in text and "없어요" in text
    assert "blockquote" not in entity_types(reply)
    suggestions = buttons(reply)
    assert 1 <= len(suggestions) <= 3
    assert all(signer().parse(data).kind is Kind.ANSWER for _, data in suggestions)

    _, data = suggestions[0]
    entry_id = signer().parse(data).value
    answered = await tap(api, data, u.bot_message_from_call(reply))
    assert "text" not in answered.params  # a plain acknowledgement, no alert
    [answer] = await api.wait_for("sendMessage", lambda c: "blockquote" in entity_types(c))
    assert signer().parse(buttons(answer)[0][1]).value == entry_id


async def test_question_with_markup_is_escaped_wherever_it_is_echoed(
    app: BotApplication, api: BotApiStandIn
) -> None:
    reply = await ask(api, "<b>&</b> 오늘 날씨는?")
    assert reply.ok  # the stand-in rejects invalid HTML, so the escaping worked
    assert "&lt;b&gt;&amp;&lt;/b&gt;" in reply.params["text"]
    assert "<b>&</b>" in reply.result["text"]
    assert "bold" not in entity_types(reply)


async def test_sticker_and_photo_get_a_polite_request_for_text(
    app: BotApplication, api: BotApiStandIn
) -> None:
    api.push_update(u.sticker_message_update(from_user=KO_USER))
    api.push_update(u.photo_message_update(from_user=EN_USER, caption="what is this"))
    calls = await api.wait_for("sendMessage", count=2)
    texts = {c.params["chat_id"]: c.result["text"] for c in calls}
    assert "글로 보내 주세요" in texts[KO_USER["id"]]
    assert "Please type your question" in texts[EN_USER["id"]]


# ------------------------------------------------------------------------------ groups


async def test_group_mention_is_answered_and_threaded(
    app: BotApplication, api: BotApiStandIn
) -> None:
    update = u.message_update(
        "@article_qa_bot 김태훈씨는 어느 대학 나왔어?", chat=GROUP, from_user=KO_USER
    )
    api.push_update(update)
    mid = update["message"]["message_id"]
    [reply] = await api.wait_for("sendMessage", replying_to(mid))
    assert_html_reply(reply)
    assert reply.result["chat"]["id"] == GROUP["id"]
    assert reply.result["reply_to_message"]["message_id"] == mid
    assert "UNIST" in reply.result["text"] and "blockquote" in entity_types(reply)


async def test_unaddressed_group_messages_get_silence(
    app: BotApplication, api: BotApiStandIn
) -> None:
    for text in [
        "김태훈씨 연봉이 얼마야?",
        "오늘 점심 뭐 먹지",
        "/ask@other_bot 연봉은?",
        "@someone_else 연봉은?",
    ]:
        api.push_update(u.message_update(text, chat=GROUP, from_user=KO_USER))
    api.push_update(u.sticker_message_update(chat=GROUP, from_user=KO_USER))
    await assert_silent_then_sentinel(api, GROUP)


async def test_group_reply_to_the_bot_is_answered_and_threaded(
    app: BotApplication, api: BotApiStandIn
) -> None:
    first = await ask(api, "@article_qa_bot 몇 살이야?", chat=GROUP)
    bot_message = u.bot_message_from_call(first)
    update = u.message_update("연봉은 얼마야?", chat=GROUP, from_user=EN_USER, reply_to=bot_message)
    api.push_update(update)
    mid = update["message"]["message_id"]
    [reply] = await api.wait_for("sendMessage", replying_to(mid))
    assert SALARY_QUOTE in quoted_text(reply)

    # A reply to someone else's message is not addressed to the bot.
    other = u.message(text="연봉은?", chat=GROUP, from_user=EN_USER)
    api.push_update(
        u.message_update("연봉은 얼마야?", chat=GROUP, from_user=KO_USER, reply_to=other)
    )
    await assert_silent_then_sentinel(api, GROUP)


@pytest.mark.parametrize("text", ["/ask@article_qa_bot 연봉이 얼마야?", "/ask 연봉이 얼마야?"])
async def test_group_ask_command_is_answered_and_threaded(
    app: BotApplication, api: BotApiStandIn, text: str
) -> None:
    update = u.message_update(text, chat=GROUP, from_user=KO_USER)
    api.push_update(update)
    [reply] = await api.wait_for("sendMessage", replying_to(update["message"]["message_id"]))
    assert SALARY_QUOTE in quoted_text(reply)


async def test_bare_mention_in_a_group_gets_usage_help(
    app: BotApplication, api: BotApiStandIn
) -> None:
    reply = await ask(api, "@article_qa_bot", chat=GROUP)
    assert "질문" in reply.result["text"] and "reply_parameters" in reply.params


# ------------------------------------------------------------------------------ buttons


async def test_topics_keyboard_pages_and_answers(
    app: BotApplication, api: BotApiStandIn, engine: Engine
) -> None:
    reply = await ask(api, "/topics")
    keyboard = buttons(reply)
    topics = [(label, signer().parse(data)) for label, data in keyboard]
    entry_buttons = [(label, a) for label, a in topics if a.kind is Kind.ANSWER]
    assert [label for label, _ in entry_buttons] == [e.topic for e in engine.entries[:8]]
    assert topics[-1][0] == "▶" and topics[-1][1].kind is Kind.TOPICS_PAGE
    message = u.bot_message_from_call(reply)

    await tap(api, keyboard[-1][1], message)  # ▶ next page: the same message is edited
    [edit] = await api.wait_for("editMessageText")
    assert edit.params["message_id"] == reply.result["message_id"]
    page_two = [label for label, _ in buttons(edit)]
    assert page_two[:8] == [e.topic for e in engine.entries[8:16]]
    assert page_two[8:] == ["◀", "▶"]

    await tap(api, keyboard[0][1], message)  # the first topic's button answers it
    [answer] = await api.wait_for("sendMessage", lambda c: "blockquote" in entity_types(c))
    first = engine.entries[0]
    assert first.quote.split()[0] in quoted_text(answer)


async def test_thumbs_up_is_acknowledged_and_stored(
    app: BotApplication, api: BotApiStandIn, settings: Settings
) -> None:
    reply = await ask(api, "김태훈 연봉이 얼마야?")
    up = buttons(reply)[0][1]
    answered = await tap(api, up, u.bot_message_from_call(reply))
    assert answered.params["text"] == "의견 고마워요!"
    with sqlite3.connect(settings.state_database_path) as db:
        rows = db.execute("SELECT entry_id, user_hash, chat_type, vote FROM feedback").fetchall()
    assert len(rows) == 1
    entry_id, user_hash, chat_type, vote = rows[0]
    assert (entry_id, chat_type, vote) == ("salary", "private", 1)
    assert str(KO_USER["id"]) not in user_hash


@pytest.mark.parametrize(
    "data",
    [
        "ak|salary|AAAAAAAAAAAAAAAA",  # right shape, wrong signature
        "salary",  # what a naive bot would put in callback_data
        "uk|salary|" + "x" * 16,
    ],
)
async def test_forged_callback_data_is_answered_with_an_alert(
    app: BotApplication, api: BotApiStandIn, data: str
) -> None:
    answered = await tap(
        api,
        data,
        u.bot_message(
            "…", chat=u.private_chat(KO_USER), reply_markup=u.inline_keyboard([("x", data)])
        ),
    )
    assert answered.params["show_alert"] is True
    assert "버튼" in answered.params["text"]
    assert api.calls_to("sendMessage") == []


async def test_button_for_an_entry_that_no_longer_exists_is_answered(
    app: BotApplication, api: BotApiStandIn
) -> None:
    stale = signer().answer("removed-entry", "en")
    message = u.bot_message(
        "…", chat=u.private_chat(EN_USER), reply_markup=u.inline_keyboard([("x", stale)])
    )
    answered = await tap(api, stale, message, user=EN_USER)
    assert answered.params["show_alert"] is True
    assert "no longer works" in answered.params["text"]


# ------------------------------------------------------------------------------ inline mode


async def test_inline_query_returns_up_to_five_articles(
    app: BotApplication, api: BotApiStandIn
) -> None:
    api.push_update(u.inline_query_update("김태훈 연봉", from_user=KO_USER))
    [call] = await api.wait_for("answerInlineQuery")
    assert call.ok, call.short()
    results = call.params["results"]
    assert 1 <= len(results) <= 5
    best = results[0]
    assert best["type"] == "article" and best["id"] == "salary"
    assert best["title"] and "연봉" in best["description"]
    content = best["input_message_content"]
    assert content["parse_mode"] == "HTML"
    assert content["link_preview_options"] == {"is_disabled": True}
    assert f"<blockquote>밝히진 않았지만 {SALARY_QUOTE}" in content["message_text"]
    assert 0 < call.params["cache_time"] == INLINE_CACHE_SECONDS


async def test_empty_inline_query_lists_popular_facts(
    app: BotApplication, api: BotApiStandIn, engine: Engine
) -> None:
    api.push_update(u.inline_query_update("", from_user=EN_USER))
    [call] = await api.wait_for("answerInlineQuery")
    results = call.params["results"]
    assert [r["id"] for r in results] == [e.id for e in engine.popular(5)]
    assert call.params["is_personal"] is True  # the list follows the user's language
    assert all("JoongAng Ilbo" in r["input_message_content"]["message_text"] for r in results)


# ------------------------------------------------------------------------------ robustness


async def test_one_users_flood_is_limited_without_starving_others(
    api: BotApiStandIn, tmp_path: Path, engine: Engine
) -> None:
    settings = make_settings(api, tmp_path, user_rate_limit=3, user_rate_window_seconds=60)
    async with running_bot(api, settings, engine):
        for _ in range(6):
            api.push_update(u.message_update("연봉?", from_user=KO_USER))
        calm = u.message_update("몇 살이야?", from_user=EN_USER)
        api.push_update(calm)
        await api.wait_for("sendMessage", to_chat(EN_USER["id"]))
        flooder = await api.wait_for("sendMessage", to_chat(KO_USER["id"]), count=4)
    texts = [c.result["text"] for c in flooder]
    assert sum("잠시 후에" in t for t in texts) == 1
    assert len(api.calls_to("sendMessage")) == 5  # 3 answers + 1 notice + the calm user


async def test_telegram_429_is_retried_not_lost(app: BotApplication, api: BotApiStandIn) -> None:
    api.inject_fault("sendMessage", status=429, retry_after=1)
    api.push_update(u.message_update("연봉이 얼마야?", from_user=KO_USER))
    [delivered] = await api.wait_for("sendMessage", lambda c: c.ok, timeout=8)
    assert SALARY_QUOTE in quoted_text(delivered)
    assert [c.status for c in api.calls_to("sendMessage")] == [429, 200]


async def test_handler_errors_are_logged_and_the_bot_keeps_going(
    app: BotApplication, api: BotApiStandIn, caplog: pytest.LogCaptureFixture
) -> None:
    api.inject_fault("sendMessage", status=400, description="Bad Request: chat not found")
    api.push_update(u.message_update("연봉이 얼마야?", from_user=KO_USER))
    # The failed answer is followed by an apology in private chat...
    await api.wait_for("sendMessage", lambda c: c.ok and "다시 시도해" in c.result["text"])
    errors = [r for r in caplog.records if r.getMessage().startswith("error while handling")]
    assert errors and "(message in a private chat)" in errors[0].getMessage()
    assert errors[0].exc_info is not None
    # ...and the next question is answered normally.
    reply = await ask(api, "몇 살이야?")
    assert "26" in reply.result["text"]


async def test_edited_messages_and_channel_posts_are_ignored(
    app: BotApplication, api: BotApiStandIn
) -> None:
    # Handler level: even if Telegram delivered them, no handler reacts.
    for raw in (
        u.edited_message_update("연봉이 얼마야?"),
        u.channel_post_update("@article_qa_bot 연봉이 얼마야?"),
    ):
        await app.process_update(Update.de_json(raw, app.bot))
    # Through the stand-in: pushed, never delivered (allowed_updates), and no reply.
    api.push_update(u.edited_message_update("연봉이 얼마야?", from_user=KO_USER))
    reply = await ask(api, "몇 살이야?")
    assert len(api.calls_to("sendMessage")) == 1 and "26" in reply.result["text"]


async def test_messages_sent_via_our_inline_mode_are_not_questions(
    app: BotApplication, api: BotApiStandIn
) -> None:
    via = u.message_update("김씨가 밝히지는 않았지만 연봉은…", from_user=KO_USER)
    via["message"]["via_bot"] = u.bot_user()
    api.push_update(via)
    reply = await ask(api, "몇 살이야?")
    assert len(api.calls_to("sendMessage")) == 1 and "26" in reply.result["text"]


async def test_token_never_appears_in_logs(
    api: BotApiStandIn, tmp_path: Path, engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="httpx")  # httpx logs every request URL
    async with running_bot(api, make_settings(api, tmp_path), engine):
        await ask(api, "연봉이 얼마야?")
        logging.getLogger("test").warning("token %s in a message", TOKEN)
        try:
            raise RuntimeError(f"https://api.telegram.org/bot{TOKEN}/getMe failed")
        except RuntimeError:
            logging.getLogger("test").exception("and in a traceback")
    assert "/bot[REDACTED]/sendMessage" in caplog.text  # the URLs were logged, redacted
    assert TOKEN not in caplog.text
    assert TOKEN.split(":")[1] not in caplog.text


def test_token_filter_redacts_messages_arguments_and_tracebacks() -> None:
    token = "999:SECRET_part"
    record = logging.LogRecord(
        "httpx", logging.INFO, __file__, 1, "POST %s", (f"https://x/bot{token}/getMe",), None
    )
    assert SecretRedactingFilter(token).filter(record)
    assert record.getMessage() == "POST https://x/bot[REDACTED]/getMe"
    encoded = logging.LogRecord("x", logging.INFO, __file__, 1, "999%3ASECRET_part", None, None)
    SecretRedactingFilter(token).filter(encoded)
    assert encoded.getMessage() == "[REDACTED]"


def test_redaction_is_installed_once_per_root_handler() -> None:
    handler = logging.StreamHandler()
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        redact_in_logs("1:A")
        redact_in_logs("1:A")
        assert sum(isinstance(f, SecretRedactingFilter) for f in handler.filters) == 1
    finally:
        root.removeHandler(handler)


# ------------------------------------------------------------------------------ webhook & CLI


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_webhook_checks_the_secret_token(
    api: BotApiStandIn, tmp_path: Path, engine: Engine
) -> None:
    settings = make_settings(api, tmp_path, webhook_secret_token="s3cret-Token_1")
    port = _free_port()
    options = webhook_options(
        settings, webhook_url="https://bot.example.org/tg-hook", listen="127.0.0.1", port=port
    )
    application = build_application(settings, engine)
    async with application:
        assert application.post_init is not None
        await application.post_init(application)
        await application.start()
        assert application.updater is not None
        await application.updater.start_webhook(**options)
        try:
            assert api.webhook_url == "https://bot.example.org/tg-hook"
            [registered] = api.calls_to("setWebhook")
            assert registered.params["secret_token"] == "s3cret-Token_1"
            url = f"http://127.0.0.1:{port}/tg-hook"
            update = u.message_update("연봉이 얼마야?", from_user=KO_USER)
            api.register_message(update["message"])
            async with aiohttp.ClientSession() as session:
                for headers in ({}, {"X-Telegram-Bot-Api-Secret-Token": "wrong"}):
                    async with session.post(url, json=update, headers=headers) as response:
                        assert response.status == 403
                assert api.calls_to("sendMessage") == []
                good = {"X-Telegram-Bot-Api-Secret-Token": "s3cret-Token_1"}
                async with session.post(url, json=update, headers=good) as response:
                    assert response.status == 200
            [reply] = await api.wait_for("sendMessage")
            assert SALARY_QUOTE in quoted_text(reply)
        finally:
            await application.updater.stop()
            await application.stop()
            assert application.post_shutdown is not None
            await application.post_shutdown(application)


def test_webhook_options_validate_the_secret_and_url(api: BotApiStandIn, tmp_path: Path) -> None:
    generated = webhook_options(
        make_settings(api, tmp_path), webhook_url="https://h/x", listen="0.0.0.0", port=8443
    )
    assert len(generated["secret_token"]) >= 32  # always checked, even when not configured
    with pytest.raises(ConfigurationError, match="WEBHOOK_SECRET_TOKEN"):
        webhook_options(
            make_settings(api, tmp_path, webhook_secret_token="bad token!"),
            webhook_url="https://h/x",
            listen="0.0.0.0",
            port=8443,
        )
    with pytest.raises(ConfigurationError, match="https"):
        webhook_options(
            make_settings(api, tmp_path), webhook_url="http://h/x", listen="0.0.0.0", port=8443
        )


def test_run_without_a_token_exits_2_with_advice(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = Settings(
        _env_file=None,
        telegram_bot_token=None,  # type: ignore[call-arg]
        state_database_path=tmp_path / "s.sqlite3",
    )
    assert run_bot(settings, webhook_url=None, listen="127.0.0.1", port=8443) == 2
    err = capsys.readouterr().err
    assert "TELEGRAM_BOT_TOKEN" in err and "@BotFather" in err


async def test_transcript_recorder_plays_a_new_users_session(
    api: BotApiStandIn, tmp_path: Path
) -> None:
    transcript = (await record_transcript.record(api, tmp_path)).markdown()
    assert transcript.count("## ") == 10
    for expected in (
        "안녕하세요!",
        "┃ 밝히진 않았지만",
        "JoongAng Ilbo",
        "기사에는",
        "(reply to 서연)",
        "no reply: not addressed",
        "의견 고마워요!",
        "1. 김태훈씨의 연봉은 얼마인가요?",
        # the follow-ups: one read with the topic, one about a detail the article lacks
        "3년짜리였습니다.",
        "원화로는 약 3억3400만~5억5700만원입니다.",
        "연도는 나오지 않아요.",
    ):
        assert expected in transcript


async def test_python_m_bot_run_polls_the_stand_in_and_stops_cleanly(
    api: BotApiStandIn, tmp_path: Path
) -> None:
    env = bot_env(api, tmp_path, DATABASE_PATH=str(tmp_path / "k.sqlite3"))
    process = await start_bot(env, tmp_path)
    try:
        await api.wait_for("getUpdates", finished=False, timeout=30)
        reply = await ask(api, "연봉이 얼마야?")
        assert SALARY_QUOTE in quoted_text(reply)
    finally:
        process.send_signal(signal.SIGINT)
        _, stderr_bytes = await asyncio.wait_for(process.communicate(), timeout=30)
    stderr = stderr_bytes.decode()
    assert process.returncode == 0, stderr
    assert stderr.count("ready as @article_qa_bot") == 1
    assert TOKEN not in stderr

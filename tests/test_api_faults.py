"""Faults injected into the Bot API stand-in: 429s, 5xx, resets, timeouts and a slow API.

Each test breaks Telegram in one way while the real Application runs, then checks that the
reply still arrives (or, when Telegram stays broken, that the failure is logged, the user is
told, and the next person is served).
"""

from __future__ import annotations

import datetime as dt
import itertools
import logging
from pathlib import Path

import pytest
from telegram.error import BadRequest, NetworkError, RetryAfter, TimedOut

from bot.answering.engine import Engine
from bot.telegram.app import BotApplication
from bot.telegram.delivery import backoff, is_transient
from tests.support import updates as u
from tests.support.harness import make_settings, quoted_text, running_bot
from tests.support.standin import BotApiStandIn
from tests.support.traffic import (
    SALARY_QUESTION,
    SALARY_QUOTE,
    ask,
    assert_every_call_accepted,
    next_person_is_answered,
    person,
    tap,
    to_chat,
)

ASKER = person(1)


def statuses(api: BotApiStandIn, method: str = "sendMessage") -> list[int | None]:
    return [c.status for c in api.calls_to(method)]


# ------------------------------------------------------------------------------ sendMessage


@pytest.mark.parametrize("times", [1, 2])
async def test_429_retry_after_is_waited_out_and_the_reply_delivered(
    app: BotApplication, api: BotApiStandIn, times: int
) -> None:
    api.inject_fault("sendMessage", status=429, retry_after=1, times=times)
    reply = await ask(api, SALARY_QUESTION, ASKER, timeout=10)
    assert SALARY_QUOTE in quoted_text(reply)
    assert statuses(api) == [429] * times + [200]
    calls = api.calls_to("sendMessage")
    for refused, retried in itertools.pairwise(calls):
        assert retried.time - refused.time >= 1.0  # Telegram's retry_after was respected


@pytest.mark.parametrize(
    ("status", "html_body"),
    [(500, False), (502, True), (503, True)],
    ids=["500-json", "502-nginx-html", "503-nginx-html"],
)
async def test_a_5xx_on_send_is_logged_retried_and_the_reply_delivered(
    app: BotApplication,
    api: BotApiStandIn,
    caplog: pytest.LogCaptureFixture,
    status: int,
    html_body: bool,
) -> None:
    api.inject_fault("sendMessage", status=status, html_body=html_body)
    reply = await ask(api, SALARY_QUESTION, ASKER)
    assert SALARY_QUOTE in quoted_text(reply)
    assert statuses(api) == [status, 200]
    [warning] = [r for r in caplog.records if "retry 1 of 2" in r.getMessage()]
    assert warning.levelno == logging.WARNING and "sendMessage" in warning.getMessage()
    await next_person_is_answered(api)


async def test_a_5xx_that_outlasts_the_retries_is_logged_apologised_for_and_the_bot_goes_on(
    app: BotApplication, api: BotApiStandIn, caplog: pytest.LogCaptureFixture
) -> None:
    api.inject_fault("sendMessage", status=502, times=3)  # the first try and both retries
    api.push_update(u.message_update(SALARY_QUESTION, from_user=ASKER))
    [apology] = await api.wait_for(
        "sendMessage", lambda c: c.ok and "다시 시도해" in c.result["text"], timeout=8
    )
    assert apology.params["chat_id"] == ASKER["id"]
    assert statuses(api) == [502, 502, 502, 200]
    errors = [r for r in caplog.records if r.getMessage().startswith("error while handling")]
    assert len(errors) == 1 and errors[0].exc_info is not None
    await next_person_is_answered(api)


async def test_a_connection_reset_mid_send_is_retried_and_the_reply_delivered(
    app: BotApplication, api: BotApiStandIn
) -> None:
    api.inject_fault("sendMessage", reset_connection=True)
    reply = await ask(api, SALARY_QUESTION, ASKER)
    assert SALARY_QUOTE in quoted_text(reply)
    assert statuses(api) == [0, 200]  # 0: the stand-in dropped the connection
    await next_person_is_answered(api)


async def test_a_reset_while_answering_a_button_is_retried(
    app: BotApplication, api: BotApiStandIn
) -> None:
    api.inject_fault("answerCallbackQuery", reset_connection=True)
    answered = await tap(api, "forged", user=ASKER)
    assert answered.params["show_alert"] is True
    assert statuses(api, "answerCallbackQuery") == [0, 200]


# ------------------------------------------------------------------------------ getUpdates


@pytest.mark.parametrize(
    "fault",
    [{"status": 502}, {"status": 500, "html_body": False}, {"reset_connection": True}],
    ids=["502-nginx-html", "500-json", "connection-reset"],
)
async def test_polling_recovers_by_itself_from_a_failed_getupdates(
    app: BotApplication,
    api: BotApiStandIn,
    caplog: pytest.LogCaptureFixture,
    fault: dict[str, object],
) -> None:
    await ask(api, SALARY_QUESTION, ASKER)  # ends the current long poll
    api.inject_fault("getUpdates", **fault)  # type: ignore[arg-type]
    # The poll after this question fails; the one after that must still bring the next one.
    first = await ask(api, "몇 살이야?", person(2))
    second = await ask(api, SALARY_QUESTION, person(3), timeout=8)
    assert "26" in first.result["text"] and SALARY_QUOTE in quoted_text(second)
    failed = [c for c in api.calls_to("getUpdates") if c.faulted]
    assert len(failed) == 1
    assert any("polling for updates" in r.getMessage() for r in caplog.records)


async def test_polling_recovers_by_itself_from_a_getupdates_timeout(
    api: BotApiStandIn, tmp_path: Path, engine: Engine
) -> None:
    # Long polls of 1 s get a 6 s read timeout (PTB adds its default 5 s): the stand-in
    # holds the next poll for 8 s, so the client gives up on it and polls again.
    async with running_bot(api, make_settings(api, tmp_path), engine, poll_timeout=1):
        await ask(api, SALARY_QUESTION, ASKER)
        api.inject_fault("getUpdates", status=None, delay=8)
        await api.wait_for("getUpdates", lambda c: c.faulted, finished=False)
        api.push_update(u.message_update(SALARY_QUESTION, from_user=person(2)))
        [reply] = await api.wait_for("sendMessage", to_chat(person(2)["id"]), timeout=10)
        assert SALARY_QUOTE in quoted_text(reply)
        [hung] = [c for c in api.calls_to("getUpdates") if c.faulted]
        assert hung.disconnected  # the client timed out and went on


# ------------------------------------------------------------------------------ slow API


async def test_a_slow_api_still_serves_other_chats_concurrently(
    app: BotApplication, api: BotApiStandIn
) -> None:
    askers = [person(n) for n in range(10, 14)]
    api.latency = 2.0  # every call now takes 2 s
    try:
        for asker in askers:
            api.push_update(u.message_update(SALARY_QUESTION, from_user=asker))
        # All four replies are on the wire at once: no chat waits for another chat's reply.
        in_flight = await api.wait_for("sendMessage", count=4, finished=False, timeout=5)
        assert [c.status for c in in_flight] == [None] * 4
        assert {c.params["chat_id"] for c in in_flight} == {a["id"] for a in askers}
        delivered = await api.wait_for("sendMessage", count=4, timeout=5)
        assert all(SALARY_QUOTE in quoted_text(c) for c in delivered)
    finally:
        api.latency = 0.0
    assert_every_call_accepted(api)


# ------------------------------------------------------------------------------ the policy


def test_only_errors_that_prove_nothing_was_done_are_retried() -> None:
    assert is_transient(NetworkError("Bad Gateway"))
    assert is_transient(NetworkError("httpx.RemoteProtocolError: Server disconnected"))
    assert not is_transient(TimedOut())  # the message may have been sent: no duplicates
    assert not is_transient(BadRequest("Bad Request: chat not found"))
    assert not is_transient(RetryAfter(dt.timedelta(seconds=1)))  # the limiter waits these
    assert [backoff(n, 0.5) for n in (1, 2, 3)] == [0.5, 1.0, 2.0]

"""No secret and no personal data in the log, even at DEBUG (issue 13, #4).

`python -m bot -v run` answers a question, a button and an inline query from a user with a
distinctive id, names and username; the whole log is then searched for them, for the token
and for the webhook secret. LOG_TELEGRAM_WIRE=true is the documented way to see the data.
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest

from tests.support import updates as u
from tests.support.harness import TOKEN, serving_env, signer, start_bot
from tests.support.standin import BotApiStandIn
from tests.support.traffic import SALARY_QUESTION, to_chat

WEBHOOK_SECRET = "wh-SECRET-never-in-logs_42"
USER = u.user(987_654_321_012, "Yoonseo", last_name="Kimsurname", username="yoonseo_private_handle")
PERSONAL = [str(USER["id"]), "Yoonseo", "Kimsurname", "yoonseo_private_handle", "연봉이"]


@pytest.fixture
def debug_log(
    api: BotApiStandIn,
    tmp_path: Path,
    knowledge_db: Path,
    killer: Callable[[asyncio.subprocess.Process], None],
) -> Callable[..., Awaitable[str]]:
    """The whole DEBUG log of one session (setting `extra` too): a question, a button and an
    inline query from USER to `python -m bot -v run`, then SIGTERM."""

    async def session(**extra: str) -> str:
        env = serving_env(api, tmp_path, knowledge_db, WEBHOOK_SECRET_TOKEN=WEBHOOK_SECRET, **extra)
        process = await start_bot(env, tmp_path, "-v", "run")
        killer(process)
        await api.wait_for("getUpdates", finished=False, timeout=30)
        api.push_update(u.message_update(SALARY_QUESTION, from_user=USER))
        await api.wait_for("sendMessage", to_chat(USER["id"]), timeout=10)
        api.push_update(
            u.callback_query_update(signer().vote("salary", up=True, lang="ko"), from_user=USER)
        )
        api.push_update(u.inline_query_update("연봉이", from_user=USER))
        await api.wait_for("answerCallbackQuery", timeout=10)
        await api.wait_for("answerInlineQuery", timeout=10)
        process.send_signal(signal.SIGTERM)
        _, stderr = await asyncio.wait_for(process.communicate(), timeout=30)
        assert process.returncode == 0, stderr.decode()[-2000:]
        return stderr.decode()

    return session


async def test_a_debug_log_holds_no_secret_no_id_and_no_name(
    debug_log: Callable[..., Awaitable[str]],
) -> None:
    log = await debug_log()
    assert " DEBUG " in log  # it really logged at DEBUG
    leaks = [s for s in [TOKEN, WEBHOOK_SECRET, *PERSONAL] if s in log]
    assert leaks == [], [line for line in log.splitlines() if any(s in line for s in leaks)][:5]


async def test_log_telegram_wire_shows_the_data_but_never_the_secrets(
    debug_log: Callable[..., Awaitable[str]],
) -> None:
    log = await debug_log(LOG_TELEGRAM_WIRE="true")
    assert "yoonseo_private_handle" in log  # the documented switch works...
    assert TOKEN not in log and WEBHOOK_SECRET not in log  # ...and still redacts secrets

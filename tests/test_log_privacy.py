"""No secret and no personal data in the log, even at DEBUG (issue 13, #4).

`python -m bot -v run` answers a question, a button and an inline query from a user with a
distinctive id, names and username; the whole log is then searched for them, for the token
and for the webhook secret. LOG_TELEGRAM_WIRE=true is the documented way to see the data.
"""

from __future__ import annotations

import asyncio
import signal
import sys
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from tests.support import updates as u
from tests.support.harness import TOKEN, signer
from tests.support.standin import BotApiStandIn
from tests.support.traffic import SALARY_QUESTION, to_chat
from tests.test_data_safety import bot_env

WEBHOOK_SECRET = "wh-SECRET-never-in-logs_42"
USER = u.user(987_654_321_012, "Yoonseo", last_name="Kimsurname", username="yoonseo_private_handle")
PERSONAL = [str(USER["id"]), "Yoonseo", "Kimsurname", "yoonseo_private_handle", "연봉이"]


@pytest.fixture
async def killer() -> AsyncIterator[Callable[[asyncio.subprocess.Process], None]]:
    started: list[asyncio.subprocess.Process] = []
    yield started.append
    for process in started:
        if process.returncode is None:
            process.kill()
            await process.wait()


async def debug_log_of_a_session(
    api: BotApiStandIn,
    tmp_path: Path,
    knowledge_db: Path,
    killer: Callable[[asyncio.subprocess.Process], None],
    **extra: str,
) -> str:
    env = bot_env(
        api,
        tmp_path,
        DATABASE_PATH=str(knowledge_db),
        KNOWLEDGE_DIR=str(tmp_path / "none"),
        WEBHOOK_SECRET_TOKEN=WEBHOOK_SECRET,
        **extra,
    )
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "-v", "run", cwd=tmp_path, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
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


async def test_a_debug_log_holds_no_secret_no_id_and_no_name(
    api: BotApiStandIn,
    tmp_path: Path,
    knowledge_db: Path,
    killer: Callable[[asyncio.subprocess.Process], None],
) -> None:
    log = await debug_log_of_a_session(api, tmp_path, knowledge_db, killer)
    assert " DEBUG " in log  # it really logged at DEBUG
    leaks = [s for s in [TOKEN, WEBHOOK_SECRET, *PERSONAL] if s in log]
    assert leaks == [], [line for line in log.splitlines() if any(s in line for s in leaks)][:5]


async def test_log_telegram_wire_shows_the_data_but_never_the_secrets(
    api: BotApiStandIn,
    tmp_path: Path,
    knowledge_db: Path,
    killer: Callable[[asyncio.subprocess.Process], None],
) -> None:
    log = await debug_log_of_a_session(
        api, tmp_path, knowledge_db, killer, LOG_TELEGRAM_WIRE="true"
    )
    assert "yoonseo_private_handle" in log  # the documented switch works...
    assert TOKEN not in log and WEBHOOK_SECRET not in log  # ...and still redacts secrets

"""No hang on a knowledge file (issue 13, #6).

A FIFO (or a stalled network mount) at DATABASE_PATH used to block the reload forever: the
question waiting for it was never answered, every later reload was skipped, and SIGTERM no
longer stopped the bot.
"""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import time
from pathlib import Path

import pytest

from bot.answering.engine import Engine
from bot.errors import KnowledgeDatabaseError
from bot.knowledge import database
from bot.telegram import handlers
from tests.support.cli import assert_exit_2_with_advice, run_cli_async
from tests.support.harness import make_settings, running_bot, serving_env
from tests.support.standin import BotApiStandIn
from tests.support.traffic import AGE_QUESTION, SALARY_QUESTION, SALARY_QUOTE, ask, person

ASKER = person(60)


def replace_with_fifo(path: Path) -> None:
    fifo = path.with_name("fifo.tmp")
    os.mkfifo(fifo)
    os.replace(fifo, path)


async def reloaded(caplog: pytest.LogCaptureFixture, *, within: float = 5.0) -> bool:
    """True once a reload is logged. It is not blocked, but on a busy machine it may finish
    just after the answer (which waits RELOAD_WAIT_SECONDS at most)."""
    deadline = time.monotonic() + within
    while not any(r.getMessage().startswith("reloaded") for r in caplog.records):
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.1)
    return True


async def test_a_fifo_is_refused_as_a_knowledge_database(tmp_path: Path) -> None:
    path = tmp_path / "k.sqlite3"
    os.mkfifo(path)
    with pytest.raises(KnowledgeDatabaseError, match="not a regular file"):
        await asyncio.wait_for(database.load(path), timeout=5)


async def test_a_fifo_at_start_up_exits_2(api: BotApiStandIn, tmp_path: Path) -> None:
    path = tmp_path / "k.sqlite3"
    os.mkfifo(path)
    result = await run_cli_async("run", env=serving_env(api, tmp_path, path), cwd=tmp_path)
    assert_exit_2_with_advice(result, str(path))


async def test_a_fifo_swapped_in_while_running_is_refused_and_the_next_rebuild_loads(
    api: BotApiStandIn, tmp_path: Path, knowledge_db: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    path = tmp_path / "k.sqlite3"
    shutil.copy(knowledge_db, path)
    settings = make_settings(
        api, tmp_path, database_path=path, knowledge_dir=tmp_path / "none",
        knowledge_reload_seconds=0,
    )  # fmt: skip
    async with running_bot(api, settings):
        replace_with_fifo(path)
        reply = await ask(api, SALARY_QUESTION, ASKER, timeout=3)  # the loaded version answers
        assert SALARY_QUOTE in reply.params["text"]
        assert any("not a regular file" in r.getMessage() for r in caplog.records)
        copy = tmp_path / "copy.sqlite3"
        shutil.copy(knowledge_db, copy)
        os.replace(copy, path)  # a rebuild: the next reload is not blocked
        await ask(api, AGE_QUESTION, ASKER, timeout=3)
        assert await reloaded(caplog)


async def test_a_stuck_reload_delays_no_answer_long_blocks_no_later_reload_nor_the_stop(
    api: BotApiStandIn,
    tmp_path: Path,
    knowledge_db: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    path = tmp_path / "k.sqlite3"
    shutil.copy(knowledge_db, path)
    monkeypatch.setattr(handlers, "RELOAD_WAIT_SECONDS", 0.2)
    monkeypatch.setattr(handlers, "RELOAD_TIMEOUT_SECONDS", 1.0)
    real_open = Engine.open
    opens: list[float] = []

    async def stalled_open(db_path: Path, knowledge_dir: Path | None = None) -> Engine:
        opens.append(time.monotonic())
        await asyncio.Event().wait()  # like open(2) on a stalled network mount
        raise AssertionError("unreachable")

    settings = make_settings(
        api, tmp_path, database_path=path, knowledge_dir=tmp_path / "none",
        knowledge_reload_seconds=0,
    )  # fmt: skip
    async with running_bot(api, settings) as application:
        monkeypatch.setattr(Engine, "open", stalled_open)
        copy = tmp_path / "copy.sqlite3"
        shutil.copy(knowledge_db, copy)
        os.replace(copy, path)
        started = time.monotonic()
        await ask(api, SALARY_QUESTION, ASKER, timeout=2)
        assert time.monotonic() - started < 1.0  # waited RELOAD_WAIT_SECONDS, not forever
        await asyncio.sleep(1.2)  # past the timeout: given up
        assert any("took over" in r.getMessage() for r in caplog.records)
        monkeypatch.setattr(Engine, "open", real_open)
        copy = tmp_path / "copy.sqlite3"
        shutil.copy(knowledge_db, copy)
        os.replace(copy, path)
        await ask(api, AGE_QUESTION, ASKER, timeout=3)
        assert await reloaded(caplog)
        # A reload stuck again when the stop comes does not hold the stop up.
        monkeypatch.setattr(Engine, "open", stalled_open)
        copy = tmp_path / "copy.sqlite3"
        shutil.copy(knowledge_db, copy)
        os.replace(copy, path)
        await ask(api, SALARY_QUESTION, ASKER, timeout=2)
        stop_started = time.monotonic()
        assert len(opens) == 2
    assert time.monotonic() - stop_started < 3
    assert application.running is False

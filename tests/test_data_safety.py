"""Data: the knowledge DB is read-only at run time and swapped atomically; the bot reloads a
rebuilt one and survives a broken or missing one; the state DB loses nothing acknowledged
to `kill -9`; SIGTERM shuts down gracefully. Real files, real subprocesses.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import os
import shutil
import signal
import sqlite3
import threading
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import aiosqlite
import pytest

from bot.answering.engine import Engine
from bot.knowledge import database
from bot.knowledge.reload import Change, ReplacementWatch
from tests.support import updates as u
from tests.support.harness import (
    make_settings,
    running_bot,
    serving_env,
    signer,
    start_bot,
)
from tests.support.knowledge import small_knowledge
from tests.support.standin import ApiCall, BotApiStandIn
from tests.support.traffic import AGE_QUESTION, SALARY_QUESTION, SALARY_QUOTE, ask, person

ASKER = person(1)
THANKS = "의견 고마워요!"


@pytest.fixture
def connections(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, bool]]:
    """Every aiosqlite connection opened from now on: (target, uri)."""
    opened: list[tuple[str, bool]] = []
    real = aiosqlite.connect

    def spy(target: Any, *args: Any, **kwargs: Any) -> aiosqlite.Connection:
        opened.append((str(target), bool(kwargs.get("uri"))))
        return real(target, *args, **kwargs)

    monkeypatch.setattr(aiosqlite, "connect", spy)
    return opened


def writable_opens(opened: list[tuple[str, bool]], path: Path) -> list[str]:
    """Connections to `path` that could write to it (anything but a mode=ro URI)."""
    return [
        target
        for target, uri in opened
        if str(path) in target and not (uri and target.endswith("?mode=ro"))
    ]


# ------------------------------------------------------------------------------ knowledge DB


async def test_the_running_bot_opens_the_knowledge_db_read_only(
    api: BotApiStandIn, tmp_path: Path, knowledge_db: Path, connections: list[tuple[str, bool]]
) -> None:
    path = tmp_path / "k.sqlite3"
    shutil.copy(knowledge_db, path)
    settings = make_settings(
        api,
        tmp_path,
        database_path=path,
        knowledge_dir=tmp_path / "none",
        knowledge_reload_seconds=0,
    )
    async with running_bot(api, settings):
        await ask(api, SALARY_QUESTION, ASKER)
        tmp = tmp_path / "copy.sqlite3"
        shutil.copy(knowledge_db, tmp)
        os.replace(tmp, path)  # a rebuild: the bot reloads it
        await ask(api, AGE_QUESTION, ASKER)
    knowledge_opens = [target for target, _ in connections if str(path) in target]
    assert len(knowledge_opens) == 2  # start-up and the reload
    assert writable_opens(connections, path) == []


async def test_a_rebuild_while_running_is_never_seen_half_built_and_is_picked_up(
    api: BotApiStandIn, tmp_path: Path, connections: list[tuple[str, bool]]
) -> None:
    versions = {m: small_knowledge(tmp_path / m, m) for m in ("VERSION-A", "VERSION-B")}
    path = tmp_path / "k.sqlite3"
    await database.build(versions["VERSION-A"], path)
    seen: list[str] = []
    stop = threading.Event()

    def reader() -> None:  # another process's view: open, read, close, as fast as it can
        while not stop.is_set():
            try:
                with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
                    rows = db.execute("SELECT answer_ko FROM entries").fetchall()
                seen.append(rows[0][0].split()[0] if len(rows) == 1 else f"rows={rows}")
            except sqlite3.Error as exc:
                seen.append(f"error: {exc}")

    settings = make_settings(
        api,
        tmp_path,
        database_path=path,
        knowledge_dir=versions["VERSION-A"],
        knowledge_reload_seconds=0,
    )
    async with running_bot(api, settings):
        thread = threading.Thread(target=reader)
        thread.start()
        try:
            for marker in ("VERSION-B", "VERSION-A", "VERSION-B"):
                connections.clear()
                await database.build(versions[marker], path)
                assert writable_opens(connections, path) == []  # built beside, then renamed
                reply = await ask(api, AGE_QUESTION, ASKER)
                assert reply.result["text"].startswith(marker)  # the bot reloaded
        finally:
            stop.set()
            thread.join()
    assert seen and set(seen) <= {"VERSION-A", "VERSION-B"}, sorted(set(seen))[:5]


async def test_a_broken_or_missing_replacement_keeps_the_loaded_knowledge(
    api: BotApiStandIn, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    knowledge = small_knowledge(tmp_path / "kn", "VERSION-A")
    path = tmp_path / "k.sqlite3"
    settings = make_settings(
        api, tmp_path, database_path=path, knowledge_dir=knowledge, knowledge_reload_seconds=0
    )
    async with running_bot(api, settings):
        garbage = tmp_path / "garbage"
        garbage.write_bytes(b"not a database" * 500)
        os.replace(garbage, path)
        reply = await ask(api, AGE_QUESTION, ASKER)
        assert reply.result["text"].startswith("VERSION-A")
        [error] = [r for r in caplog.records if "cannot be loaded" in r.getMessage()]
        assert error.levelname == "ERROR" and "python -m bot build" in error.getMessage()

        path.unlink()
        for _ in range(2):
            assert (await ask(api, AGE_QUESTION, ASKER)).result["text"].startswith("VERSION-A")
        gone = [r for r in caplog.records if "is gone" in r.getMessage()]
        assert len(gone) == 1 and "python -m bot build" in gone[0].getMessage()

        await database.build(knowledge, path)  # recovery: the next rebuild is picked up
        assert (await ask(api, AGE_QUESTION, ASKER)).result["text"].startswith("VERSION-A")
        assert any(r.getMessage().startswith("reloaded") for r in caplog.records)


@pytest.mark.parametrize("damage", ["missing", "corrupt"])
async def test_a_missing_or_corrupt_database_at_start_up_is_rebuilt_with_a_message(
    api: BotApiStandIn, tmp_path: Path, caplog: pytest.LogCaptureFixture, damage: str
) -> None:
    caplog.set_level(logging.INFO)
    path = tmp_path / "k.sqlite3"
    if damage == "corrupt":
        path.write_bytes(b"\x00garbage" * 1000)
    knowledge = small_knowledge(tmp_path / "kn", "REBUILT")
    settings = make_settings(api, tmp_path, database_path=path, knowledge_dir=knowledge)
    async with running_bot(api, settings):
        assert (await ask(api, AGE_QUESTION, ASKER)).result["text"].startswith("REBUILT")
    reason = "missing" if damage == "missing" else "stale or unreadable"
    assert f"knowledge database {path} is {reason}; rebuilding" in caplog.text


# ------------------------------------------------------------------------------ subprocesses


@pytest.mark.parametrize("damage", ["missing", "corrupt"])
async def test_a_broken_database_without_knowledge_exits_2_saying_what_to_do(
    api: BotApiStandIn, tmp_path: Path, damage: str
) -> None:
    path = tmp_path / "k.sqlite3"
    if damage == "corrupt":
        path.write_bytes(b"garbage" * 1000)
    process = await start_bot(serving_env(api, tmp_path, path), tmp_path)
    _, stderr = await asyncio.wait_for(process.communicate(), timeout=60)
    last = stderr.decode().strip().splitlines()[-1]
    assert process.returncode == 2, stderr.decode()[-2000:]
    advice = "KNOWLEDGE_DIR" if damage == "missing" else "python -m bot build"
    assert last.startswith("error: ") and advice in last and str(path) in last


@pytest.fixture
def running_env(api: BotApiStandIn, tmp_path: Path, knowledge_db: Path) -> dict[str, str]:
    """A subprocess bot using the session's knowledge DB as it is (no knowledge to rebuild)."""
    return serving_env(api, tmp_path, knowledge_db)


@pytest.fixture
async def polling_bot(
    api: BotApiStandIn, tmp_path: Path, running_env: dict[str, str]
) -> AsyncIterator[asyncio.subprocess.Process]:
    """`python -m bot run` polling `api`; killed at the end if the test left it running."""
    process = await start_bot(running_env, tmp_path)
    try:
        await api.wait_for("getUpdates", finished=False, timeout=30)
        yield process
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


def _taps(count: int) -> Iterator[tuple[int, u.JSON]]:
    vote = signer().vote("salary", up=True, lang="ko")
    for n in range(count):
        voter = person(10_000 + n)
        message = u.bot_message("…", chat=u.private_chat(voter))
        yield voter["id"], u.callback_query_update(vote, from_user=voter, message=message)


async def test_kill_9_during_feedback_writes_loses_no_acknowledged_vote(
    api: BotApiStandIn,
    tmp_path: Path,
    running_env: dict[str, str],
    polling_bot: asyncio.subprocess.Process,
) -> None:
    process = polling_bot
    voter_by_query = {}
    for voter_id, update in _taps(600):
        api.push_update(update)
        voter_by_query[update["callback_query"]["id"]] = voter_id

    def thanked(call: ApiCall) -> bool:
        return call.params.get("text") == THANKS

    await api.wait_for("answerCallbackQuery", thanked, count=40, finished=False, timeout=30)
    process.send_signal(signal.SIGKILL)  # mid-stream: hundreds of votes still to write
    await process.wait()
    assert process.returncode == -signal.SIGKILL

    # Acknowledged = the bot told Telegram "thanks", which it does only after the commit.
    acknowledged = {
        voter_by_query[c.params["callback_query_id"]]
        for c in api.calls_to("answerCallbackQuery")
        if thanked(c)
    }
    state = tmp_path / "state.sqlite3"
    with sqlite3.connect(state) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        stored = {h for (h,) in db.execute("SELECT user_hash FROM feedback")}
    salt = running_env["FEEDBACK_SALT"].encode()

    def user_hash(voter_id: int) -> str:
        return hmac.new(salt, str(voter_id).encode(), hashlib.sha256).hexdigest()

    assert 40 <= len(acknowledged) < 600
    lost = [v for v in acknowledged if user_hash(v) not in stored]
    assert lost == [], f"{len(lost)} acknowledged votes lost"


async def test_question_counts_reach_the_state_file_while_the_bot_runs(
    api: BotApiStandIn, tmp_path: Path, engine: Engine
) -> None:
    """Counts are saved every STATS_SAVE_SECONDS, not only at shutdown."""
    settings = make_settings(api, tmp_path, stats_save_seconds=0.2)
    async with running_bot(api, settings, engine):
        await ask(api, SALARY_QUESTION, person(1))
        await ask(api, "오늘 서울 날씨 어때?", person(2))
        counted: dict[str, int] = {}
        for _ in range(50):
            await asyncio.sleep(0.1)
            with sqlite3.connect(tmp_path / "state.sqlite3") as db:
                counted = dict(db.execute("SELECT name, value FROM counters").fetchall())
            if counted.get("questions") == 2:
                break
        assert counted == {"questions": 2, "answered": 1, "declined": 1}


async def test_sigterm_lets_the_reply_in_flight_finish_closes_the_state_db_and_exits_0(
    api: BotApiStandIn,
    tmp_path: Path,
    polling_bot: asyncio.subprocess.Process,
) -> None:
    process = polling_bot
    assert (tmp_path / "state.sqlite3-wal").exists()  # the state DB is open, in WAL mode
    api.inject_fault("sendMessage", status=None, delay=1.5)  # a slow reply...
    api.push_update(u.message_update(SALARY_QUESTION, from_user=ASKER))
    [in_flight] = await api.wait_for("sendMessage", finished=False, timeout=10)
    process.send_signal(signal.SIGTERM)  # ...still in flight when the stop comes
    _, stderr_bytes = await asyncio.wait_for(process.communicate(), timeout=30)
    stderr = stderr_bytes.decode()
    assert process.returncode == 0, stderr[-2000:]
    assert in_flight.ok and not in_flight.disconnected  # the bot waited for Telegram's answer
    assert SALARY_QUOTE in in_flight.params["text"]
    assert " ERROR " not in stderr and "Traceback" not in stderr
    assert not (tmp_path / "state.sqlite3-wal").exists()  # connection closed, WAL checkpointed
    with sqlite3.connect(tmp_path / "state.sqlite3") as db:
        counted = dict(db.execute("SELECT name, value FROM counters").fetchall())
    assert counted["questions"] == 1


# ------------------------------------------------------------------------------ the watch


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_the_watch_looks_at_most_once_per_interval_and_reports_each_change_once(
    tmp_path: Path,
) -> None:
    path = tmp_path / "k.sqlite3"
    path.write_bytes(b"one")
    clock = FakeClock()
    watch = ReplacementWatch(path, 5.0, clock=clock)
    watch.mark()
    assert watch.check() is Change.NONE
    replacement = tmp_path / "new"
    replacement.write_bytes(b"two")
    os.replace(replacement, path)
    clock.now += 4.9
    assert watch.check() is Change.NONE  # not looked at yet: at most one stat per interval
    clock.now += 0.2
    assert watch.check() is Change.REPLACED
    watch.mark()
    clock.now += 5
    assert watch.check() is Change.NONE
    path.unlink()
    clock.now += 5
    assert watch.check() is Change.MISSING
    clock.now += 5
    assert watch.check() is Change.NONE  # reported once

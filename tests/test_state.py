"""The state database: feedback without raw ids, counters, WAL mode, schema guard."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest

from bot.state import SCHEMA_VERSION, StateStore, StateStoreError, Stats, Vote

USER_ID = 424242001


async def test_vote_is_stored_with_a_salted_hash_not_the_user_id(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite3"
    store = await StateStore.open(path, salt="pepper")
    await store.record_vote("salary", USER_ID, "private", Vote.UP)
    await store.close()

    with sqlite3.connect(path) as db:
        rows = db.execute("SELECT entry_id, user_hash, chat_type, vote, created_at FROM feedback")
        [(entry_id, user_hash, chat_type, vote, created_at)] = rows.fetchall()
        columns = [row[1] for row in db.execute("PRAGMA table_info(feedback)")]
    assert (entry_id, chat_type, vote) == ("salary", "private", 1)
    assert len(user_hash) == 64 and str(USER_ID) not in user_hash
    assert created_at.startswith("20") and created_at.endswith("+00:00")
    assert columns == ["entry_id", "user_hash", "chat_type", "vote", "created_at"]
    for file in tmp_path.iterdir():  # not in the database, nor in the WAL
        assert str(USER_ID).encode() not in file.read_bytes()


async def test_user_hash_depends_on_the_salt(tmp_path: Path) -> None:
    first = await StateStore.open(tmp_path / "a.sqlite3", salt="one")
    second = await StateStore.open(tmp_path / "b.sqlite3", salt="two")
    try:
        assert first.user_hash(USER_ID) == first.user_hash(USER_ID)
        assert first.user_hash(USER_ID) != second.user_hash(USER_ID)
        assert first.user_hash(USER_ID) != first.user_hash(USER_ID + 1)
    finally:
        await first.close()
        await second.close()


async def test_second_vote_on_an_entry_replaces_the_first(tmp_path: Path) -> None:
    store = await StateStore.open(tmp_path / "s.sqlite3", salt="s")
    try:
        await store.record_vote("salary", 1, "private", Vote.UP)
        await store.record_vote("salary", 1, "supergroup", Vote.DOWN)
        await store.record_vote("salary", 2, "group", Vote.DOWN)
        await store.record_vote("age", 1, "private", Vote.UP)
        stats = await store.stats()
    finally:
        await store.close()
    assert (stats.votes_up, stats.votes_down) == (1, 2)


async def test_counters_and_stats_survive_a_reopen(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite3"
    store = await StateStore.open(path, salt="s")
    assert await store.stats() == Stats(0, 0, 0, 0, 0)
    store.count_question(answered=True)
    store.count_question(answered=True)
    await store.flush_counts()
    store.count_question(answered=False)
    assert (await store.stats()).questions == 3  # pending counts are included
    await store.close()  # and written on close

    store = await StateStore.open(path, salt="s")
    try:
        assert await store.stats() == Stats(
            questions=3, answered=2, declined=1, votes_up=0, votes_down=0
        )
    finally:
        await store.close()


async def test_database_uses_wal_and_records_its_schema_version(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "dir" / "s.sqlite3"
    store = await StateStore.open(path, salt="s")
    await store.close()
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


async def test_a_newer_schema_is_refused_with_advice(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite3"
    with sqlite3.connect(path) as db:
        db.execute(f"PRAGMA user_version={SCHEMA_VERSION + 1}")
    with pytest.raises(StateStoreError, match="STATE_DATABASE_PATH"):
        await StateStore.open(path, salt="s")


async def test_an_unopenable_path_is_a_state_store_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(StateStoreError, match="cannot open"):
        await StateStore.open(blocker / "s.sqlite3", salt="s")


async def test_votes_must_be_up_or_down(tmp_path: Path) -> None:
    store = await StateStore.open(tmp_path / "s.sqlite3", salt="s")
    try:
        with pytest.raises(sqlite3.IntegrityError):
            await store.record_vote("salary", 1, "private", 0)  # type: ignore[arg-type]
    finally:
        await store.close()


async def test_concurrent_questions_votes_and_reads_lose_nothing(tmp_path: Path) -> None:
    """Handlers run concurrently on one connection: no count or vote may be lost."""
    store = await StateStore.open(tmp_path / "s.sqlite3", salt="s")

    async def question(i: int) -> None:
        await asyncio.sleep((i % 7) / 1000)  # interleave with the votes and reads
        store.count_question(answered=i % 3 != 0)
        await store.flush_counts()

    try:
        await asyncio.gather(
            *(question(i) for i in range(900)),
            *(store.record_vote("salary", i, "private", Vote.UP) for i in range(90)),
            *(store.stats() for _ in range(90)),
        )
        assert await store.stats() == Stats(
            questions=900, answered=600, declined=300, votes_up=90, votes_down=0
        )
    finally:
        await store.close()

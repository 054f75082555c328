"""The bot's own state: feedback votes, question counters and the unanswered-question log,
in a small SQLite file.

Kept apart from the knowledge database, which is rebuilt from knowledge/ whenever it changes.
No names or raw Telegram ids are stored: voters appear only as a salted hash, and unanswered
questions are kept by their text alone (not who asked or where).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import hashlib
import hmac
import logging
import os
import secrets
import sqlite3
import tempfile
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import IntEnum
from pathlib import Path

import aiosqlite

from bot.errors import InputFileError, StateStoreError

log = logging.getLogger(__name__)

SCHEMA_VERSION = 1
SCHEMA = """
CREATE TABLE IF NOT EXISTS feedback (
    entry_id   TEXT NOT NULL,
    user_hash  TEXT NOT NULL,
    chat_type  TEXT NOT NULL,
    vote       INTEGER NOT NULL CHECK (vote IN (-1, 1)),
    created_at TEXT NOT NULL,
    PRIMARY KEY (entry_id, user_hash)
);
CREATE TABLE IF NOT EXISTS counters (
    name  TEXT PRIMARY KEY,
    value INTEGER NOT NULL
);
-- Added without a schema version bump: older versions of the bot ignore the extra table.
-- One row per normalised question; no user id, name or chat is kept.
CREATE TABLE IF NOT EXISTS unanswered (
    normalised TEXT PRIMARY KEY,
    question   TEXT NOT NULL,     -- the first wording seen
    count      INTEGER NOT NULL,
    first_seen TEXT NOT NULL,
    last_seen  TEXT NOT NULL,
    nearest    TEXT,              -- the best-scoring entry id, or NULL
    score      REAL NOT NULL,     -- its score (0-100)
    declined   INTEGER NOT NULL   -- 1 declined, 0 answered with low confidence
);
CREATE INDEX IF NOT EXISTS unanswered_last_seen ON unanswered (last_seen);
"""


class Vote(IntEnum):
    """A 👍 or 👎 on one answer."""

    UP = 1
    DOWN = -1


@dataclass(frozen=True, slots=True)
class Stats:
    """Totals for an admin overview."""

    questions: int
    answered: int
    declined: int
    votes_up: int
    votes_down: int


@dataclass(frozen=True, slots=True)
class UnansweredQuestion:
    """A question the bot declined or answered with low confidence, as the handler saw it."""

    question: str
    normalised: str
    nearest: str | None
    score: float
    declined: bool


@dataclass(frozen=True, slots=True)
class UnansweredRow:
    """One logged question, as stored: how often and when it was asked."""

    question: str
    normalised: str
    count: int
    first_seen: str
    last_seen: str
    nearest: str | None
    score: float
    declined: bool


@dataclass(frozen=True, slots=True)
class EntryVotes:
    """👍 and 👎 on one entry."""

    entry_id: str
    up: int
    down: int


@dataclass
class _Pending:
    latest: UnansweredQuestion
    count: int
    first_seen: str
    last_seen: str


class StateStore:
    """Feedback and counters on one aiosqlite connection (WAL mode)."""

    def __init__(self, connection: aiosqlite.Connection, salt: str) -> None:
        self._db = connection
        self._salt = salt.encode()
        # Handlers run concurrently; one writer at a time keeps each transaction whole.
        self._write_lock = asyncio.Lock()
        self._pending_counts: Counter[str] = Counter()
        self._pending_unanswered: dict[str, _Pending] = {}

    @classmethod
    async def open(cls, path: Path, *, salt: str | None) -> StateStore:
        """Open (creating if needed) the state database at `path`.

        With no `salt`, a random one is made once and kept beside the database (0600).
        """
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            # Probe with plain sqlite3 first: when aiosqlite.connect itself fails, its worker
            # thread reports to the event loop later, after it may be closed ("Event loop is
            # closed" after the exit-2 message).
            await asyncio.to_thread(_probe, path)
            if salt is None:
                salt = await asyncio.to_thread(load_or_create_salt, path)
            connection = await aiosqlite.connect(path)
        except (OSError, sqlite3.Error) as exc:
            raise StateStoreError(unusable(path, exc)) from exc
        try:
            # WAL lets readers (e.g. a stats query from another process) run during writes.
            await connection.execute("PRAGMA journal_mode=WAL")
            await connection.execute("PRAGMA busy_timeout=5000")
            async with connection.execute("PRAGMA user_version") as cursor:
                row = await cursor.fetchone()
            version = int(row[0]) if row else 0
            if version > SCHEMA_VERSION:
                raise StateStoreError(
                    f"{path} was written by a newer version of the bot (schema {version}); "
                    "upgrade the bot or point STATE_DATABASE_PATH at a new file"
                )
            await connection.executescript(SCHEMA)
            await connection.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
            await connection.commit()
        except BaseException:
            await connection.close()
            raise
        return cls(connection, salt)

    async def close(self) -> None:
        """Write any counts still pending and close the connection; safe to call twice."""
        try:
            if self._pending_counts or self._pending_unanswered:
                await self.flush_counts()
        finally:
            await self._db.close()

    def user_hash(self, user_id: int) -> str:
        """A salted, keyed hash of a Telegram user id: stable per user, not reversible."""
        return hmac.new(self._salt, str(user_id).encode(), hashlib.sha256).hexdigest()

    async def record_vote(self, entry_id: str, user_id: int, chat_type: str, vote: Vote) -> None:
        """Store a vote; a user's second vote on the same entry replaces the first."""
        async with self._write_lock:
            await self._db.execute(
                """
                INSERT INTO feedback (entry_id, user_hash, chat_type, vote, created_at)
                VALUES (?, ?, ?, ?, ?)
                ON CONFLICT (entry_id, user_hash) DO UPDATE SET
                    vote = excluded.vote, chat_type = excluded.chat_type,
                    created_at = excluded.created_at
                """,
                (entry_id, self.user_hash(user_id), chat_type, int(vote), _now()),
            )
            await self._db.commit()

    def count_question(self, *, answered: bool) -> None:
        """Count one question and whether it was answered or declined; `flush_counts` saves."""
        self._pending_counts["questions"] += 1
        self._pending_counts["answered" if answered else "declined"] += 1

    async def flush_counts(self) -> None:
        """Write the pending counts (those of concurrent callers too) in one transaction."""
        async with self._write_lock:
            # Everything counted since the last flush goes in one transaction.
            if not self._pending_counts and not self._pending_unanswered:
                return
            batch, self._pending_counts = self._pending_counts, Counter()
            unanswered, self._pending_unanswered = self._pending_unanswered, {}
            try:
                await self._write_unanswered(unanswered)
                await self._db.executemany(
                    """
                    INSERT INTO counters (name, value) VALUES (?, ?)
                    ON CONFLICT (name) DO UPDATE SET value = value + excluded.value
                    """,
                    list(batch.items()),
                )
                await self._db.commit()
            except BaseException:
                self._pending_counts.update(batch)  # kept for the next writer
                self._requeue_unanswered(unanswered)
                raise

    async def stats(self) -> Stats:
        """Current totals."""
        # Under the lock: a read between a flush taking its batch and writing it would miss it.
        async with self._write_lock:
            async with self._db.execute("SELECT name, value FROM counters") as cursor:
                rows = await cursor.fetchall()
            counters = Counter({str(name): int(value) for name, value in rows})
            counters.update(self._pending_counts)  # counted, not yet written
            async with self._db.execute(
                "SELECT COALESCE(SUM(vote = 1), 0), COALESCE(SUM(vote = -1), 0) FROM feedback"
            ) as cursor:
                row = await cursor.fetchone()
        up, down = (int(row[0]), int(row[1])) if row else (0, 0)
        return Stats(
            questions=counters.get("questions", 0),
            answered=counters.get("answered", 0),
            declined=counters.get("declined", 0),
            votes_up=up,
            votes_down=down,
        )

    # ------------------------------------------------------------------ unanswered questions

    def log_unanswered(self, question: UnansweredQuestion) -> None:
        """Count a declined or low-confidence question; written with the counters."""
        now = _now()
        pending = self._pending_unanswered.get(question.normalised)
        if pending is None:
            self._pending_unanswered[question.normalised] = _Pending(question, 1, now, now)
        else:
            # The first wording stays; nearest entry and score follow the current knowledge.
            pending.latest = dataclasses.replace(question, question=pending.latest.question)
            pending.last_seen = now
            pending.count += 1

    def _requeue_unanswered(self, batch: dict[str, _Pending]) -> None:
        for key, old in batch.items():
            newer = self._pending_unanswered.get(key)
            if newer is None:
                self._pending_unanswered[key] = old
            else:
                newer.count += old.count
                newer.first_seen = old.first_seen

    async def _write_unanswered(self, batch: dict[str, _Pending]) -> None:
        """Upsert `batch` (the caller holds the write lock and commits)."""
        if not batch:
            return
        await self._db.executemany(
            """
            INSERT INTO unanswered
                (normalised, question, count, first_seen, last_seen, nearest, score, declined)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (normalised) DO UPDATE SET
                count = count + excluded.count,
                last_seen = excluded.last_seen, nearest = excluded.nearest,
                score = excluded.score, declined = excluded.declined
            """,
            [
                (
                    key,
                    p.latest.question,
                    p.count,
                    p.first_seen,
                    p.last_seen,
                    p.latest.nearest,
                    p.latest.score,
                    int(p.latest.declined),
                )
                for key, p in batch.items()
            ],
        )

    async def purge_unanswered(self, older_than: timedelta | None) -> int:
        """Delete logged questions last asked before `older_than` ago (None: all of them)."""
        async with self._write_lock:
            if older_than is None:
                self._pending_unanswered.clear()
                cursor = await self._db.execute("DELETE FROM unanswered")
            else:
                cutoff = (datetime.now(UTC) - older_than).isoformat(timespec="seconds")
                cursor = await self._db.execute(
                    "DELETE FROM unanswered WHERE last_seen < ?", (cutoff,)
                )
            await self._db.commit()
            return cursor.rowcount

    async def unanswered(self) -> list[UnansweredRow]:
        """Every logged question (pending ones included), most frequent first."""
        await self.flush_counts()
        async with (
            self._write_lock,
            self._db.execute(
                """
                SELECT question, normalised, count, first_seen, last_seen, nearest, score,
                       declined
                FROM unanswered ORDER BY count DESC, last_seen DESC
                """
            ) as cursor,
        ):
            rows = await cursor.fetchall()
        return [
            UnansweredRow(
                question=str(r[0]),
                normalised=str(r[1]),
                count=int(r[2]),
                first_seen=str(r[3]),
                last_seen=str(r[4]),
                nearest=None if r[5] is None else str(r[5]),
                score=float(r[6]),
                declined=bool(r[7]),
            )
            for r in rows
        ]

    async def votes_by_entry(self) -> list[EntryVotes]:
        """👍/👎 per entry, the most 👎 first."""
        async with (
            self._write_lock,
            self._db.execute(
                """
                SELECT entry_id, SUM(vote = 1), SUM(vote = -1) FROM feedback
                GROUP BY entry_id ORDER BY SUM(vote = -1) DESC, SUM(vote = 1) DESC, entry_id
                """
            ) as cursor,
        ):
            rows = await cursor.fetchall()
        return [EntryVotes(str(r[0]), int(r[1]), int(r[2])) for r in rows]


def backup(source: Path, target: Path) -> Path:
    """Copy the state database with SQLite's online backup: safe while the bot writes to it.

    `target` may be a folder (a timestamped file is made in it); an existing file is never
    overwritten. The copy is written beside the target first and renamed when complete.
    """
    if not source.is_file():
        raise StateStoreError(
            f"no state database at {source}; check STATE_DATABASE_PATH or DATA_DIR "
            "(the bot creates it when it first starts)"
        )
    if target.is_dir():
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        target = target / f"state-{stamp}.sqlite3"
    if target.exists():
        raise InputFileError(f"{target} already exists; choose a new name or remove it first")
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=".backup-", suffix=".sqlite3", dir=target.parent)
    os.close(fd)
    try:
        with (
            contextlib.closing(sqlite3.connect(f"file:{source}?mode=ro", uri=True)) as src,
            contextlib.closing(sqlite3.connect(tmp_name)) as dst,
        ):
            src.execute("PRAGMA busy_timeout=5000")
            src.backup(dst)
            # One self-contained file: no -wal beside the copy.
            dst.execute("PRAGMA journal_mode=DELETE")
            (check,) = dst.execute("PRAGMA quick_check").fetchone()
            if check != "ok":
                raise StateStoreError(f"the copy of {source} failed its check: {check}")
        os.replace(tmp_name, target)
    except sqlite3.Error as exc:
        raise StateStoreError(f"cannot back up {source}: {exc}") from exc
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp_name)
    return target


def salt_path(path: Path) -> Path:
    """Where the generated salt of the state database at `path` is kept."""
    return path.with_name(path.name + ".salt")


def load_or_create_salt(path: Path) -> str:
    """The salt kept beside `path`, made (random, 256 bits, mode 0600) if there is none."""
    where = salt_path(path)
    try:
        return where.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        pass
    salt = secrets.token_hex(32)
    # O_EXCL: two bots starting at once must not end up with different salts.
    try:
        fd = os.open(where, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return where.read_text(encoding="ascii").strip()
    with os.fdopen(fd, "w", encoding="ascii") as out:
        out.write(salt + "\n")
        out.flush()
        os.fsync(out.fileno())
    log.info("made a random FEEDBACK_SALT in %s; keep it with the state database", where)
    return salt


def _probe(path: Path) -> None:
    """Open `path` as SQLite, read it and switch it to WAL (a write); raise what fails."""
    connection = sqlite3.connect(path, timeout=5)
    try:
        connection.execute("PRAGMA journal_mode=WAL").fetchall()
        connection.execute("SELECT count(*) FROM sqlite_master").fetchall()
    finally:
        connection.close()


def unusable(path: Path, error: BaseException) -> str:
    """One line saying why the state database at `path` cannot be used, and what to do."""
    text = str(error)
    if isinstance(error, sqlite3.DatabaseError) and (
        "not a database" in text or "malformed" in text or "corrupt" in text
    ):
        return (
            f"the state database {path} is damaged ({text}); restore it from a backup, or "
            "move it aside (or set STATE_DATABASE_PATH to a new file) to start afresh"
        )
    return (
        f"cannot open the state database {path} ({text}); make its folder writable, or point "
        "STATE_DATABASE_PATH at a writable place"
    )


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")

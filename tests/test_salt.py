"""A secure salt by default (issue 13, #5).

Telegram ids fit in about 2³³ values, so a hash with a known salt is reversed in hours. With
no FEEDBACK_SALT the bot makes a random salt once and keeps it beside the state DB (0600).
"""

from __future__ import annotations

import hashlib
import hmac
import sqlite3
import stat
from pathlib import Path

from bot.answering.engine import Engine
from bot.config import DEFAULT_FEEDBACK_SALT
from bot.state import StateStore, Vote, salt_path
from tests.support import updates as u
from tests.support.harness import make_settings, running_bot, signer
from tests.support.standin import BotApiStandIn
from tests.support.traffic import person

VOTER = person(50)


def user_hash(salt: str, user_id: int) -> str:
    return hmac.new(salt.encode(), str(user_id).encode(), hashlib.sha256).hexdigest()


async def test_without_feedback_salt_a_random_one_is_made_once_and_kept_0600(
    tmp_path: Path,
) -> None:
    path = tmp_path / "state.sqlite3"
    store = await StateStore.open(path, salt=None)
    first = store.user_hash(42)
    await store.close()
    salt_file = salt_path(path)
    assert stat.S_IMODE(salt_file.stat().st_mode) == 0o600
    salt = salt_file.read_text().strip()
    assert len(salt) >= 64 and first == user_hash(salt, 42)
    store = await StateStore.open(path, salt=None)  # the same salt after a restart
    assert store.user_hash(42) == first
    await store.close()
    other = await StateStore.open(tmp_path / "other" / "state.sqlite3", salt=None)
    assert other.user_hash(42) != first  # another installation, another salt
    await other.close()


async def test_the_running_bot_hashes_votes_with_the_generated_salt(
    api: BotApiStandIn, tmp_path: Path, engine: Engine
) -> None:
    settings = make_settings(api, tmp_path, feedback_salt=None)
    async with running_bot(api, settings, engine):
        vote = signer().vote("salary", up=True, lang="ko")
        api.push_update(u.callback_query_update(vote, from_user=VOTER))
        await api.wait_for("answerCallbackQuery")
    state = tmp_path / "state.sqlite3"
    with sqlite3.connect(state) as db:
        [(stored,)] = db.execute("SELECT user_hash FROM feedback").fetchall()
    assert stored != user_hash(DEFAULT_FEEDBACK_SALT, VOTER["id"])
    assert stored == user_hash(salt_path(state).read_text().strip(), VOTER["id"])


async def test_a_configured_salt_is_used_as_it_is(tmp_path: Path) -> None:
    store = await StateStore.open(tmp_path / "s.sqlite3", salt="pepper")
    assert store.user_hash(7) == user_hash("pepper", 7)
    await store.record_vote("salary", 7, "private", Vote.UP)
    await store.close()
    assert not salt_path(tmp_path / "s.sqlite3").exists()

"""Shared fixtures: the knowledge database built from knowledge/ into a temporary folder, the
Bot API stand-in with the real bot long polling it, and the clean-up of bot subprocesses
(helpers: tests/support/)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from bot.answering.engine import Engine
from bot.config import Settings
from bot.knowledge import database
from bot.telegram.app import BotApplication
from tests.support import KNOWLEDGE_DIR
from tests.support.harness import make_settings, running_bot
from tests.support.standin import BotApiStandIn


@pytest.fixture(scope="session")
def knowledge_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The project's knowledge compiled once per test session into a temp SQLite file."""
    path = tmp_path_factory.mktemp("knowledge") / "knowledge.sqlite3"
    asyncio.run(database.build(KNOWLEDGE_DIR, path))
    return path


@pytest.fixture(scope="session")
def knowledge_base(knowledge_db: Path) -> database.CompiledKnowledge:
    return asyncio.run(database.load(knowledge_db))


@pytest.fixture(scope="session")
def engine(knowledge_base: database.CompiledKnowledge) -> Engine:
    return Engine(knowledge_base)


@pytest.fixture
async def api() -> AsyncIterator[BotApiStandIn]:
    """The Bot API stand-in, serving on a free local port for one test."""
    async with BotApiStandIn() as standin:
        yield standin


@pytest.fixture
def settings(api: BotApiStandIn, tmp_path: Path) -> Settings:
    """The bot's settings against `api`; the default per-user limit: 8 per 10 s."""
    return make_settings(api, tmp_path)


@pytest.fixture
async def app(
    api: BotApiStandIn, settings: Settings, engine: Engine
) -> AsyncIterator[BotApplication]:
    """The real bot, long polling `api` with the session's engine, for one test."""
    async with running_bot(api, settings, engine) as application:
        yield application


@pytest.fixture
async def killer() -> AsyncIterator[Callable[[asyncio.subprocess.Process], None]]:
    """Give it a bot subprocess: killed at the end of the test if it is still running."""
    started: list[asyncio.subprocess.Process] = []
    yield started.append
    for process in started:
        if process.returncode is None:
            process.kill()
            await process.wait()

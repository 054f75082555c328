"""Shared fixtures: a real knowledge database built from knowledge/ into a temporary folder."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.answering.engine import Engine
from bot.knowledge import database

PROJECT_ROOT = Path(__file__).resolve().parent.parent
KNOWLEDGE_DIR = PROJECT_ROOT / "knowledge"


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

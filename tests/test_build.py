"""`python -m bot build`: validation with file:line messages, atomic replacement, staleness."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from bot.errors import KnowledgeDatabaseError, KnowledgeError
from bot.knowledge import database
from tests.support.knowledge import AGE_ENTRY, knowledge_folder


@pytest.fixture
def knowledge_dir(tmp_path: Path) -> Path:
    """A minimal knowledge folder: the real article and aliases, one small entries file."""
    return knowledge_folder(tmp_path / "knowledge", AGE_ENTRY)


def write_entries(knowledge_dir: Path, text: str) -> Path:
    path = knowledge_dir / "entries" / "facts.yaml"
    path.write_text(text, encoding="utf-8")
    return path


async def build_problems(knowledge_dir: Path, tmp_path: Path) -> list[str]:
    with pytest.raises(KnowledgeError) as excinfo:
        await database.build(knowledge_dir, tmp_path / "out.sqlite3")
    return excinfo.value.problems


async def test_build_writes_a_database(knowledge_dir: Path, tmp_path: Path) -> None:
    db_path = await database.build(knowledge_dir, tmp_path / "data" / "k.sqlite3")
    compiled = await database.load(db_path)
    assert [e.id for e in compiled.entries] == ["age"]
    assert compiled.article.reporter == "허정원"
    assert "나이" in compiled.vocabulary
    assert not list(db_path.parent.glob(".build-*")), "temporary build files must not be left"


async def test_non_verbatim_quote_is_reported_with_line(
    knowledge_dir: Path, tmp_path: Path
) -> None:
    path = write_entries(knowledge_dir, AGE_ENTRY.replace("올해 만 26세의", "올해 26세의"))
    problems = await build_problems(knowledge_dir, tmp_path)
    assert problems == [
        f"{path}:6: quote is not verbatim in the article body; "
        "copy the exact characters from knowledge/article.txt"
    ]


async def test_quote_may_differ_in_whitespace_only(knowledge_dir: Path, tmp_path: Path) -> None:
    write_entries(
        knowledge_dir,
        AGE_ENTRY.replace("quote: 올해 만 26세의", "quote: |\n    올해  만\n    26세의"),
    )
    await database.build(knowledge_dir, tmp_path / "out.sqlite3")


async def test_duplicate_ids_are_reported(knowledge_dir: Path, tmp_path: Path) -> None:
    path = write_entries(knowledge_dir, AGE_ENTRY + AGE_ENTRY)
    problems = await build_problems(knowledge_dir, tmp_path)
    assert problems == [
        f"{path}:11: duplicate id 'age', first used at {path}:1; give this entry another id"
    ]


async def test_empty_answer_is_reported(knowledge_dir: Path, tmp_path: Path) -> None:
    path = write_entries(knowledge_dir, AGE_ENTRY.replace("answer_en: He is 26.", 'answer_en: ""'))
    problems = await build_problems(knowledge_dir, tmp_path)
    assert problems == [f"{path}:5: answer_en is empty; write the answer in English"]


async def test_empty_question_is_reported(knowledge_dir: Path, tmp_path: Path) -> None:
    path = write_entries(knowledge_dir, AGE_ENTRY.replace("    - How old is he?", '    - ""'))
    problems = await build_problems(knowledge_dir, tmp_path)
    assert problems == [f"{path}:9: empty item in questions; write text or delete the line"]


async def test_unknown_field_is_reported(knowledge_dir: Path, tmp_path: Path) -> None:
    path = write_entries(
        knowledge_dir, AGE_ENTRY.replace("  topic_en: Age\n", "  topic_english: Age\n")
    )
    problems = await build_problems(knowledge_dir, tmp_path)
    assert f"{path}:3: unknown field 'topic_english'; allowed fields: " in problems[0]
    assert f"{path}:1: missing field 'topic_en' (a short English label); add it" in problems


async def test_yaml_syntax_error_is_reported(knowledge_dir: Path, tmp_path: Path) -> None:
    path = write_entries(
        knowledge_dir, AGE_ENTRY.replace("keywords: [나이, age]", "keywords: [나이, age")
    )
    problems = await build_problems(knowledge_dir, tmp_path)
    assert len(problems) == 1
    assert problems[0].startswith(f"{path}:")
    assert "YAML syntax error" in problems[0]


async def test_every_problem_is_reported_at_once(knowledge_dir: Path, tmp_path: Path) -> None:
    broken = AGE_ENTRY.replace("올해 만", "작년 만").replace("topic: 나이", 'topic: ""')
    write_entries(knowledge_dir, broken + AGE_ENTRY)
    assert len(await build_problems(knowledge_dir, tmp_path)) == 3


async def test_failed_build_keeps_the_previous_database(
    knowledge_dir: Path, tmp_path: Path
) -> None:
    db_path = await database.build(knowledge_dir, tmp_path / "k.sqlite3")
    write_entries(knowledge_dir, AGE_ENTRY.replace("올해 만", "작년 만"))
    with pytest.raises(KnowledgeError):
        await database.build(knowledge_dir, db_path)
    assert [e.id for e in (await database.load(db_path)).entries] == ["age"]


async def test_stale_database_is_rebuilt(knowledge_dir: Path, tmp_path: Path) -> None:
    db_path = tmp_path / "k.sqlite3"
    await database.ensure_built(db_path, knowledge_dir)
    assert database.is_current(db_path, knowledge_dir)
    write_entries(knowledge_dir, AGE_ENTRY.replace("He is 26.", "He is 26 years old."))
    assert not database.is_current(db_path, knowledge_dir)
    await database.ensure_built(db_path, knowledge_dir)
    assert (await database.load(db_path)).entries[0].answer_en == "He is 26 years old."


async def test_corrupt_database_is_rebuilt(knowledge_dir: Path, tmp_path: Path) -> None:
    db_path = tmp_path / "k.sqlite3"
    db_path.write_bytes(b"this is not a database" * 100)
    await database.ensure_built(db_path, knowledge_dir)
    assert [e.id for e in (await database.load(db_path)).entries] == ["age"]


async def test_corrupt_database_without_knowledge_says_what_to_do(tmp_path: Path) -> None:
    db_path = tmp_path / "k.sqlite3"
    db_path.write_bytes(b"garbage" * 1000)
    with pytest.raises(KnowledgeDatabaseError, match="python -m bot build"):
        await database.load(db_path)


async def test_database_is_opened_read_only(knowledge_db: Path) -> None:
    async with database.connect_read_only(knowledge_db) as db:
        assert await (await db.execute("SELECT count(*) FROM entries")).fetchone() != (0,)
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            await db.execute("DELETE FROM entries")

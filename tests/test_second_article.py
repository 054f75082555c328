"""A second, invented article (tests/data/example-article/) with no code change.

Its person, company, newspaper and facts are made up and share nothing with knowledge/: if
the code knew a fact of the real article, these answers would be wrong or missing.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from bot.answering.engine import Engine
from bot.knowledge import database
from bot.knowledge.files import fold_whitespace
from tests.support import PROJECT_ROOT
from tests.support.cli import run_cli

EXAMPLE_DIR = PROJECT_ROOT / "tests" / "data" / "example-article"
BODY = fold_whitespace((EXAMPLE_DIR / "article.txt").read_text(encoding="utf-8"))

QUESTIONS = [
    ("들녘테크 투자 얼마 받았어?", "funding", "120억원"),
    ("풀지기가 뭐야?", "robot", "폐배터리"),
    ("로봇 가격 얼마야", "price", "1800만원"),
    ("정하린 대표 어느 학교 나왔어?", "career", "서해대학교"),
    ("직원 몇 명이야?", "founding", "42명"),
    ("수출 계획은?", "export-plan", "베트남"),
    ("How much money did Deulnyeok Tech raise?", "funding", "12 billion won"),
    ("How much does the robot cost?", "price", "18 million won"),
    ("Where did Jeong Ha-rin study?", "career", "Seohae University"),
    ("When was the company founded?", "founding", "2019"),
]
DECLINED = [
    "오늘 서울 날씨 어때?",
    "What's the weather in Seoul?",
    # The real article's facts: unknown here.
    "김태훈 연봉 얼마야?",
    "How much is Kim Taehoon's salary?",
    "오픈AI 창업자가 누구야?",
]


@pytest.fixture(scope="module")
def example_engine(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    db_path = tmp_path_factory.mktemp("example") / "x.sqlite3"
    asyncio.run(database.build(EXAMPLE_DIR, db_path))
    return Engine(asyncio.run(database.load(db_path)))


def test_the_example_article_builds_with_its_own_article_facts(example_engine: Engine) -> None:
    article = example_engine.article
    assert (article.title, article.newspaper, article.reporter) == (
        "폐배터리로 밭을 매는 로봇, 34세 창업자의 역발상",
        "한빛일보",
        "이도현",
    )
    assert len(example_engine.entries) == 6


@pytest.mark.parametrize(("question", "entry_id", "fact"), QUESTIONS)
def test_questions_get_the_right_entry_and_a_verbatim_quote(
    example_engine: Engine, question: str, entry_id: str, fact: str
) -> None:
    answer = example_engine.ask(question)
    assert answer.answered, (question, answer.score)
    assert answer.id == entry_id
    assert fact in answer.answer
    assert answer.lang == ("en" if question.isascii() else "ko")
    assert answer.quote == example_engine.entry(entry_id).quote
    assert fold_whitespace(answer.quote) in BODY


@pytest.mark.parametrize("question", DECLINED)
def test_off_topic_and_the_other_articles_questions_are_declined(
    example_engine: Engine, question: str
) -> None:
    answer = example_engine.ask(question)
    assert not answer.answered, (question, answer.id, answer.score)
    assert answer.quote == ""


def test_the_cli_answers_from_the_folder_knowledge_dir_names(tmp_path: Path) -> None:
    db = tmp_path / "x.sqlite3"
    env = {"KNOWLEDGE_DIR": str(EXAMPLE_DIR)}
    single = run_cli("ask", "--json", "들녘테크 투자 얼마 받았어?", db=db, env=env)
    assert single.returncode == 0, single.stderr
    answer = json.loads(single.stdout)
    assert (answer["answered"], answer["id"]) == (True, "funding")
    assert fold_whitespace(answer["quote"]) in BODY
    assert db.is_file()  # built from KNOWLEDGE_DIR on first use

    stdin = "How much does the robot cost?\n김태훈 연봉 얼마야?\n"
    batch = run_cli("ask", "--json", "-", stdin=stdin, db=db, env=env)
    assert batch.returncode == 0, batch.stderr
    first, second = (json.loads(line) for line in batch.stdout.splitlines())
    assert (first["answered"], first["id"], first["lang"]) == (True, "price", "en")
    assert (second["answered"], second["id"]) == (False, None)

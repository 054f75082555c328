"""Typed facts in the knowledge files: validated against the article at build time."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.errors import KnowledgeError
from bot.knowledge import database
from bot.knowledge.files import sentence_of
from bot.models import FactType
from tests.support import KNOWLEDGE_DIR
from tests.support.knowledge import AGE_ENTRY, knowledge_folder

AGE_FACT = """\
  facts:
    - type: age
      value: "26세"
      about: [나이, age]
      ko: 김태훈씨는 만 26세입니다.
      en: He is 26.
"""


async def problems_of(tmp_path: Path, facts: str) -> list[str]:
    folder = knowledge_folder(tmp_path / "knowledge", AGE_ENTRY + facts)
    with pytest.raises(KnowledgeError) as excinfo:
        await database.build(folder, tmp_path / "out.sqlite3")
    return excinfo.value.problems


async def test_facts_are_compiled_and_read_back(tmp_path: Path) -> None:
    folder = knowledge_folder(tmp_path / "knowledge", AGE_ENTRY + AGE_FACT)
    compiled = await database.load(await database.build(folder, tmp_path / "k.sqlite3"))
    [fact] = compiled.entries[0].facts
    assert (fact.type, fact.value, fact.about) == (FactType.AGE, "26세", ("나이", "age"))
    assert fact.sentence("ko") == "김태훈씨는 만 26세입니다." and fact.sentence("en") == "He is 26."
    assert fact.quote == "올해 만 26세의 김씨가"  # the entry's quote states the value


async def test_a_value_the_article_does_not_contain_is_an_error_at_its_line(
    tmp_path: Path,
) -> None:
    problems = await problems_of(tmp_path, AGE_FACT.replace('"26세"', '"27세"'))
    [problem] = problems
    assert "facts.yaml:13:" in problem and "'27세' is not verbatim in the article" in problem


async def test_an_unknown_type_is_an_error_naming_the_allowed_ones(tmp_path: Path) -> None:
    [problem] = await problems_of(tmp_path, AGE_FACT.replace("type: age", "type: height"))
    assert "facts.yaml:12:" in problem and "'height' is unknown" in problem and "person" in problem


async def test_a_short_fact_must_state_its_value_as_written(tmp_path: Path) -> None:
    reworded = AGE_FACT.replace("김태훈씨는 만 26세입니다.", "김태훈씨는 스물여섯 살입니다.")
    [problem] = await problems_of(tmp_path, reworded)
    assert "facts.yaml:15:" in problem and "must state the value '26세'" in problem


async def test_unknown_fact_fields_are_reported(tmp_path: Path) -> None:
    [problem] = await problems_of(tmp_path, AGE_FACT + "      unit: years\n")
    assert "unknown fact field 'unit'" in problem


async def test_a_fact_outside_the_entry_quote_is_quoted_from_its_own_sentence(
    tmp_path: Path,
) -> None:
    other = AGE_FACT + '    - type: date\n      value: "2015년 8월"\n'
    folder = knowledge_folder(tmp_path / "knowledge", AGE_ENTRY + other)
    compiled = await database.load(await database.build(folder, tmp_path / "k.sqlite3"))
    graduation = compiled.entries[0].facts[1]
    assert "2015년 8월 전기전자컴퓨터공학부를 졸업한" in graduation.quote
    assert " ".join(graduation.quote.split()) in " ".join(compiled.body.split())


def test_a_sentence_ends_at_a_line_break() -> None:
    body = (KNOWLEDGE_DIR / "article.txt").read_text(encoding="utf-8")
    # The photo credit closes a caption line; the next paragraph is not part of its sentence.
    assert sentence_of("7000명", body).startswith("‘7000명’.")
    assert "[사진 넥슨]" not in sentence_of("7000명", body)

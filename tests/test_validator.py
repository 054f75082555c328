"""The stricter knowledge validator: duplicate keys, encodings, alias lines, subfolders and a
missing article body, each reported once at its own file:line."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.errors import KnowledgeError
from bot.knowledge import files
from tests.support import KNOWLEDGE_DIR
from tests.support.knowledge import AGE_ENTRY, knowledge_folder


@pytest.fixture
def knowledge(tmp_path: Path) -> Path:
    return knowledge_folder(tmp_path / "knowledge", AGE_ENTRY)


def problems(knowledge: Path) -> list[str]:
    with pytest.raises(KnowledgeError) as excinfo:
        files.load(knowledge)
    return excinfo.value.problems


def test_the_fixture_is_valid(knowledge: Path) -> None:
    assert [e.id for e in files.load(knowledge).entries] == ["age"]


def test_a_key_given_twice_in_one_entry_is_an_error_at_its_line(knowledge: Path) -> None:
    path = knowledge / "entries" / "facts.yaml"
    path.write_text(
        AGE_ENTRY.replace("  answer_en:", "  answer_ko: 두 번째\n  answer_en:"), "utf-8"
    )
    assert problems(knowledge) == [
        f"{path}:5: duplicate key 'answer_ko', first at line 4; keep one of them"
    ]


def test_a_non_utf8_entry_file_names_the_file_and_the_encoding(knowledge: Path) -> None:
    path = knowledge / "entries" / "facts.yaml"
    path.write_bytes(AGE_ENTRY.encode("cp949"))
    [problem] = problems(knowledge)
    assert problem.startswith(f"{path}:2: not UTF-8 (byte 0xb3)")
    assert "must be UTF-8" in problem


def test_a_non_utf8_article_body_is_one_error(knowledge: Path) -> None:
    body = knowledge / "article.txt"
    body.write_bytes(body.read_text(encoding="utf-8").encode("cp949", errors="replace"))
    [problem] = problems(knowledge)
    assert problem.startswith(f"{body}:1: not UTF-8")


def test_alias_errors_point_at_their_own_line(knowledge: Path) -> None:
    path = knowledge / "aliases.yaml"
    lines = path.read_text(encoding="utf-8").splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("  unist:"))
    lines.insert(at + 1, "  broken: not-a-list")
    lines.insert(at + 2, "  테슬라모터스: [테슬라]")  # its canonical form contains a variant
    lines.append("colours: [red]")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    found = problems(knowledge)
    broken = f"{path}:{at + 2}: aliases.broken must be a non-empty list of variants"
    assert any(p.startswith(broken) for p in found), found
    assert any(p.startswith(f"{path}:{len(lines)}: unknown key 'colours'") for p in found)
    assert any(
        p.startswith(f"{path}:{at + 3}: canonical form '테슬라모터스' contains the variant")
        for p in found
    ), found


def test_yaml_in_a_subfolder_of_entries_is_loaded(knowledge: Path) -> None:
    sub = knowledge / "entries" / "people"
    sub.mkdir()
    (sub / "more.yaml").write_text(AGE_ENTRY.replace("id: age", "id: age-again"), "utf-8")
    (knowledge / "entries" / ".drafts").mkdir()
    (knowledge / "entries" / ".drafts" / "x.yaml").write_text("not: an entry list", "utf-8")
    assert [e.id for e in files.load(knowledge).entries] == ["age", "age-again"]


def test_a_yml_file_in_entries_is_refused_with_a_message(knowledge: Path) -> None:
    path = knowledge / "entries" / "extra.yml"
    path.write_text(AGE_ENTRY, encoding="utf-8")
    assert problems(knowledge) == [f"{path}:1: entry files must end in .yaml; rename it"]


def test_a_missing_article_body_is_one_error(tmp_path: Path) -> None:
    knowledge = tmp_path / "whole"
    shutil.copytree(KNOWLEDGE_DIR, knowledge)  # all 57 entries, each with a quote
    (knowledge / "article.txt").unlink()
    [problem] = problems(knowledge)  # not one more per quote that cannot be checked
    assert problem.startswith(f"{knowledge / 'article.txt'}: article body not found")
    assert "body_file" in problem

"""Invariants of the curated knowledge itself, checked over every entry."""

from __future__ import annotations

from bot.answering.normalize import detect_lang
from bot.knowledge.database import CompiledKnowledge
from bot.knowledge.files import fold_whitespace
from tests.support import KNOWLEDGE_DIR

CHROME = ("Los Angeles", "Partly Cloudy", "Follow Us", "관련기사", "오늘의 핫이슈", "HelloKTown")


def test_every_quote_is_verbatim_in_the_article_body(knowledge_base: CompiledKnowledge) -> None:
    body = fold_whitespace(knowledge_base.body)
    missing = [e.id for e in knowledge_base.entries if fold_whitespace(e.quote) not in body]
    assert missing == []


def test_article_body_has_no_site_chrome() -> None:
    body = (KNOWLEDGE_DIR / "article.txt").read_text(encoding="utf-8")
    assert body.startswith("쓸만하니 머스크가 채갔다")
    assert body.rstrip().endswith("heo.jeongwon@joongang.co.kr")
    assert [c for c in CHROME if c in body] == []


def test_every_entry_has_korean_and_english_questions(knowledge_base: CompiledKnowledge) -> None:
    langs: dict[str, set[str]] = {}
    for question in knowledge_base.questions:
        langs.setdefault(question.entry_id, set()).add(detect_lang(question.text))
    lacking = [e.id for e in knowledge_base.entries if langs.get(e.id) != {"ko", "en"}]
    assert lacking == []


def test_every_question_has_terms(knowledge_base: CompiledKnowledge) -> None:
    empty = [q.text for q in knowledge_base.questions if not q.terms]
    assert empty == []


def test_entries_cover_the_whole_article(knowledge_base: CompiledKnowledge) -> None:
    """Each paragraph of the body is quoted by some entry (the interviewer's questions and
    the box heading are prompts, not facts)."""
    quotes = [fold_whitespace(e.quote) for e in knowledge_base.entries]
    paragraphs = [fold_whitespace(p) for p in knowledge_base.body.split("\n") if p.strip()]
    unquoted = [
        p[:40]
        for p in paragraphs
        if not any(q in p or p in q for q in quotes) and not p.startswith(("Q :", "◆"))
    ]
    assert unquoted == []

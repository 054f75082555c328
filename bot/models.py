"""Plain data types shared by the knowledge loader, the matcher and the front ends."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Lang = Literal["ko", "en"]


@dataclass(frozen=True, slots=True)
class Entry:
    """One curated fact: what people ask, the answer, and the verbatim quote behind it."""

    id: str
    topic: str
    topic_en: str
    answer_ko: str
    answer_en: str
    quote: str
    questions: tuple[str, ...]
    keywords: tuple[str, ...]
    popular: bool = False
    source: str = ""  # "file:line" where the entry starts, for error messages

    def answer(self, lang: Lang) -> str:
        return self.answer_en if lang == "en" else self.answer_ko

    def label(self, lang: Lang) -> str:
        return self.topic_en if lang == "en" else self.topic


@dataclass(frozen=True, slots=True)
class Subject:
    """The person an article is about: every form of the name is read as one `term`."""

    term: str = ""
    forms: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class ArticleInfo:
    """The article's bibliographic facts, for /about and citation lines."""

    title: str
    newspaper: str
    newspaper_en: str
    date: str
    reporter: str
    reporter_en: str


@dataclass(frozen=True, slots=True)
class Suggestion:
    """A topic the engine can answer, offered when it declines."""

    id: str
    question: str


@dataclass(frozen=True, slots=True)
class Answer:
    """The engine's reply to one question; `quote` is always verbatim Korean from the article."""

    question: str
    answered: bool
    answer: str
    quote: str
    score: float
    id: str | None
    lang: Lang
    suggestions: tuple[Suggestion, ...] = field(default=())

    def to_json(self) -> dict[str, object]:
        return {
            "question": self.question,
            "answered": self.answered,
            "answer": self.answer,
            "quote": self.quote,
            "score": round(self.score, 1),
            "id": self.id,
            "lang": self.lang,
            "suggestions": [s.question for s in self.suggestions],
        }

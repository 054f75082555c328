"""Plain data types shared by the knowledge loader, the matcher and the front ends."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Literal

Lang = Literal["ko", "en"]


class FactType(StrEnum):
    """What kind of thing a fact is, and so which questions it answers."""

    PERSON = "person"
    ORG = "org"
    PLACE = "place"
    DATE = "date"
    COUNT = "count"
    MONEY = "money"
    SCORE = "score"
    ORDINAL = "ordinal"
    AGE = "age"
    DURATION = "duration"
    NAME = "name"
    ROLE = "role"
    REASON = "reason"
    METHOD = "method"
    QUOTE = "quote"
    DEFINITION = "definition"
    THING = "thing"


@dataclass(frozen=True, slots=True)
class Fact:
    """One typed fact an entry states; `value` is verbatim in the article."""

    type: FactType
    value: str
    about: tuple[str, ...] = ()
    """Words that single this fact out among its entry's facts (한국, 상한, 달러 …)."""
    ko: str = ""
    en: str = ""
    """One short sentence stating just this fact; empty: the entry's answer states it."""
    quote: str = ""
    """The verbatim words of the article that state it: the entry's quote when that has the
    value, else the article's sentence that does (set by the knowledge loader)."""

    def sentence(self, lang: Lang) -> str:
        return self.en if lang == "en" else self.ko


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
    facts: tuple[Fact, ...] = ()

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
    missing: str = ""
    """When declined for want of one detail: the asked kind of answer (year, name …)."""
    nearest: str = ""
    """When declined for want of one detail: the topic the article does cover."""

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

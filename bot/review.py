"""Unanswered questions, reviewed: what people asked and did not get, and what to do about it.

The handler logs each declined or low-confidence question (`unanswered`); the maintainer
reads them back grouped by similarity (`group`), most frequent first, each with the nearest
entry and a suggested action. Pure functions: no I/O, no Telegram.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from rapidfuzz import fuzz, process

from bot.answering.engine import Engine
from bot.answering.normalize import Normalizer, strip_addressing
from bot.models import Answer
from bot.state import UnansweredQuestion, UnansweredRow

LOW_CONFIDENCE_MARGIN = 10.0
"""An answer scoring less than this above the threshold is logged for review too."""
SIMILAR = 75.0
"""rapidfuzz ratio (0-100) of the normalised questions without spaces at which two are one
group. Without spaces, because Korean spacing varies (결혼했어 / 결혼 했어요). Measured:
김태훈 결혼했어 ~ 김태훈씨 결혼했나요 75, ~ 김태훈 결혼 했어요 93; 김태훈 키 ~ 김태훈 고향 67."""
RELATED_SCORE = 40.0
"""Below this nearest-entry score a question is most likely off-topic, not a paraphrase."""
MAX_VARIANTS = 5

_normalizer = Normalizer()


class Action(StrEnum):
    """What the maintainer should probably do with a group."""

    ADD_QUESTION = "add-question"
    OFF_TOPIC = "off-topic"


@dataclass(frozen=True, slots=True)
class ReviewGroup:
    """Similar unanswered questions, counted together."""

    question: str  # the most frequent wording
    count: int
    nearest: str | None
    score: float
    action: Action
    declined: bool  # False: the bot answered from `nearest`, with low confidence
    variants: tuple[str, ...]  # other wordings, most frequent first
    first_seen: str
    last_seen: str

    def suggestion(self) -> str:
        if self.action is Action.ADD_QUESTION and not self.declined:
            return (
                f"add it as a question of entry {self.nearest} (it was answered from it "
                "with low confidence: check that the answer fits)"
            )
        if self.action is Action.ADD_QUESTION:
            return f"add it as a question of entry {self.nearest}"
        return "off-topic: the article does not answer it; nothing to add"

    def to_json(self) -> dict[str, object]:
        return {
            "question": self.question,
            "count": self.count,
            "nearest": self.nearest,
            "score": round(self.score, 1),
            "action": str(self.action),
            "declined": self.declined,
            "suggestion": self.suggestion(),
            "variants": list(self.variants),
            "first_seen": self.first_seen,
            "last_seen": self.last_seen,
        }


def normalised(text: str) -> str:
    """The form questions are counted by: addressing, case, punctuation and slang folded."""
    return _normalizer.normalize(strip_addressing(text))


def unanswered(engine: Engine, question: str, answer: Answer) -> UnansweredQuestion | None:
    """What to log for `answer` to `question`: declines and low-confidence answers, else None.

    The one place that asks the engine for the nearest entry of a decline.
    """
    if answer.answered and answer.score >= engine.threshold + LOW_CONFIDENCE_MARGIN:
        return None
    key = normalised(question)
    if not key:
        return None  # only addressing or punctuation: nothing to learn from
    nearest, score = answer.id, answer.score
    if not answer.answered:
        matches = engine.find(strip_addressing(question), limit=1)
        nearest, score = (matches[0].entry.id, matches[0].score) if matches else (None, 0.0)
    return UnansweredQuestion(question.strip(), key, nearest, score, not answer.answered)


def group(rows: Iterable[UnansweredRow], *, similar: float = SIMILAR) -> list[ReviewGroup]:
    """Rows merged by similar normalised text, most frequently asked group first."""
    ordered = sorted(rows, key=lambda r: (-r.count, r.normalised))
    leaders: list[str] = []
    members: list[list[UnansweredRow]] = []
    for row in ordered:
        key = row.normalised.replace(" ", "")
        # Compared with each group's most frequent wording only: O(rows x groups) in C.
        found = process.extractOne(key, leaders, scorer=fuzz.ratio, score_cutoff=similar)
        if found is None:
            leaders.append(key)
            members.append([row])
        else:
            members[found[2]].append(row)
    groups = [_summarise(rows) for rows in members]
    return sorted(groups, key=lambda g: (-g.count, g.question))


def _summarise(rows: list[UnansweredRow]) -> ReviewGroup:
    head = rows[0]
    votes: Counter[str | None] = Counter()
    for row in rows:
        votes[row.nearest] += row.count
    nearest = votes.most_common(1)[0][0]
    score = max((r.score for r in rows if r.nearest == nearest), default=0.0)
    related = nearest is not None and score >= RELATED_SCORE
    return ReviewGroup(
        question=head.question,
        count=sum(r.count for r in rows),
        nearest=nearest,
        score=score,
        action=Action.ADD_QUESTION if related else Action.OFF_TOPIC,
        declined=any(r.declined for r in rows if r.nearest == nearest),
        variants=tuple(r.question for r in rows[1 : 1 + MAX_VARIANTS]),
        first_seen=min(r.first_seen for r in rows),
        last_seen=max(r.last_seen for r in rows),
    )

"""The answer engine: chat text in, an `Answer` out. Knows nothing of Telegram."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bot.answering import verify
from bot.answering.analysis import QuestionAnalysis, analyse
from bot.answering.matcher import Match, Matcher
from bot.answering.normalize import detect_lang, strip_addressing
from bot.answering.scoring import DEFAULT_POLICY, ScoringPolicy
from bot.answering.verify import Check
from bot.errors import UnknownEntryError
from bot.knowledge import database
from bot.models import Answer, ArticleInfo, Entry, Fact, Lang, Suggestion

MAX_QUESTION_CHARS = 4096
# The matcher's work grows faster than linearly with unspaced text, so it reads only this
# much of a question: far more than any real question, and it bounds the cost of a hostile
# 4096-character message (measure the time with bench/, not here).
MAX_MATCH_CHARS = 512
SUGGESTIONS = 3
SUGGESTION_MIN_SCORE = 20.0
"""A 'did you mean' must share more than a filler word with the question; else offer popular."""
RELATED_SHARE = 0.6
"""Answers offered beside the best one must score at least this share of the threshold."""
CANDIDATES = 5
"""Entries checked, best first, for one that states what the question asks."""


@dataclass(frozen=True, slots=True)
class Decision:
    """An answer and how it was reached, for `ask --explain`."""

    answer: Answer
    analysis: QuestionAnalysis
    considered: tuple[tuple[Match, Check], ...]


class Engine:
    """Answers questions about the article from a compiled knowledge base."""

    def __init__(
        self, compiled: database.CompiledKnowledge, *, policy: ScoringPolicy = DEFAULT_POLICY
    ) -> None:
        self.knowledge = compiled
        self.matcher = Matcher(compiled, policy=policy)
        self.policy = policy
        self.threshold = policy.answer_threshold
        self._facts = verify.FactIndex(compiled.entries, self.matcher.terms)
        self._entries = {e.id: e for e in compiled.entries}
        self._first_question: dict[tuple[str, str], str] = {}
        for q in compiled.questions:
            self._first_question.setdefault((q.entry_id, q.lang), q.text)
        # Ranked once: every decline offers from it, and sorting 100,000 entries is slow.
        self._by_popularity = sorted(compiled.entries, key=lambda e: not e.popular)

    @classmethod
    async def open(cls, db_path: Path, knowledge_dir: Path | None = None) -> Engine:
        """Load the engine, first rebuilding the database if the knowledge has changed."""
        if knowledge_dir is not None:
            await database.ensure_built(db_path, knowledge_dir)
        return cls(await database.load(db_path))

    @property
    def article(self) -> ArticleInfo:
        return self.knowledge.article

    @property
    def entries(self) -> tuple[Entry, ...]:
        return self.knowledge.entries

    def entry(self, entry_id: str) -> Entry:
        try:
            return self._entries[entry_id]
        except KeyError:
            raise UnknownEntryError(entry_id) from None

    def ask(self, text: str, *, lang: Lang | None = None) -> Answer:
        """Answer `text`, or decline with up to three topics the article does cover."""
        return self.explain(text, lang=lang).answer

    def explain(self, text: str, *, lang: Lang | None = None) -> Decision:
        """The answer to `text` with how it was reached: the analysis and each candidate."""
        question = text[:MAX_QUESTION_CHARS]
        stripped = strip_addressing(question)
        lang = lang or detect_lang(stripped)
        analysis = analyse(stripped)
        matches = self.find(stripped, limit=CANDIDATES)
        terms = self.matcher.query_terms(stripped[:MAX_MATCH_CHARS])
        holder = self.matcher.terms(analysis.holder) if analysis.holder else []
        policy = self.policy
        considered: list[tuple[Match, Check]] = []
        gap: tuple[Match, Check] | None = None
        for rank, match in enumerate(matches):
            if match.score < policy.pinned_threshold:
                break
            result = verify.check(
                match.entry,
                analysis,
                terms,
                self._facts,
                self.matcher.mentions,
                holder,
                self.knowledge.neighbours.contrasts,
            )
            considered.append((match, result))
            strong = match.score >= self.threshold
            # Only the best match may answer below the threshold: a lower one that singles
            # out a fact is more often a neighbouring fact than the asked one.
            pinned = result.pinned and rank == 0 and result.strays <= policy.pinned_max_strays
            if result.ok and (strong or pinned):
                answer = self._answer(question, match.entry, lang, match.score, result.fact)
                return Decision(answer, analysis, tuple(considered))
            if strong and gap is None:
                gap = (match, result)
        return Decision(self._decline(question, lang, matches, gap), analysis, tuple(considered))

    def _decline(
        self,
        question: str,
        lang: Lang,
        matches: list[Match],
        gap: tuple[Match, Check] | None,
    ) -> Answer:
        """A polite decline: what is missing, and the nearest things the article does say."""
        related = [m.entry for m in matches if m.score >= SUGGESTION_MIN_SCORE]
        if gap is not None:  # the nearest fact first: the topic was right, the detail is not
            related.insert(0, gap[0].entry)
        offered = list(dict.fromkeys(related))[:SUGGESTIONS] or self.popular(SUGGESTIONS)
        suggestions = tuple(self.suggestion(e, lang) for e in offered)
        score = matches[0].score if matches else 0.0
        missing = gap[1].missing.value if gap is not None and gap[1].missing else ""
        nearest = gap[0].entry.label(lang) if gap is not None else ""
        return Answer(question, False, "", "", score, None, lang, suggestions, missing, nearest)

    def find(self, text: str, *, limit: int) -> list[Match]:
        """The matcher's best entries for `text`, reading at most MAX_MATCH_CHARS of it."""
        return self.matcher.find(text[:MAX_MATCH_CHARS], limit=limit)

    def answer_entry(self, entry_id: str, *, lang: Lang = "ko") -> Answer:
        """The answer for one entry, as when a button or deep link names it."""
        entry = self.entry(entry_id)
        return self._answer(self.suggestion(entry, lang).question, entry, lang, 100.0)

    def answers(self, text: str, *, limit: int, lang: Lang) -> list[Answer]:
        """Several answers at once (inline mode): the best and related entries, or suggestions.

        An empty `text` lists the popular entries in `lang`.
        """
        if not text:
            return [self.answer_entry(e.id, lang=lang) for e in self.popular(limit)]
        best = self.ask(text)
        ids: list[str] = [best.id] if best.answered and best.id else []
        if best.answered:
            floor = self.threshold * RELATED_SHARE
            ids += [m.entry.id for m in self.find(text, limit=limit + 1) if m.score >= floor]
        else:
            ids += [s.id for s in best.suggestions]
        unique = list(dict.fromkeys(ids))[:limit]
        return [self.answer_entry(entry_id, lang=best.lang) for entry_id in unique]

    def popular(self, limit: int = 5) -> list[Entry]:
        """The entries marked popular, then the rest, in knowledge-file order."""
        return self._by_popularity[:limit]

    def suggestion(self, entry: Entry, lang: Lang) -> Suggestion:
        """The entry's first curated question in `lang`, to offer as a 'did you mean'."""
        text = self._first_question.get((entry.id, lang)) or entry.label(lang)
        return Suggestion(entry.id, text)

    @staticmethod
    def _answer(
        question: str, entry: Entry, lang: Lang, score: float, fact: Fact | None = None
    ) -> Answer:
        """The entry's answer; when a fact answers, its own sentence (one item, said first)."""
        text = (fact.sentence(lang) if fact else "") or entry.answer(lang)
        quote = (fact.quote if fact else "") or entry.quote
        return Answer(question, True, text, quote, score, entry.id, lang)

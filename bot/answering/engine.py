"""The answer engine: chat text in, an `Answer` out. Knows nothing of Telegram."""

from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from bot import texts
from bot.answering import korean, verify
from bot.answering.analysis import QuestionAnalysis, analyse, is_question, written_as_names
from bot.answering.context import (
    Turn,
    asks_for_more,
    asks_what_next,
    points_back,
    without_more,
)
from bot.answering.matcher import QUESTION_WORDS, Match, Matcher, QueryTerm
from bot.answering.normalize import ENGLISH_QUESTION_WORDS, detect_lang, strip_addressing
from bot.answering.passages import Passages
from bot.answering.scoring import DEFAULT_POLICY, ScoringPolicy
from bot.answering.verify import Check
from bot.errors import UnknownEntryError
from bot.knowledge import database
from bot.knowledge.files import fold_whitespace
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
_NUMBER_RE = re.compile(r"\d+(?:\.\d+)?")
CANDIDATES = 5
"""Entries checked, best first, for one that states what the question asks."""


@dataclass(frozen=True, slots=True)
class Decision:
    """An answer and how it was reached, for `ask --explain`."""

    answer: Answer
    analysis: QuestionAnalysis
    considered: tuple[tuple[Match, Check], ...]
    topic: Callable[[], tuple[str, ...]] = tuple
    """What the answer was about, as terms: the question's topic words (with what context
    added) and the value of the fact that answered (오픈AI, after "어느 회사로 가?").
    Worked out only when a conversation asks for it."""
    named: Callable[[], tuple[str, ...]] = tuple
    """The terms of the value that answered (오픈AI), which "거기" will point back to."""

    def next_turn(self, previous: Turn | None) -> Turn | None:
        """What the conversation is about after this answer: its entry, or as it was."""
        if not self.answer.answered or self.answer.id is None:
            return previous
        return Turn(self.answer.id, self.topic(), self.analysis, self.named())


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
        self._lookups = verify.Lookups(
            self._facts,
            self.matcher.mentions,
            compiled.neighbours.contrasts,
            policy.unwritten_name_strays,
        )
        self._passages = Passages(compiled.body, compiled.entries)
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
        return self.reply(text, lang=lang)

    def reply(
        self, text: str, *, context: Turn | None = None, lang: Lang | None = None
    ) -> Decision:
        """The answer to `text` in a conversation whose last answer was `context`.

        A self-contained question is answered on its own, whatever came before; a follow-up
        ("그거 얼마 동안 했어?", "중국은?", "why?", "더 자세히") is read with the last answer's
        topic. Without `context` this is `explain`.
        """
        question = text[:MAX_QUESTION_CHARS]
        stripped = strip_addressing(question)
        lang = lang or detect_lang(stripped)
        if context is not None and context.entry_id in self._entries:
            if asks_for_more(stripped):
                more = self._more(question, lang, stripped, context)
                if more is not None:
                    return more
                stripped = without_more(stripped)
            if asks_what_next(stripped):
                following = self._passages.after(context.entry_id)
                if following is not None:
                    answer = self._answer(question, self._entries[following], lang, 100.0)
                    return Decision(answer, analyse(stripped), ())
        # Analysed as far as it is matched: some rules cost more with length.
        analysis = analyse(stripped[:MAX_MATCH_CHARS])
        terms = self._query_terms(stripped[:MAX_MATCH_CHARS])
        if context is None or context.entry_id not in self._entries:
            return self._decide(question, lang, analysis, terms)
        # A follow-up points back or leaves its topic out; one that names two or more things
        # of its own ("출국 전에 기자가 걔 어디서 만났대?") is read on its own first.
        content = len(self._content(terms))
        follows = content <= 1 or (points_back(stripped) and content <= 2)
        alone: Decision | None = None
        if not follows:
            alone = self._decide(question, lang, analysis, terms)
            if alone.answer.answered:
                return alone  # a new topic: context never changes a self-contained question
        asked, in_terms = self._with_context(analysis, terms, context)
        in_context = self._decide(question, lang, asked, in_terms, context, own=terms)
        if in_context.answer.answered and self._grounded(terms, in_context, context):
            return in_context
        if alone is None:
            alone = self._decide(question, lang, analysis, terms)
        if (
            alone.answer.answered
            and alone.answer.score >= self.threshold
            and (not points_back(stripped) or self._names_its_topic(terms, alone.answer.id or ""))
        ):
            # A short question that stands on its own after all; or one whose "he" is the
            # article's subject and whose own words name the topic ("when did he graduate").
            return alone
        if not follows:
            return alone  # a question of its own, declined as such
        if in_context.answer.answered:  # answered off the topic: the article does not say
            decline = self._decline(question, lang, [], None)
            return Decision(decline, asked, in_context.considered)
        return in_context

    def _query_terms(self, text: str) -> list[QueryTerm]:
        """The question's terms; an unknown word written as a name ("India's score") is one
        (the matcher sees only lower case, and knows Korean names from its dictionary)."""
        terms = self.matcher.query_terms(text)
        if all(t.matches for t in terms):
            return terms
        proper = written_as_names(text)
        if not proper:
            return terms
        names = set(self.matcher.terms(proper))
        return [
            dataclasses.replace(t, is_name=True) if t.text in names and not t.matches else t
            for t in terms
        ]

    def _asked_of(self, words: str) -> list[str]:
        """The terms of what a name or a place is asked of ("카페 이름", "공항은 어디"), the
        interviewee aside: every entry is about him."""
        return [t for t in self.matcher.terms(words) if t != self.knowledge.subject.term]

    def _about_another_topic(
        self, terms: Sequence[QueryTerm], entry_id: str, result: Check
    ) -> bool:
        """True when the question names another entry's topic, which this one never uses
        ("산업기능요원으로 근무한 회사" is not asked of the company he joins)."""
        policy = self.policy
        if result.strays < policy.other_topic_strays:
            return False
        vocabulary = self.knowledge.vocabulary
        content = self._content(terms)
        return any(
            t.text in content
            and not any(self._speaks_of(entry_id, m) for m, _ in t.matches)
            and any(
                len(vocabulary[m]) <= policy.other_topic_entries and self._names_a_topic(m)
                for m, _ in t.matches
            )
            for t in terms
        )

    def _names_a_topic(self, term: str) -> bool:
        """True for a word in an entry's topic, or a long curated Korean word (산업기능요원):
        a thing the question is about, where a short word is as often a verb (데려가다)."""
        entries = self.knowledge.vocabulary[term]
        if any(term in self._facts.topic(entry_id) for entry_id in entries):
            return True
        long_word = (
            len(term) >= self.policy.other_topic_syllables
            and korean.HANGUL_RE.match(term) is not None
        )
        return long_word and max(entries.values()) >= self.policy.curated

    def _speaks_of(self, entry_id: str, term: str) -> bool:
        """True when the entry's words or its facts' subjects include `term` (최대 of a salary)."""
        return self.matcher.mentions(entry_id, term) or self._facts.singles_out(entry_id, term)

    def _names_its_topic(
        self, terms: Sequence[QueryTerm], entry_id: str, *, allow_none: bool = False
    ) -> bool:
        """True when the question's own known words are mostly (by weight) about the entry
        (and, unless `allow_none`, there is at least one)."""
        own = [t for t in terms if t.text in self._content(terms) and t.matches]
        if not own:
            return allow_none
        about = sum(
            t.weight for t in own if any(self._speaks_of(entry_id, m) for m, _ in t.matches)
        )
        return about >= sum(t.weight for t in own) / 2

    def _grounded(self, terms: Sequence[QueryTerm], decision: Decision, context: Turn) -> bool:
        """A follow-up's answer must stay with what was being discussed, and whatever the
        follow-up adds must be something the article knows ("what about India?" is not)."""
        content = [t for t in terms if t.text in self._content(terms)]
        if content and not any(t.matches for t in content):
            return False
        # Whatever known thing the follow-up names, the answer must be about it too ("그분이
        # 제시한 연봉은?" is not answered by the entry on Jeff Dean's offer), unless the answer
        # is a fact of exactly the asked kind ("그 교수 어느 학부 소속이야?" → his department).
        entry_id = decision.answer.id or ""
        typed = decision.analysis.specific and decision.considered[-1][1].fact is not None
        named = [] if typed else [t for t in content if t.matches]
        foreign = sum(
            t.weight for t in named if not any(self._speaks_of(entry_id, m) for m, _ in t.matches)
        )
        if named and foreign > self.policy.pinned_max_strays * sum(t.weight for t in terms):
            return False
        return self._shares_topic(decision.answer.id or "", context)

    def _shares_topic(self, entry_id: str, context: Turn) -> bool:
        """True for the conversation's entry, or one sharing a distinctive word of its topic."""
        shared = sum(
            self.matcher.resolve(old).weight
            for old in context.terms
            if self._speaks_of(entry_id, old)
        )
        return entry_id == context.entry_id or shared >= self.policy.context_grounding

    def _with_context(
        self, analysis: QuestionAnalysis, terms: list[QueryTerm], context: Turn
    ) -> tuple[QuestionAnalysis, list[QueryTerm]]:
        """A follow-up's analysis and terms, completed from the last answer's."""
        new = {m for t in terms for m, _ in t.matches} | {t.text for t in terms}
        names = any(t.is_name for t in terms)
        numbers = any(_NUMBER_RE.fullmatch(t.text) for t in terms)
        kept: list[QueryTerm] = []
        for old in context.terms:
            term = self.matcher.resolve(old)
            if old in new:
                continue
            if old not in self._facts.topic(context.entry_id) and any(
                self._facts.replaces(n, old) for n in new
            ):
                continue  # "중국은?" after "한국": 중국 takes 한국's place (연봉 stays)
            if (names and term.is_name) or (numbers and _NUMBER_RE.fullmatch(old)):
                continue
            kept.append(term)
        # "중국은?", "원화로는?": nothing but what to single out among the last answer's kind of
        # facts, so the same kind of answer is wanted.
        content = self._content(terms)
        elliptical = bool(content) and all(
            self._facts.singles_out(context.entry_id, n)
            or any(self._facts.replaces(n, old) for old in context.terms)
            for n in content
        )
        asked = analysis if analysis.specific or not elliptical else context.analysis
        return asked, [*terms, *kept]

    def turn_for(self, entry_id: str, lang: Lang = "ko") -> Turn:
        """A conversation about one entry, as when someone replies to its answer."""
        entry = self.entry(entry_id)
        question = self.suggestion(entry, lang).question
        asked = self._content(self.matcher.query_terms(question))
        return Turn(entry.id, self._topic_of(entry, asked, None), analyse(question))

    def _topic_of(self, entry: Entry, asked: list[str], fact: Fact | None) -> tuple[str, ...]:
        """What a conversation is about after `entry` answered: what was asked of it, its
        topic, and what the answer named, which "그거" and "거기" will point back to. Numbers
        are not carried on: they would contradict the next entry's own."""
        topic = self._content([self.matcher.resolve(t) for t in asked])
        return tuple(dict.fromkeys([*topic, *self._answer_topic(entry, fact)]))

    @functools.lru_cache(maxsize=4096)  # noqa: B019 - one engine per process, bounded
    def _answer_topic(self, entry: Entry, fact: Fact | None) -> tuple[str, ...]:
        """The entry's topic and the words of what it answered with, numbers left out."""
        named = [fact] if fact else entry.facts[:3]
        said = [t for f in named for t in self.matcher.terms(f.value)]
        words = [t for t in (*self._facts.topic(entry.id), *said) if not _NUMBER_RE.fullmatch(t)]
        return tuple(self._content([self.matcher.resolve(t) for t in words]))

    def _named_by(self, fact: Fact | None) -> tuple[str, ...]:
        return tuple(self.matcher.terms(fact.value)) if fact is not None else ()

    def _content(self, terms: Sequence[QueryTerm]) -> list[str]:
        """The terms that carry a topic: not question words, not the article's subject."""
        subject = self.knowledge.subject.term
        return [
            t.text
            for t in terms
            if len(t.text) > 1  # counters and fragments (명, 번) carry no topic
            and t.text not in QUESTION_WORDS
            and t.text not in ENGLISH_QUESTION_WORDS
            and t.text != subject
            and not is_question(t.text)
        ]

    def _more(self, question: str, lang: Lang, text: str, context: Turn) -> Decision | None:
        """ "더 자세히": the passage around the last answer, with the answers of the entries
        quoting in it; "구체적으로 뭘 배우고 싶대?": the entry of that passage the question is
        about. None when the question names something the passage does not."""
        rest = without_more(text)
        rest_terms = self._query_terms(rest[:MAX_MATCH_CHARS])
        entry = self._entries[context.entry_id]
        around = self._passages.around(entry.id)
        content = self._content(rest_terms)
        if not content:
            shown = [entry, *(self._entries[i] for i in around.entry_ids if i != entry.id)][:3]
            said = " ".join(dict.fromkeys(e.answer(lang) for e in shown))
            answer = Answer(
                question, True, said, around.quote or entry.quote, 100.0, entry.id, lang
            )
            return Decision(answer, analyse(question), ())
        neighbours = set(around.entry_ids) - {entry.id}
        if not neighbours or not any(t.matches for t in rest_terms if t.text in content):
            return None  # nothing the article knows is named: no neighbour is about it
        cutoff = self.policy.context_threshold
        for match in self.matcher.rank(rest_terms, limit=CANDIDATES * 4, score_cutoff=cutoff):
            if match.entry.id in neighbours:
                answer = self._answer(question, match.entry, lang, match.score)
                return Decision(answer, analyse(rest), ())
        return None

    def _decide(
        self,
        question: str,
        lang: Lang,
        analysis: QuestionAnalysis,
        terms: list[QueryTerm],
        context: Turn | None = None,
        own: Sequence[QueryTerm] = (),
    ) -> Decision:
        """Check the best entries for `terms`, in order, for one that states what is asked.

        With `context` (a follow-up read with the last answer's topic), an entry of that
        topic that states the asked kind of fact may answer at a lower score: "그거 얼마 동안
        했어?" has few words of its own, and most of the question is the conversation's.
        """
        # In context, the asked detail may sit in a neighbouring entry further down the list.
        matches = self.matcher.rank(
            terms, limit=CANDIDATES + (3 if context else 0), score_cutoff=SUGGESTION_MIN_SCORE
        )
        asked = verify.Question(
            analysis,
            terms,
            holder=self._asked_of(analysis.holder),
            which=self._asked_of(analysis.which),
            pointed=context.named if context is not None else (),
        )
        policy = self.policy
        floor = policy.context_threshold if context is not None else policy.pinned_threshold
        considered: list[tuple[Match, Check]] = []
        gap: tuple[Match, Check] | None = None
        restating: tuple[Match, Check] | None = None
        # Only the best match may answer below the threshold: a lower one that singles out a
        # fact is more often a neighbouring fact than the asked one. ...Unless every better
        # match lacked the asked kind of fact altogether, only gave the question's own figure
        # back, contradicted the question ("88.1인 곳은?" of entries that state no 88.1) or was
        # about another entry's subject.
        better_could_answer = False
        for match in matches:
            if match.score < floor:
                break
            result = verify.check(match.entry, asked, self._lookups)
            considered.append((match, result))
            about_other = match.score >= self.threshold and self._about_another_topic(
                terms, match.entry.id, result
            )
            strong = match.score >= self.threshold and not about_other
            pinned = (
                result.pinned
                and not better_could_answer
                and result.strays <= policy.pinned_max_strays
                # In a conversation the list reaches lower, for entries on its topic; a fact
                # singled out elsewhere needs the bar it needs anywhere.
                and match.score >= policy.pinned_threshold
            )
            on_topic = (
                context is not None
                and analysis.specific
                and result.fact is not None
                and self._shares_topic(match.entry.id, context)
                and self._names_its_topic(own, match.entry.id, allow_none=True)
            )
            if result.ok and not about_other and (strong or pinned or on_topic):
                if result.restates:
                    # The question's own figure, given back: a later entry may state what
                    # is asked ("미국을 100으로 놓으면 한국은 몇?"); if none does, the first.
                    restating = restating or (match, result)
                    continue
                return self._accept(question, lang, analysis, terms, match, result, considered)
            if strong and gap is None:
                gap = (match, result)
            better_could_answer = better_could_answer or not (
                result.missing or result.conflicts or result.restates or about_other
            )
        if restating is not None:
            return self._accept(question, lang, analysis, terms, *restating, considered)
        decline = self._decline(question, lang, matches, gap)
        return Decision(decline, analysis, tuple(considered))

    def _accept(
        self,
        question: str,
        lang: Lang,
        analysis: QuestionAnalysis,
        terms: list[QueryTerm],
        match: Match,
        result: Check,
        considered: list[tuple[Match, Check]],
    ) -> Decision:
        """The answer from `match`, whose check `result` says it states what is asked."""
        answer = self._answer(question, match.entry, lang, match.score, result.fact)
        if analysis.in_words and lang == "ko":  # the article's words, as written
            text = texts.IN_THE_ARTICLES_WORDS(lang, quote=fold_whitespace(answer.quote))
            answer = dataclasses.replace(answer, answer=text)
        entry_id = match.entry.id
        # What was asked of this entry ("기사 사진에서…" leaves 기사 aside), its topic.
        said = [t.text for t in terms if self.matcher.mentions(entry_id, t.text)]
        topic = functools.partial(self._topic_of, match.entry, said, result.fact)
        named = functools.partial(self._named_by, result.fact)
        return Decision(answer, analysis, tuple(considered), topic, named)

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

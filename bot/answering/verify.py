"""Does an entry state what the question asks? The check between matching and answering.

The matcher ranks entries by topic. An entry on the right topic may still not state the
asked thing: "오픈AI 설립 연도" matches the entry on OpenAI's founders, which names no year.
`check` compares the question with the entry's typed facts (knowledge/entries/*.yaml,
`facts:`) and says which fact answers, or what is missing or contradicted.
"""

from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass

from bot.answering import korean
from bot.answering.analysis import (
    AnswerType,
    QuestionAnalysis,
    frames_the_question,
    is_question,
    names_a_kind,
    says_how,
)
from bot.answering.matcher import QUESTION_WORDS, QueryTerm
from bot.models import Entry, Fact, FactType

_NUMBER_RE = re.compile(r"\d+(?:\.\d+)?")


@dataclass(frozen=True, slots=True)
class Check:
    """How an entry answers a question: the fact that answers, or why it cannot."""

    fact: Fact | None = None
    """The fact that answers, when the question singles one out or asks for its type."""
    pinned: bool = False
    """The question's own words (a constraint, or the value) single out `fact`."""
    missing: AnswerType | None = None
    """The asked answer type, when the entry states nothing of that type about the subject."""
    conflicts: tuple[str, ...] = ()
    """Question terms the entry contradicts: a number it does not state, an excluded name."""
    strays: float = 0.0
    """The share of the question in words the entry does not use (see `_strays`)."""
    restates: bool = False
    """The answering fact is one the question itself states ("미국을 100으로 놓으면 한국은?"
    asked of the entry on the US's 100): another entry may answer what is asked."""

    @property
    def ok(self) -> bool:
        return self.missing is None and not self.conflicts


class FactIndex:
    """Each fact's terms, analysed as questions are: its value, and its `about` words."""

    def __init__(self, entries: Iterable[Entry], terms: Callable[[str], list[str]]) -> None:
        self._terms = terms
        self._about: dict[tuple[str, int], frozenset[str]] = {}
        self._value: dict[tuple[str, int], frozenset[str]] = {}
        # An entry's topic is needed only in conversations: analysed on first use, since a
        # large knowledge base would spend its start-up on it.
        self._topic_text: dict[str, str] = {}
        self._topic: dict[str, frozenset[str]] = {}
        # A fact's sentences, for the names they mention; analysed on first use too.
        self._sentence_text: dict[tuple[str, int], str] = {}
        self._sentence: dict[tuple[str, int], frozenset[str]] = {}
        self._types: dict[tuple[str, int], FactType] = {}
        for entry in entries:
            self._topic_text[entry.id] = f"{entry.topic} {entry.topic_en}"
            for position, fact in enumerate(entry.facts):
                self._types[entry.id, position] = fact.type
                self._sentence_text[entry.id, position] = f"{fact.ko} {fact.en}"
                self._value[entry.id, position] = frozenset(terms(fact.value))
                # Question words ("누가", "how many") say what is asked, not about what.
                self._about[entry.id, position] = frozenset(
                    t
                    for word in fact.about
                    if not is_question(word)
                    for t in terms(word)
                    if t not in QUESTION_WORDS
                )

    def about(self, entry_id: str, position: int) -> frozenset[str]:
        return self._about[entry_id, position]

    def value(self, entry_id: str, position: int) -> frozenset[str]:
        return self._value[entry_id, position]

    def topic(self, entry_id: str) -> frozenset[str]:
        found = self._topic.get(entry_id)
        if found is None:
            found = self._topic[entry_id] = frozenset(self._terms(self._topic_text[entry_id]))
        return found

    def sentence(self, entry_id: str, position: int) -> frozenset[str]:
        """The terms of the fact's own sentences ("일론 머스크는 테슬라의 창업주입니다")."""
        key = (entry_id, position)
        found = self._sentence.get(key)
        if found is None:
            found = self._sentence[key] = frozenset(self._terms(self._sentence_text[key]))
        return found

    @functools.cached_property
    def _together(self) -> frozenset[tuple[str, str]]:
        """Pairs of about-words that describe one fact together (상한 and 원화)."""
        return frozenset((a, b) for about in self._about.values() for a in about for b in about)

    @functools.cached_property
    def _alternatives(self) -> frozenset[tuple[str, str]]:
        """Pairs of about-words of two facts of one kind in one entry (한국 and 중국 scores)."""
        by_entry: dict[str, list[int]] = {}
        for entry, position in self._about:
            by_entry.setdefault(entry, []).append(position)
        pairs: set[tuple[str, str]] = set()
        for entry, positions in by_entry.items():  # per entry: 100,000 entries stay cheap
            for i in positions:
                for j in positions:
                    if j != i and self._types[entry, i] is self._types[entry, j]:
                        about, other = self._about[entry, i], self._about[entry, j]
                        pairs.update((a, b) for a in about for b in other)
        return frozenset(pairs)

    @functools.cached_property
    def _about_by_entry(self) -> dict[str, frozenset[str]]:
        found: dict[str, set[str]] = {}
        for (owner, _), about in self._about.items():
            found.setdefault(owner, set()).update(about)
        return {owner: frozenset(words) for owner, words in found.items()}

    def singles_out(self, entry_id: str, word: str) -> bool:
        """True when `word` says what one of the entry's facts is about (원화 of the salary)."""
        return word in self._about_by_entry.get(entry_id, ())

    def replaces(self, new: str, old: str) -> bool:
        """True when `new` takes the place of `old` in a follow-up ("중국은?" after "한국"):
        they tell apart facts of one kind, and no fact is about both (unlike 최대 and 원화)."""
        return new != old and (new, old) in self._alternatives and (new, old) not in self._together


@dataclass(frozen=True, slots=True)
class Question:
    """A question as the check reads it."""

    analysis: QuestionAnalysis
    terms: Sequence[QueryTerm]
    holder: Sequence[str] = ()
    """The analysed terms of whose name is asked ("카페 이름")."""
    which: Sequence[str] = ()
    """The analysed terms of the kind of thing asked ("which airport")."""
    pointed: Collection[str] = ()
    """In a follow-up, the terms of what the last answer named (what "거기" points to)."""


@dataclass(frozen=True, slots=True)
class Lookups:
    """What the check looks things up in, the same for every question."""

    facts: FactIndex
    mentions: Callable[[str, str], bool]
    """True when an entry's index has a term."""
    contrasts: Mapping[str, Iterable[str]]
    """Words the knowledge never uses → its terms they are siblings of (영국 → 일본)."""
    unwritten_name_strays: float = 0.5
    """ScoringPolicy.unwritten_name_strays."""


def check(entry: Entry, question: Question, lookups: Lookups) -> Check:
    """Whether `entry` states what `question` asks."""
    result = _check(entry, question, lookups)
    if question.analysis.in_words and result.ok:
        # "어떤 사자성어로 표현했어?": the entry's quote is the answer, so the entry need only be
        # the one the question is about.
        strays = _strays(entry, question.terms, lookups)
        result = dataclasses.replace(result, pinned=True, strays=strays)
    return result


def _check(entry: Entry, question: Question, lookups: Lookups) -> Check:
    analysis, terms, holder, which = (
        question.analysis,
        question.terms,
        question.holder,
        question.which,
    )
    facts, mentions, contrasts = lookups.facts, lookups.mentions, lookups.contrasts
    conflicts = tuple(
        t.text
        for t in terms
        # Another number than the entry states ("2025년까지"), or a sibling of a word the
        # entry uses ("영국" where it says 일본, "고등학교" where it says 대학교).
        if (_NUMBER_RE.fullmatch(t.text) and not mentions(entry.id, t.text))
        or (
            any(mentions(entry.id, sibling) for sibling in contrasts.get(t.text, ()))
            and not _contains_own_word(t.text, entry.id, mentions)
        )
    )
    kind = [t for t in which if not names_a_kind(t)]
    if kind and not any(mentions(entry.id, t) for t in kind):
        conflicts += (" ".join(kind),)  # "which airport" of an entry that names none
    # "2022년 이후" of a figure "2022년까지": the entry counts up to the year, not after it.
    conflicts += tuple(
        year for year in analysis.beyond if re.search(rf"{year}\s*년?\s*까지", entry.quote)
    )
    if conflicts or not entry.facts:
        return Check(conflicts=conflicts)
    asked = {t.text for t in terms} | {m for t in terms for m, _ in t.matches}
    positions = range(len(entry.facts))
    # How strongly the question is about each fact's subject ("한국" of five countries,
    # "상한" of two bounds), and which facts it states itself ("2013년에 나간 대회").
    subject = [len(facts.about(entry.id, i) & asked) for i in positions]
    given = [
        bool(facts.value(entry.id, i)) and facts.value(entry.id, i) <= asked for i in positions
    ]
    candidates = list(positions)
    if analysis.excluding:
        named = {m for t in terms if t.is_name for m, _ in t.matches}
        candidates = [i for i in candidates if not _names(facts, entry.id, i, named)]
        if not candidates:
            return Check(missing=analysis.answer_type, conflicts=tuple(sorted(named)))
    fact_of = entry.facts.__getitem__
    typed = [i for i in candidates if analysis.accepts(fact_of(i).type, fact_of(i).value)]
    # What the question states is context, not what it asks for, unless nothing else is left;
    # what a follow-up points back to ("거기 누가 세웠어?" after 오픈AI) is never its answer.
    unstated = [i for i in typed if not given[i]]
    restates = bool(typed) and not unstated
    typed = unstated or typed
    pointed_at = set(question.pointed)
    fresh = [i for i in typed if not facts.value(entry.id, i) <= pointed_at]
    if typed and not fresh and pointed_at:
        # Only the fact just given is of the asked kind: the follow-up asks about something
        # else ("계약 기간은?" after the service's 3 years), which this entry does not state.
        return Check(conflicts=tuple(sorted(pointed_at)))
    typed = fresh or typed
    if holder:
        # "카페 이름", "해킹동아리 이름": the name of something the entry is about, and not
        # of another fact's subject (the contest's name is not the club's).
        head = holder[-1]
        owners = [i for i in positions if head in facts.about(entry.id, i)]
        if owners:
            typed = [i for i in typed if i in owners]
        elif not mentions(entry.id, head):
            typed = []
    if not typed:
        return Check(missing=analysis.answer_type) if analysis.specific else Check()
    reasons = [i for i in typed if fact_of(i).type is FactType.REASON]
    if analysis.answer_type is AnswerType.REASON and len(reasons) == 1:
        typed = reasons  # "왜?" is answered by the reason, before anything he said
    best = max(subject[i] for i in typed)
    chosen = next(i for i in typed if subject[i] == best)
    same_type = [i for i in typed if fact_of(i).type is fact_of(chosen).type]
    # One item of several, singled out by the question's own words ("한국", "상한"): enough
    # to answer a long, specific question that matches no curated question closely.
    narrowed = best > 0 and any(subject[i] < best for i in same_type)
    # Or the question asks for the one fact of its kind, naming what it is about.
    # (A name the question gives must be the fact's or the entry's own subject, or named by
    # the fact's sentence: "머스크 나이" is not asked of the subheadline that names Musk beside
    # the interviewee's age; "머스크는 어느 회사 창업주야?" is of "머스크는 테슬라의 창업주".)
    own = (
        facts.about(entry.id, chosen)
        | facts.value(entry.id, chosen)
        | facts.topic(entry.id)
        | facts.sentence(entry.id, chosen)
    )
    names_own = analysis.excluding or all(
        m in own for t in terms if t.is_name for m, _ in t.matches
    )
    asked_for = analysis.specific and len(typed) == 1 and len(entry.facts) > 1 and names_own
    named = {m for t in terms if t.is_name for m, _ in t.matches}
    sibling = any(
        given[i] and fact_of(i).type is fact_of(chosen).type and facts.value(entry.id, i) & named
        for i in positions
    )
    if analysis.specific and not names_own and sibling:
        # "네이버 AI 연구조직 이름은?" of a list of firms (네이버, and 삼성·LG·현대차): the
        # question asks something of the one it names, not for the others of its kind.
        return Check(missing=analysis.answer_type)
    counted = facts.about(entry.id, chosen)
    if analysis.answer_type is AnswerType.COUNT and counted and not _share_a_stem(counted, asked):
        # A count answers only a question about what it counts: 7000명 is the shortage,
        # not "how many researchers there are now".
        return Check(missing=analysis.answer_type)
    strays = _strays(entry, terms, lookups)
    if narrowed or (analysis.specific and len(typed) == 1):
        return Check(
            fact=fact_of(chosen),
            pinned=narrowed or asked_for,
            strays=strays,
            restates=restates and analysis.specific,
        )
    if not analysis.specific and best > 0:
        # No kind asked, but the question names what one fact is about ("무슨 동아리 했어?"
        # of the entry on his award and his club): that fact answers. Of several, the one
        # named where the language puts what is asked: last in Korean ("동아리 활동하면서
        # 받은 award 뭐야"), first in English ("what was his major in college").
        korean_order = any(korean.HANGUL_RE.match(t.text) for t in terms)
        order = terms if korean_order else terms[::-1]
        last = [_last_named(facts.about(entry.id, i), order) for i in typed]
        if max(last) >= 0 and last.count(max(last)) == 1:
            named_last = typed[last.index(max(last))]
            return Check(fact=fact_of(named_last), pinned=True, strays=strays)
    # Several facts of the asked kind and none singled out ("연봉 얼마야": dollars and won,
    # both bounds): the entry's own answer states them all.
    return Check(strays=strays)


def _strays(entry: Entry, terms: Sequence[QueryTerm], lookups: Lookups) -> float:
    """The share of the question's weight in words the entry does not use: known words of
    other entries ("졸업 논문 주제" asked of the lecture's topic), and words the knowledge
    never uses ("개교", "토플"); words that frame the question ("어느 조직의", "소개됐어")
    and fragments aside, whichever entry uses them."""
    total = sum(t.weight for t in terms) or 1.0
    stray = 0.0
    for t in terms:
        if len(t.text) < 2 or t.text in QUESTION_WORDS or says_how(t.text):
            continue
        if names_a_kind(t.text):
            continue  # "number", "조직": the kind of answer, whichever entry uses the word
        if t.matches:
            if not any(lookups.mentions(entry.id, m) for m, _ in t.matches):
                stray += t.weight
        elif frames_the_question(t.text):
            continue  # weighs as a question word: what kind of answer, not what about
        elif korean.HANGUL_RE.match(t.text) or t.is_name:
            stray += t.weight  # another topic: "토플 점수", "Germany's score"
        else:
            # An unknown English word is as often a verb of the asking ("stack up", "sent
            # out") as a topic: it counts for less, unless written as a name.
            stray += t.weight * lookups.unwritten_name_strays
    return stray / total


def _last_named(about: frozenset[str], terms: Sequence[QueryTerm]) -> int:
    """The position of the question's last term that is one of `about`, or -1."""
    return max(
        (
            i
            for i, t in enumerate(terms)
            if t.text in about or any(m in about for m, _ in t.matches)
        ),
        default=-1,
    )


def _share_a_stem(words: Iterable[str], others: Iterable[str]) -> bool:
    """True when a word of one starts the other's (부족 and 부족하, 모자 and 모자라): the
    same word, whatever ending the analysis kept."""
    return any(
        a == b or (min(len(a), len(b)) >= 2 and (a.startswith(b) or b.startswith(a)))
        for a in words
        for b in others
    )


def _names(facts: FactIndex, entry_id: str, position: int, named: set[str]) -> bool:
    """True when the fact or its sentence names one of `named` (일론머스크 names 머스크;
    "제프 딘은 구글 브레인의 수장입니다" names 제프 딘)."""
    own = (
        facts.value(entry_id, position)
        | facts.about(entry_id, position)
        | facts.sentence(entry_id, position)
    )
    return any(name in term for name in named for term in own)


def _contains_own_word(word: str, entry_id: str, mentions: Callable[[str, str], bool]) -> bool:
    """True when a word of the entry's is part of `word` (석박사 holds 박사): a compound of
    the entry's own topic, not a sibling of it."""
    return any(
        mentions(entry_id, word[i:j])
        for i in range(len(word))
        for j in range(i + 2, len(word) + 1)
        if (i, j) != (0, len(word))
    )

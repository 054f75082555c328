"""The build-time half of matching: which terms point at which entries, and how strongly.

`analyse` reads every entry with the same analyser that will read the questions, and
returns the inverted index (term → entry → strength) that `bot.knowledge.database` stores.
The strengths come from `bot.answering.scoring.ScoringPolicy`, beside the query-time weights.
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from bot.answering import korean, neighbours
from bot.answering.analysis import is_question
from bot.answering.neighbours import Neighbours
from bot.answering.normalize import Analyzer, Normalizer, detect_lang
from bot.answering.scoring import DEFAULT_POLICY, ScoringPolicy
from bot.knowledge.files import KnowledgeSource
from bot.models import Entry

MAX_ANALYSIS_PASSES = 4


@dataclass(frozen=True, slots=True)
class Analysis:
    question_rows: list[tuple[str, int, str, str, str]]
    vocabulary: dict[tuple[str, str], float]
    names: list[str]
    lexicon: set[str]
    neighbours: Neighbours


def analyse(source: KnowledgeSource, policy: ScoringPolicy = DEFAULT_POLICY) -> Analysis:
    """Analyse every entry with the same analyser that will read the questions."""
    normalizer = Normalizer(source.aliases)
    names = sorted({t for n in source.names for t in normalizer.normalize(n).split()})
    plain = Analyzer(subject=source.subject)
    keywords = {
        entry.id: [
            term
            for keyword in entry.keywords
            for token in normalizer.normalize(keyword).split()
            for term in (plain.terms(token) or [token])
        ]
        for entry in source.entries
    }
    # The analyser splits unspaced text with known words, and what is known comes from the
    # analysis itself: start from the curated keywords and iterate until the vocabulary is
    # stable, so stored questions and incoming queries are analysed with the same lexicon.
    # The Korean words the curators wrote to single a fact out are words as written: 최대 is
    # not 최 + the ending 대. (English ones are stemmed like any other.)
    written_about = {
        token
        for entry in source.entries
        for fact in entry.facts
        for word in fact.about
        if not is_question(word)
        for token in normalizer.normalize(word).split()
        if len(token) > 1 and korean.HANGUL_RE.match(token)
    }
    lexicon = set(names).union(*keywords.values(), written_about)
    # Normalising does not depend on the lexicon, so each text is normalised once.
    normalize = functools.lru_cache(maxsize=None)(normalizer.normalize)
    for _ in range(MAX_ANALYSIS_PASSES):
        used = lexicon
        analyser = Analyzer(used, source.subject)
        question_rows, vocabulary = _index_entries(
            source.entries, normalize, analyser, keywords, policy
        )
        lexicon = used | {term for term, _ in vocabulary}
        if lexicon == used:
            break
    # The words that tell facts apart: what each fact is about, and the names. (Not the
    # facts' values: a value's neighbours are often its synonyms, 최근 ~ 올해.)
    topic_terms = set(names)
    for entry in source.entries:
        about = [word for fact in entry.facts for word in fact.about if not is_question(word)]
        topic_terms.update(t for word in about for t in analyser.terms(normalize(word)))
    # Every word the knowledge itself writes, analysed or as written: none of them is a
    # "contrast" or a stranger (최대 is the salary's own word, whatever its analysis).
    written = {
        token
        for entry in source.entries
        for text in (
            *entry.questions,
            *entry.keywords,
            entry.topic,
            *(word for fact in entry.facts for word in (*fact.about, fact.value)),
        )
        for token in normalize(text).split()
    }
    known = {term for term, _ in vocabulary} | used | written
    return Analysis(question_rows, vocabulary, names, used, neighbours.build(topic_terms, known))


def _index_entries(
    entries: tuple[Entry, ...],
    normalize: Callable[[str], str],
    analyser: Analyzer,
    keywords: dict[str, list[str]],
    policy: ScoringPolicy,
) -> tuple[list[tuple[str, int, str, str, str]], dict[tuple[str, str], float]]:
    question_rows: list[tuple[str, int, str, str, str]] = []
    vocabulary: dict[tuple[str, str], float] = {}

    def add(entry_id: str, terms: list[str], strength: float) -> None:
        for term in terms:
            key = (term, entry_id)
            vocabulary[key] = max(vocabulary.get(key, 0.0), strength)
            # Index the parts of compounds too, so "군 복무" finds an entry that says 군복무.
            for part in analyser.split_compound(term):
                key = (part, entry_id)
                vocabulary[key] = max(vocabulary.get(key, 0.0), strength * policy.compound_part)

    for entry in entries:
        # A word the entry's curators used again and again is what the entry is about; one
        # that turns up in a single question is incidental ("군 복무 중에 면접 봤냐").
        mentions: Counter[str] = Counter()
        mentions.update({term: policy.keyword_mentions for term in keywords[entry.id]})
        for position, text in enumerate(entry.questions):
            terms = analyser.terms(normalize(text))
            question_rows.append((entry.id, position, text, detect_lang(text), " ".join(terms)))
            mentions.update(set(terms))
        for text in (entry.topic, entry.topic_en):
            mentions.update(set(analyser.terms(normalize(text))))
        for term, count in mentions.items():
            add(entry.id, [term], policy.curated_strength(count))
        for text in (entry.quote, entry.answer_ko, entry.answer_en):
            add(entry.id, analyser.terms(normalize(text)), policy.derived)
        # What the facts are about ("최대", "원화") and their sentences: the words people
        # use to single one out, written by the curators but less central than keywords.
        for fact in entry.facts:
            for text in (*fact.about, fact.value, fact.ko, fact.en):
                add(entry.id, analyser.terms(normalize(text)), policy.derived)
        for words in answer_types(f"{entry.quote} {entry.answer_ko}"):
            add(entry.id, analyser.terms(normalize(words)), policy.answer_type)
    return question_rows, vocabulary


# What kind of answer an entry gives, read off its text, as the question words that ask for
# it: an entry quoting "2013년" answers "언제"/"몇 년도" even if no curated question says so.
_ANSWER_TYPES = (
    (
        re.compile(r"\d+\s*(?:년|월|일)|\d{4}/\d{2}/\d{2}|다음달|올 초|오전|오후"),
        "언제 년도 when year",
    ),
    (re.compile(r"달러|\d+\s*억|\d+\s*만\s*원"), "얼마 how much"),
    (re.compile(r"\d+\s*(?:명|여 차례|차례|번)"), "몇 how many"),
    (re.compile(r"\d+\s*세"), "몇 살 나이 how old"),
)


def answer_types(text: str) -> list[str]:
    """Question words that ask for the kinds of facts `text` states."""
    return [words for pattern, words in _ANSWER_TYPES if pattern.search(text)]

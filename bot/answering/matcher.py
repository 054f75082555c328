"""Find the knowledge entries that answer a question.

Scoring, in short: a question's informative terms are weighted by rarity (idf); a term that
the knowledge base has never seen weighs as much as the rarest known term, because it
usually means the question is about something else ("김태훈 결혼했어?"). An entry's score
mixes how much of that weight it covers with how closely the question resembles one of its
curated questions. Naming a person or organisation the entry never mentions halves the
score, so "머스크 나이" is not answered with the interviewee's age.

Scores run from 0 to 100; the formula and every weight are in `bot.answering.scoring`.

Speed: coverage is summed over posting arrays with numpy (one vector operation per query
term instead of one dictionary update per entry), and re-ranking stops as soon as no
remaining candidate can reach the top `limit`, so a question costs little more at 100,000
entries than at 57 (see docs/benchmarks.md).
"""

from __future__ import annotations

import bisect
import heapq
import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from bot.answering import korean
from bot.answering.analysis import frames_the_question
from bot.answering.cache import ByteBoundedCache
from bot.answering.normalize import Analyzer, Normalizer
from bot.answering.scoring import DEFAULT_POLICY, ScoringPolicy
from bot.answering.typos import TypoIndex
from bot.knowledge.database import CompiledKnowledge
from bot.models import Entry

ANSWER_THRESHOLD = DEFAULT_POLICY.answer_threshold
QUESTION_WORDS = frozenset(
    "언제 어디 누구 얼마 몇 무엇 왜 when where who what whi much mani old".split()
)
"""What a question asks for, as the analyser's terms (English ones are Snowball stems: why →
whi, many → mani); an entry none of whose terms answer that kind is a weaker match."""
QUESTION_WORD_WEIGHT = 1.0
"""An unknown word that only says what kind of answer is wanted weighs like a question word."""
RESOLVE_CACHE_BYTES = 8 * 1024 * 1024  # bounded by bytes: query terms can be long
EAGER_POSTINGS = 256
"""Posting lists at least this long become arrays at load time; shorter ones on first use."""

_Postings = tuple[npt.NDArray[np.intp], npt.NDArray[np.float64]]


@dataclass(frozen=True, slots=True)
class Match:
    """An entry and how well it answers the question."""

    entry: Entry
    score: float
    coverage: float
    question: str


@dataclass(frozen=True, slots=True)
class QueryTerm:
    """A question's term and the vocabulary terms it stands for."""

    text: str
    weight: float
    matches: tuple[tuple[str, float], ...]  # (vocabulary term, similarity)
    is_name: bool


class Matcher:
    """An in-memory index over one compiled knowledge base."""

    def __init__(
        self, compiled: CompiledKnowledge, *, policy: ScoringPolicy = DEFAULT_POLICY
    ) -> None:
        self.knowledge = compiled
        self.policy = policy
        self.normalizer = Normalizer(compiled.aliases)
        found = compiled.neighbours
        self.not_typos = found.real_words | found.contrasts.keys()
        # Contrast words are kept whole (고등학교, not 고등 + 학교); real words only escape the
        # typo correction, the analyser reads them as any other word.
        self.analyzer = Analyzer(compiled.lexicon, compiled.subject, found.contrasts.keys())
        self.entries = {e.id: e for e in compiled.entries}
        self._entry_ids = [e.id for e in compiled.entries]
        self._entry_index = {entry_id: i for i, entry_id in enumerate(self._entry_ids)}
        # Equal coverage is decided by entry id, as equal scores are in `find`.
        self._id_rank = np.empty(len(self._entry_ids), dtype=np.intp)
        self._id_rank[np.argsort(np.array(self._entry_ids, dtype=object))] = np.arange(
            len(self._entry_ids)
        )
        count = max(len(self.entries), 1)
        self._idf = {t: math.log(1 + count / len(p)) for t, p in compiled.vocabulary.items()}
        self._unknown_weight = math.log(1 + count)
        self._sorted_terms = sorted(compiled.vocabulary)
        self._typos = TypoIndex(self._sorted_terms)
        self._resolved: ByteBoundedCache[str, QueryTerm] = ByteBoundedCache(RESOLVE_CACHE_BYTES)
        # Long posting lists are converted up front so no question pays for the conversion.
        self._postings: dict[str, _Postings] = {
            term: self._to_arrays(postings)
            for term, postings in compiled.vocabulary.items()
            if len(postings) >= EAGER_POSTINGS
        }
        # Per entry: each curated question's text and total idf weight, and for each term
        # the positions of the questions that use it.
        self._questions: dict[str, list[tuple[str, float]]] = defaultdict(list)
        self._questions_using: dict[str, dict[str, list[int]]] = defaultdict(dict)
        for q in compiled.questions:
            unique = set(q.terms)
            weight = sum(self._idf.get(t, 0.0) for t in unique)
            position = len(self._questions[q.entry_id])
            self._questions[q.entry_id].append((q.text, weight))
            using = self._questions_using[q.entry_id]
            for term in unique:
                using.setdefault(term, []).append(position)

    def terms(self, text: str) -> list[str]:
        """The analysed terms of `text`, as the matcher sees them."""
        return self.analyzer.terms(self.normalizer.normalize(text))

    def query_terms(self, query: str) -> list[QueryTerm]:
        """The analysed terms of `query`, each with the vocabulary terms it stands for."""
        return [self._resolve(t) for t in self.terms(query)]

    def mentions(self, entry_id: str, vocabulary_term: str) -> bool:
        """True when the entry's index has `vocabulary_term`."""
        return entry_id in self.knowledge.vocabulary.get(vocabulary_term, ())

    def resolve(self, term: str) -> QueryTerm:
        """One analysed term with the vocabulary terms it stands for."""
        return self._resolve(term)

    def find(self, query: str, *, limit: int = 3, score_cutoff: float = 0.0) -> list[Match]:
        """The best entries for `query`, best first, scoring at least `score_cutoff`."""
        return self.rank(self.query_terms(query), limit=limit, score_cutoff=score_cutoff)

    def rank(
        self, terms: Sequence[QueryTerm], *, limit: int = 3, score_cutoff: float = 0.0
    ) -> list[Match]:
        """The best entries for already analysed `terms` (a question, or one in context)."""
        total = sum(t.weight for t in terms)
        if not terms or total <= 0:
            return []
        policy = self.policy
        share = policy.coverage_share
        coverage = self._coverage(terms)
        asked = [t.text for t in terms if t.text in QUESTION_WORDS]
        matches: list[Match] = []
        best_scores: list[float] = []  # min-heap of the `limit` best scores so far
        for index in self._candidates(coverage):
            cov = float(coverage[index]) / total
            # The factors only lower a score, and the similarity is bounded by the coverage:
            # a curated question's terms point at its entry with at least `curated_once`
            # strength, so its recall is at most cov / curated_once, and F1 ≤ 2r / (1 + r).
            # Once even that cannot reach the top `limit` or the cutoff, no later candidate
            # (they come in falling coverage) can either.
            recall = min(1.0, cov / policy.curated_once)
            ceiling = 100 * (share * cov + (1 - share) * 2 * recall / (1 + recall))
            if ceiling < score_cutoff or (len(best_scores) >= limit and ceiling < best_scores[0]):
                break
            entry_id = self._entry_ids[index]
            factor = 1.0
            if any(t.is_name and not self._mentions(entry_id, t) for t in terms):
                factor *= policy.name_mismatch_factor
            if asked and not any(entry_id in self.knowledge.vocabulary.get(w, ()) for w in asked):
                factor *= policy.question_word_mismatch_factor
            if factor * ceiling < score_cutoff or (
                len(best_scores) >= limit and factor * ceiling < best_scores[0]
            ):
                continue  # a later candidate may still do better: it may lack the penalty
            similarity, question = self._question_similarity(entry_id, terms, total)
            score = 100 * (share * cov + (1 - share) * similarity) * factor
            if len(best_scores) < limit:
                heapq.heappush(best_scores, score)
            elif score > best_scores[0]:
                heapq.heapreplace(best_scores, score)
            if score >= score_cutoff:
                matches.append(Match(self.entries[entry_id], min(score, 100.0), cov, question))
        matches.sort(key=lambda m: (-m.score, m.entry.id))
        return matches[:limit]

    def _coverage(self, terms: Sequence[QueryTerm]) -> npt.NDArray[np.float64]:
        """Per entry, the idf weight of the query it covers (each term at its best match)."""
        coverage = np.zeros(len(self._entry_ids))
        for term in terms:
            if len(term.matches) == 1:
                ((vocab_term, similarity),) = term.matches
                indices, strengths = self._postings_of(vocab_term)
                coverage[indices] += (term.weight * similarity) * strengths
            elif term.matches:
                best = np.zeros_like(coverage)
                for vocab_term, similarity in term.matches:
                    indices, strengths = self._postings_of(vocab_term)
                    best[indices] = np.maximum(best[indices], similarity * strengths)
                coverage += term.weight * best
        return coverage

    def _candidates(self, coverage: npt.NDArray[np.float64]) -> list[int]:
        """The `rerank_candidates` entries of highest coverage, highest first, ties by id."""
        limit = self.policy.rerank_candidates
        touched = np.flatnonzero(coverage)
        if len(touched) > limit:
            # A big knowledge base has many entries of exactly equal coverage; which of them
            # make the cut must not depend on array order.
            values = coverage[touched]
            cut = np.partition(values, -limit)[-limit]
            above = touched[values > cut]
            tied = touched[values == cut]
            tied = tied[np.argsort(self._id_rank[tied])][: limit - len(above)]
            touched = np.concatenate([above, tied])
        order = np.lexsort((self._id_rank[touched], -coverage[touched]))
        return [int(i) for i in touched[order]]

    def _postings_of(self, term: str) -> _Postings:
        postings = self._postings.get(term)
        if postings is None:
            postings = self._postings[term] = self._to_arrays(self.knowledge.vocabulary[term])
        return postings

    def _to_arrays(self, postings: dict[str, float]) -> _Postings:
        index = self._entry_index
        indices = np.fromiter((index[e] for e in postings), dtype=np.intp, count=len(postings))
        strengths = np.fromiter(postings.values(), dtype=np.float64, count=len(postings))
        return indices, strengths

    def _resolve(self, text: str) -> QueryTerm:
        """Find the vocabulary terms `text` stands for: exact, a prefix, or a typo away."""
        cached = self._resolved.get(text)
        if cached is None:
            cached = self._resolved.put(text, self._resolve_uncached(text))
        return cached

    def _resolve_uncached(self, text: str) -> QueryTerm:
        vocabulary = self.knowledge.vocabulary
        if text not in vocabulary and frames_the_question(text):
            # "기간", "조직", "표현": what kind of answer is wanted, or how it is put; not a
            # topic the article lacks.
            return QueryTerm(text, QUESTION_WORD_WEIGHT, (), False)
        if text in vocabulary:
            weight = self._idf[text] * (
                self.policy.subject_weight if text == self.knowledge.subject.term else 1.0
            )
            return QueryTerm(text, weight, ((text, 1.0),), text in self.knowledge.names)
        # A real word the knowledge does not use (형제, a sibling word) is never read as a
        # typo or a part of a known word; only a known word with a noun suffix (최대치 → 최대)
        # stands for that word.
        real = text in self.not_typos
        found: dict[str, float] = {}
        if korean.HANGUL_RE.match(text):
            # Known words that start the query term (졸업식 → 졸업),
            # or that it starts (인공지 → 인공지능). English has its stemmer instead.
            for cut in range(len(text) - 1, 1, -1):
                if text[:cut] in vocabulary:
                    if not real or (
                        cut == len(text) - 1
                        and text[-1] in korean.NOUN_SUFFIXES
                        and text not in self.knowledge.neighbours.contrasts
                    ):
                        found[text[:cut]] = self.policy.prefix_similarity
                    break
            if len(text) >= 2 and not real:
                start = bisect.bisect_left(self._sorted_terms, text)
                for term in self._sorted_terms[start : start + 5]:
                    if term.startswith(text):
                        found.setdefault(term, self.policy.prefix_similarity)
        if not real:
            # Keyboard-aware: 연뵹 → 연봉 (neighbouring keys) passes, 인구 → 연구 does not.
            for term, similarity in self._typos.lookup(text, cutoff=self.policy.fuzzy_cutoff):
                found[term] = max(found.get(term, 0.0), similarity)
        if not found and not real:
            # An unknown compound of known words (갔다오 = 갔다 + 오) matches its parts.
            parts = [p for p in self.analyzer.split_compound(text) if p in vocabulary]
            found = dict.fromkeys(parts, self.policy.compound_similarity)
        if not found:
            # A proper noun no entry uses names something the article does not mention
            # (아마존 beside 구글): like a known name an entry never mentions, it lowers every
            # entry's score.
            unknown_name = text in self.knowledge.neighbours.proper_nouns
            return QueryTerm(text, self._unknown_weight, (), unknown_name)
        weight = max(self._idf[t] * s for t, s in found.items())
        is_name = any(t in self.knowledge.names for t in found)
        return QueryTerm(text, weight, tuple(found.items()), is_name)

    def _mentions(self, entry_id: str, term: QueryTerm) -> bool:
        return any(
            entry_id in self.knowledge.vocabulary[t]
            for t, _ in term.matches
            if t in self.knowledge.names
        )

    def _question_similarity(
        self, entry_id: str, terms: Sequence[QueryTerm], total: float
    ) -> tuple[float, str]:
        """Weighted F1 between the query's terms and the closest curated question's terms."""
        using = self._questions_using.get(entry_id)
        if not using:
            return 0.0, ""
        idf = self._idf
        covered: dict[int, float] = {}  # question -> query weight it covers
        hit_weight: dict[int, float] = {}  # question -> idf of its terms the query hit
        hits: set[tuple[int, str]] = set()
        for term in terms:
            if len(term.matches) == 1:  # the usual case, without the per-question best
                ((vocab_term, s),) = term.matches
                gained = term.weight * s
                for position in using.get(vocab_term, ()):
                    covered[position] = covered.get(position, 0.0) + gained
                    if (position, vocab_term) not in hits:
                        hits.add((position, vocab_term))
                        hit_weight[position] = hit_weight.get(position, 0.0) + idf.get(
                            vocab_term, 0.0
                        )
                continue
            similarity: dict[int, float] = {}
            for vocab_term, s in term.matches:
                for position in using.get(vocab_term, ()):
                    if s > similarity.get(position, 0.0):
                        similarity[position] = s
                        if (position, vocab_term) not in hits:
                            hits.add((position, vocab_term))
                            hit_weight[position] = hit_weight.get(position, 0.0) + idf.get(
                                vocab_term, 0.0
                            )
            weight = term.weight
            for position, s in similarity.items():
                covered[position] = covered.get(position, 0.0) + weight * s
        questions = self._questions[entry_id]
        best, best_text = 0.0, ""
        for position in sorted(covered):  # question order breaks ties
            text, question_weight = questions[position]
            if not question_weight:
                continue
            recall = covered[position] / total
            precision = hit_weight[position] / question_weight
            if recall + precision > 0:
                f1 = 2 * recall * precision / (recall + precision)
                if f1 > best:
                    best, best_text = f1, text
        return best, best_text

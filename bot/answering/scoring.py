"""Every weight of matching in one place: how the index is built and how entries are scored.

An entry's score (0–100) mixes two things:

* coverage: how much of the question's idf weight the entry's terms cover, each question term
  at its best match (exact 1.0, a prefix or compound part `prefix_similarity`, a typo its
  keyboard-aware similarity), times the term's strength for that entry;
* similarity: the weighted F1 between the question's terms and the closest curated question.

    score = 100 · (coverage_share · coverage + (1 − coverage_share) · similarity)

then lowered by `name_mismatch_factor` when the question names a person or organisation the
entry never mentions, and by `question_word_mismatch_factor` when it asks "when/where/who/
how much" and the entry has no term of that kind. Below `answer_threshold` the engine declines.

Strengths (build time): a term from the curators (questions, keywords, topic) weighs
`curated_once` when it occurs once and `curated_step` more per further occurrence, up to
`curated`; keywords count as `keyword_mentions` occurrences. Terms read off the answer and
quote weigh `derived`; the parts of a compound `compound_part` of the whole; the question
words an entry's facts answer (a year answers 언제) `answer_type`.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ScoringPolicy:
    """The weights of indexing and scoring; tuned on the dev set, checked on held-out sets."""

    # Build time: term strengths.
    curated: float = 1.0
    curated_once: float = 0.8
    curated_step: float = 0.1
    keyword_mentions: int = 2
    derived: float = 0.6
    compound_part: float = 0.9
    answer_type: float = 0.5
    # Query time: resolving a question's terms against the vocabulary.
    fuzzy_cutoff: float = 0.85
    prefix_similarity: float = 0.85
    compound_similarity: float = 0.85
    subject_weight: float = 0.3
    """The interviewee's name: nearly every fact is about him, so it tells facts apart little."""
    # Query time: the score.
    coverage_share: float = 0.65
    name_mismatch_factor: float = 0.5
    question_word_mismatch_factor: float = 0.85
    answer_threshold: float = 55.0
    pinned_threshold: float = 42.0
    """A lower bar for an entry whose fact the question singles out by its own words
    ("한국 수치만"): long, specific questions cover less of any one curated question."""
    pinned_max_strays: float = 0.3
    """…as long as at most this share of the question is words the entry does not use."""
    rerank_candidates: int = 30
    other_topic_strays: float = 0.25
    other_topic_entries: int = 2
    other_topic_syllables: int = 3
    """A strong match still does not answer when this share of the question is words it does
    not use, among them the topic of at most `other_topic_entries` other entries: a word of
    their topic, or a curated Korean word of this many syllables or more (a shorter one is as
    often a verb). The question is about their subject ("산업기능요원으로 근무한 회사")."""
    unwritten_name_strays: float = 0.5
    """How much of its weight an unknown English word counts against an entry, unless written
    as a name: it is as often a verb of the asking ("stack up", "sent out")."""
    # Conversations.
    context_threshold: float = 20.0
    """A follow-up may be answered at this score by an entry on the conversation's topic that
    states the asked kind of fact ("그거 얼마 동안 했어?" after the military service)."""
    context_grounding: float = 3.0
    """A follow-up may be answered from another entry than the last one only if that entry
    shares this much idf weight of the conversation's topic (one distinctive word)."""

    def curated_strength(self, occurrences: int) -> float:
        """How strongly a curated term points at its entry, by how often curators used it."""
        return min(self.curated, self.curated_once + self.curated_step * (occurrences - 1))


DEFAULT_POLICY = ScoringPolicy()

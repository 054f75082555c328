"""Build-time Korean word knowledge from kiwipiepy's CoNg embeddings, never used at query time.

Three lists are computed when the knowledge is compiled and stored with it:

* contrast words: the distributional neighbours of the knowledge's own topic words that it
  never uses. Neighbours are mostly siblings and antonyms (대학교 ~ 고등학교, 졸업 ~ 입학,
  출국 ~ 입국, 일본 ~ 영국), so a question naming one asks about something the article does
  not cover; the engine declines it instead of answering the neighbouring fact.
* real words near the vocabulary: dictionary words one keystroke away from a known term
  (형제 ~ 현재). They are not typos, so the matcher does not correct them.
* proper nouns the knowledge never uses (베트남, 아마존): a question that names one is about
  something else, however well its other words match ("베트남 AI 기술 수준").

kiwipiepy loads in about half a second with its small dictionaries; loading it at query time
would cost more than a whole cold `ask`, so the engine only reads what the build stored.
Without kiwipiepy (a platform with no wheel) the lists are empty and matching works as
before, a little less careful.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from bot.answering.typos import TypoIndex

log = logging.getLogger(__name__)

EMBEDDED_MORPHEMES = 80_000
"""Kiwi's morpheme ids are roughly by frequency, and only the first ~70,500 have embeddings."""
NEIGHBOURS = 30
MIN_SIMILARITY = 0.6
MIN_SPREAD = 0.04
"""A word whose best neighbour is barely closer than its 100th has a degenerate embedding."""
TYPO_CUTOFF = 0.85
_CONTENT_TAGS = ("NNG", "NNP", "VV", "VA")
_HANGUL_WORD = re.compile(r"[가-힣]{2,}")


@dataclass(frozen=True, slots=True)
class Neighbours:
    """What the build learned about words the knowledge itself does not use."""

    contrasts: dict[str, frozenset[str]] = field(default_factory=dict)
    """A word → the knowledge's terms it is a sibling or antonym of."""
    real_words: frozenset[str] = frozenset()
    """Dictionary words within one typo of a known term: never corrected to it."""
    proper_nouns: frozenset[str] = frozenset()
    """The dictionary's proper nouns the knowledge never uses (베트남, 토플, 아마존): a
    question naming one asks about something the article does not mention."""


def version() -> str:
    """kiwipiepy's version, or "" without it: part of the build fingerprint."""
    try:
        from importlib.metadata import version as package_version

        return package_version("kiwipiepy")
    except Exception:
        return ""


def build(topic_terms: Iterable[str], vocabulary: Iterable[str]) -> Neighbours:
    """Contrast words for `topic_terms`, and real words near `vocabulary`."""
    kiwi = _kiwi()
    if kiwi is None:
        return Neighbours()
    known = set(vocabulary)
    ids = _morpheme_ids(kiwi)
    contrasts: dict[str, set[str]] = {}
    for term in sorted(set(topic_terms)):
        for word in _neighbours(kiwi, ids, term):
            # 졸업식 is a kind of 졸업, found by prefix anyway; only other words contrast.
            if word not in known and term not in word:
                contrasts.setdefault(word, set()).add(term)
    typos = TypoIndex(sorted(known))
    # Common nouns and verbs only: a rare proper noun (임태훈) is likelier a typo of a known
    # name than the name of someone else.
    real = {
        form
        for form, tag in ids
        if tag != "NNP" and form not in known and typos.lookup(form, cutoff=TYPO_CUTOFF)
    }
    tags: dict[str, set[str]] = {}
    for form, tag in ids:
        tags.setdefault(form, set()).add(tag)
    # Only forms that are never a common word (인도 is India, but also a sidewalk).
    proper = {form for form, kinds in tags.items() if kinds == {"NNP"} and form not in known}
    return Neighbours(
        {w: frozenset(t) for w, t in contrasts.items()}, frozenset(real), frozenset(proper)
    )


@functools.cache
def _kiwi() -> Any:
    try:
        from kiwipiepy import Kiwi
    except ImportError:
        log.warning("kiwipiepy is not installed: building without contrast words")
        return None
    # The small dictionaries are enough for morphemes and their embeddings, and load 3x faster.
    return Kiwi(
        model_type="cong", load_default_dict=False, load_multi_dict=False, load_typo_dict=False
    )


@functools.cache
def _morpheme_ids(kiwi: Any) -> dict[tuple[str, str], int]:
    """(form, tag) → the lowest morpheme id: the most frequent sense of that form."""
    ids: dict[tuple[str, str], int] = {}
    for morpheme_id in range(EMBEDDED_MORPHEMES):
        try:
            morpheme = kiwi.morpheme(morpheme_id)
        except Exception:  # past the last id
            break
        tag = str(morpheme.tag).split("-")[0]
        if tag in _CONTENT_TAGS and _HANGUL_WORD.fullmatch(morpheme.form):
            ids.setdefault((morpheme.form, tag), morpheme_id)
    return ids


def _neighbours(kiwi: Any, ids: dict[tuple[str, str], int], term: str) -> list[str]:
    """Content-word neighbours of `term` (its most frequent sense), closest first."""
    senses = [ids[term, tag] for tag in _CONTENT_TAGS if (term, tag) in ids]
    if not senses:
        return []
    similar = kiwi.most_similar_morphemes(min(senses), top_n=100)
    if not similar or similar[0].score - similar[-1].score < MIN_SPREAD:
        return []
    words: list[str] = []
    for morpheme in similar[:NEIGHBOURS]:
        tag = str(morpheme.tag).split("-")[0]
        if morpheme.score < MIN_SIMILARITY:
            break
        if tag in ("NNG", "NNP") and _HANGUL_WORD.fullmatch(morpheme.form):
            words.append(morpheme.form)
    return words

"""Typo look-up over a vocabulary in time independent of its size.

A delete-neighbourhood index (the SymSpell idea): every word's jamo spelling is stored under
itself and under each spelling with one jamo deleted. A typo one edit away — a substitution,
an extra or a missing jamo — shares one of those keys with the word it was meant to be, so
a query costs a few dictionary look-ups instead of a scan of the whole vocabulary. The
candidates are then scored with the keyboard-aware distance in `korean.typo_similarity`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from bot.answering import korean

MIN_KEY_LENGTH = 4
"""Shorter jamo spellings (one syllable, or two light ones) are too ambiguous to correct."""


def _deletes(key: str) -> set[str]:
    return {key[:i] + key[i + 1 :] for i in range(len(key))}


class TypoIndex:
    """Finds the vocabulary words within one jamo edit of a (mis)typed word."""

    def __init__(self, words: Iterable[str]) -> None:
        self._keys: dict[str, str] = {}
        self._neighbours: dict[str, list[str]] = defaultdict(list)
        for word in words:
            key = korean.typo_key(word)
            if len(key) < MIN_KEY_LENGTH:
                continue
            self._keys[word] = key
            for variant in {key} | _deletes(key):
                self._neighbours[variant].append(word)

    def lookup(self, word: str, *, cutoff: float) -> list[tuple[str, float]]:
        """(word, similarity) for every known word at least `cutoff` similar, best first."""
        key = korean.typo_key(word)
        if len(key) < MIN_KEY_LENGTH:
            return []
        candidates: set[str] = set()
        for variant in {key} | _deletes(key):
            candidates.update(self._neighbours.get(variant, ()))
        scored = [(c, korean.typo_similarity(key, self._keys[c])) for c in candidates if c != word]
        return sorted(
            ((c, s) for c, s in scored if s >= cutoff), key=lambda pair: (-pair[1], pair[0])
        )

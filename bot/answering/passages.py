"""The article as a sequence of sentences, and which entries quote which of them.

"더 자세히" after an answer asks for more of the same passage: the entries quoting the same
sentence or the next one ("오픈소스는 …을 말한다" is followed by why it helps), quoted whole.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from bot.knowledge.files import fold_whitespace, sentence_spans
from bot.models import Entry


@dataclass(frozen=True, slots=True)
class Passage:
    """A run of whole sentences, verbatim, and the entries that quote inside it."""

    quote: str
    entry_ids: tuple[str, ...]


class Passages:
    """Where each entry's quote sits among the article's sentences."""

    def __init__(self, body: str, entries: Iterable[Entry]) -> None:
        self._body = fold_whitespace(body)
        self._spans = sentence_spans(body)
        self._sentences: dict[str, range] = {}
        for entry in entries:
            at = self._body.find(fold_whitespace(entry.quote))
            if at < 0 or not entry.quote:
                continue
            end = at + len(fold_whitespace(entry.quote))
            touched = [i for i, (s, e) in enumerate(self._spans) if s < end and e > at]
            if touched:
                self._sentences[entry.id] = range(touched[0], touched[-1] + 1)

    def around(self, entry_id: str) -> Passage:
        """The entry's sentences and the next one, with the entries quoting in them."""
        own = self._sentences.get(entry_id)
        if own is None:
            return Passage("", (entry_id,))
        window = range(own.start, min(own.stop + 1, len(self._spans)))
        inside = sorted(
            (ids.start, entry) for entry, ids in self._sentences.items() if _overlap(ids, window)
        )
        start = self._spans[window.start][0]
        end = self._spans[window.stop - 1][1]
        return Passage(self._body[start:end], tuple(entry for _, entry in inside))

    def after(self, entry_id: str) -> str | None:
        """The entry quoting the sentence right after this entry's: what the article says next."""
        own = self._sentences.get(entry_id)
        if own is None:
            return None
        following = sorted(
            (ids.start, -len(ids), entry)
            for entry, ids in self._sentences.items()
            if ids.start >= own.stop
        )
        return following[0][2] if following else None


def _overlap(a: range, b: range) -> bool:
    return a.start < b.stop and b.start < a.stop

"""The article as a sequence of sentences, and which entries quote which of them.

"더 자세히" after an answer asks for more of the same passage: the entries quoting the same
sentence or the next one ("오픈소스는 …을 말한다" is followed by why it helps), quoted whole.
"그 다음은?" asks for what the article says next.

Worked out on demand, one entry at a time: finding every quote in a long article up front
would cost a large knowledge base seconds at start-up, for a question rarely asked.
"""

from __future__ import annotations

import bisect
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
    """Where entries' quotes sit among the article's sentences."""

    def __init__(self, body: str, entries: Iterable[Entry]) -> None:
        self._raw = body
        self._entries = tuple(entries)
        self._quotes = {entry.id: fold_whitespace(entry.quote) for entry in self._entries}
        self._body = ""
        self._spans: list[tuple[int, int]] = []
        self._starts: list[int] = []

    def around(self, entry_id: str) -> Passage:
        """The entry's sentences and the next one, with the entries quoting in them."""
        own = self._sentences(entry_id)
        if own is None:
            return Passage("", (entry_id,))
        window = range(own.start, min(own.stop + 1, len(self._spans)))
        text = self._text(window)
        inside = self._quoting(text, window)
        return Passage(text, tuple(entry for _, entry in inside))

    def after(self, entry_id: str) -> str | None:
        """The entry quoting the sentence right after this entry's: what the article says next."""
        own = self._sentences(entry_id)
        if own is None:
            return None
        for following in range(own.stop, len(self._spans)):
            window = range(following, following + 1)
            found = self._quoting(self._text(window), window)
            if found:
                return found[0][1]
        return None

    def _sentences(self, entry_id: str) -> range | None:
        """The sentences the entry's quote covers, or None when it is not in the body."""
        if not self._spans:
            self._body = fold_whitespace(self._raw)
            self._spans = sentence_spans(self._raw)
            self._starts = [start for start, _ in self._spans]
        quote = self._quotes.get(entry_id, "")
        at = self._body.find(quote) if quote else -1
        if at < 0:
            return None
        first = max(bisect.bisect_right(self._starts, at) - 1, 0)
        last = max(bisect.bisect_left(self._starts, at + len(quote)) - 1, first)
        return range(first, last + 1)

    def _text(self, window: range) -> str:
        return self._body[self._spans[window.start][0] : self._spans[window.stop - 1][1]]

    def _quoting(self, text: str, window: range) -> list[tuple[int, str]]:
        """Entries whose quote lies in `text` (the sentences of `window`), in article order."""
        found = []
        for entry in self._entries:
            quote = self._quotes[entry.id]
            at = text.find(quote) if quote else -1
            if at >= 0:
                found.append((at, entry.id))
        return sorted(found)

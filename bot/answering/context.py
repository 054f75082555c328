"""Conversations: what a follow-up question refers to.

After "김태훈 연봉 얼마야?", "원화로는?" means the salary in won, "그거 얼마 동안 했어?" after the
military-service answer means that service, and "더 자세히" asks for more of the same topic.
A `Turn` remembers what the last answer was found with; `Conversations` keeps one per chat,
bounded and forgotten after a few idle minutes. Nothing here knows about Telegram, and
nothing is written to disk.
"""

from __future__ import annotations

import re
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass

from bot.answering.analysis import QuestionAnalysis

# Words that point back: 그거, 거기, 걔, 그 사람, 그때, he, it, there, that …
_POINTING_BACK = re.compile(
    r"(?:^|\s)(?:그|저)\s*(?:사람|분|교수|회사|기업|연구소|기관|대회|논문|학교|대학|카페|곳|때|"
    r"거|게|건|걸|것|연봉|병역|일|얘기|전|뒤|후|나라|수치)|(?:^|\s)이\s*사람|거기|걔|얘|그분|그거|"
    r"그게|그건|그걸|그때|그곳|그런|그럼|그러면|"
    r"\b(?:he|she|it|its|they|them|their|his|her|him|there|that|those)\b",
    re.IGNORECASE,
)
# Openings that continue the last exchange: "and Japan?", "what about…", "근데", "그리고".
_CONTINUING = re.compile(
    r"^\s*(?:and|also|what about|how about|then|so|근데|그리고|그럼|그러면|또|그래서)\b",
    re.IGNORECASE,
)
# "더 자세히", "tell me more": more of the same topic.
_MORE = re.compile(
    r"더\s*자세히|자세히|좀\s*더|더\s*알려|더\s*말해|자세한|구체적으로|specifically|"
    r"tell me more|more (?:about|details?|info)|\belaborate\b|in detail|go on",
    re.IGNORECASE,
)


# "그 다음은?", "다 배우고 나면요?", "and then?": what the article says next.
_NEXT = re.compile(
    r"그\s*다음|그\s*후|그\s*뒤|나면요?\??$|나서는|그러고\s*나서|and then|after that|"
    r"what next|then what",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class Turn:
    """What the conversation's last answer was about."""

    entry_id: str
    terms: tuple[str, ...]
    """The analysed question terms the answer was found with (after context was applied)."""
    analysis: QuestionAnalysis
    named: tuple[str, ...] = ()
    """What the last answer named (오픈AI): what "거기" points back to, never the next answer."""


def points_back(text: str) -> bool:
    """True when `text` refers to something said before ("그거", "he", "and Japan?")."""
    return bool(_POINTING_BACK.search(text) or _CONTINUING.search(text))


def asks_for_more(text: str) -> bool:
    """True for "더 자세히", "tell me more" and the like."""
    return _MORE.search(text) is not None


def asks_what_next(text: str) -> bool:
    """True for "그 다음은?", "다 배우고 나면요?", "and then?"."""
    return _NEXT.search(text.strip()) is not None


def without_more(text: str) -> str:
    """`text` without its "tell me more" phrase: what, if anything, it is about."""
    return _MORE.sub(" ", text)


class Conversations:
    """One `Turn` per conversation key, the least recently used dropped past `max_size`,
    and each forgotten `idle_seconds` after it was last touched."""

    def __init__(
        self,
        *,
        idle_seconds: float,
        max_size: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if idle_seconds <= 0 or max_size < 1:
            raise ValueError("conversations need idle_seconds > 0 and max_size >= 1")
        self.idle_seconds = idle_seconds
        self.max_size = max_size
        self._clock = clock
        self._turns: OrderedDict[Hashable, tuple[float, Turn]] = OrderedDict()

    def get(self, key: Hashable) -> Turn | None:
        """The conversation's last turn, unless it has been idle too long."""
        found = self._turns.get(key)
        if found is None:
            return None
        touched, turn = found
        if self._clock() - touched > self.idle_seconds:
            del self._turns[key]
            return None
        return turn

    def remember(self, key: Hashable, turn: Turn) -> None:
        self._turns[key] = (self._clock(), turn)
        self._turns.move_to_end(key)
        while len(self._turns) > self.max_size:
            self._turns.popitem(last=False)

    def forget(self, key: Hashable) -> None:
        self._turns.pop(key, None)

    def __len__(self) -> int:
        return len(self._turns)

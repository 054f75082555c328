"""Signed callback data for inline buttons.

Anyone can send a callback query with any data, so button data carries an HMAC: `parse`
accepts only data this bot made with the same key. Telegram allows at most 64 bytes.

Layout: ``<kind><lang>|<value>|<tag>``, e.g. ``ak|salary|Zm9vYmFyYmF6cXV4`` where kind is
one letter (see `Kind`), lang is ``k`` or ``e``, value is an entry id or a page number, and
tag is the first 12 bytes of HMAC-SHA256 over ``<kind><lang>|<value>``, base64url.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from dataclasses import dataclass
from enum import StrEnum

from bot.errors import CallbackDataTooLongError, InvalidCallbackError
from bot.models import Lang

MAX_CALLBACK_BYTES = 64
_TAG_BYTES = 12  # 96 bits: forging is hopeless, and the data stays well under 64 bytes
_TAG_CHARS = 16  # base64 of 12 bytes, no padding needed
_SEPARATOR = "|"
_VALUE_RE = re.compile(r"[A-Za-z0-9_-]+")
_LANG_CODES: dict[Lang, str] = {"ko": "k", "en": "e"}
_LANGS_BY_CODE: dict[str, Lang] = {code: lang for lang, code in _LANG_CODES.items()}


class Kind(StrEnum):
    """What a button does."""

    ANSWER = "a"  # answer the entry named by value
    VOTE_UP = "u"  # 👍 for the entry named by value
    VOTE_DOWN = "d"  # 👎 for the entry named by value
    TOPICS_PAGE = "p"  # show page `value` of the /topics keyboard


@dataclass(frozen=True, slots=True)
class Action:
    """A decoded button press."""

    kind: Kind
    value: str
    lang: Lang

    @property
    def page(self) -> int:
        """The page number of a TOPICS_PAGE action."""
        return int(self.value)


def pattern(*kinds: Kind) -> str:
    """A regex for CallbackQueryHandler(pattern=…) that routes data of these kinds."""
    return "^[" + "".join(k.value for k in kinds) + "][" + "".join(_LANGS_BY_CODE) + "]\\|"


def derive_secret(token: str) -> bytes:
    """A callback key derived from the bot token, for when no CALLBACK_SECRET is set.

    Domain-separated so the key reveals nothing about the token and is useless elsewhere.
    """
    return hashlib.sha256(b"article-bot callback key\x00" + token.encode()).digest()


class CallbackSigner:
    """Makes and checks button data with one secret key."""

    def __init__(self, secret: bytes) -> None:
        if not secret:
            raise ValueError("the callback secret is empty; set CALLBACK_SECRET or a bot token")
        self._secret = secret

    def make(self, kind: Kind, value: str, lang: Lang = "ko") -> str:
        """Signed data for a button; raises CallbackDataTooLongError past 64 bytes."""
        if not _VALUE_RE.fullmatch(value):
            raise ValueError(
                f"button value {value!r} must be letters, digits, '_' or '-' (an entry id)"
            )
        body = f"{kind.value}{_LANG_CODES[lang]}{_SEPARATOR}{value}"
        data = f"{body}{_SEPARATOR}{self._tag(body)}"
        if len(data.encode()) > MAX_CALLBACK_BYTES:
            raise CallbackDataTooLongError(
                f"button data for {value!r} is {len(data.encode())} bytes, over Telegram's "
                f"{MAX_CALLBACK_BYTES}; shorten the entry id to at most "
                f"{MAX_CALLBACK_BYTES - len(data.encode()) + len(value)} characters"
            )
        return data

    def answer(self, entry_id: str, lang: Lang) -> str:
        """Data for a button that answers `entry_id`."""
        return self.make(Kind.ANSWER, entry_id, lang)

    def vote(self, entry_id: str, *, up: bool, lang: Lang) -> str:
        """Data for a 👍 (up) or 👎 button on the answer for `entry_id`."""
        return self.make(Kind.VOTE_UP if up else Kind.VOTE_DOWN, entry_id, lang)

    def topics_page(self, page: int, lang: Lang) -> str:
        """Data for a /topics page turn."""
        return self.make(Kind.TOPICS_PAGE, str(page), lang)

    def parse(self, data: str | None) -> Action:
        """Decode button data, or raise InvalidCallbackError if this bot did not make it."""
        if not data or len(data.encode("utf-8", "surrogatepass")) > MAX_CALLBACK_BYTES:
            raise InvalidCallbackError("callback data is empty or too long")
        body, _, tag = data.rpartition(_SEPARATOR)
        # Bytes, not str: compare_digest refuses non-ASCII strings, and data is user input.
        given = tag.encode("utf-8", "surrogatepass")
        if len(tag) != _TAG_CHARS or not hmac.compare_digest(given, self._tag(body).encode()):
            raise InvalidCallbackError("callback data has no valid signature")
        head, _, value = body.partition(_SEPARATOR)
        if len(head) != 2 or not _VALUE_RE.fullmatch(value):
            raise InvalidCallbackError("callback data is malformed")
        try:
            kind = Kind(head[0])
            lang = _LANGS_BY_CODE[head[1]]
        except (ValueError, KeyError):
            raise InvalidCallbackError("callback data names an unknown action") from None
        if kind is Kind.TOPICS_PAGE and not value.isdigit():
            raise InvalidCallbackError("topics page is not a number")
        return Action(kind, value, lang)

    def _tag(self, body: str) -> str:
        digest = hmac.new(self._secret, body.encode("utf-8", "surrogatepass"), hashlib.sha256)
        return base64.urlsafe_b64encode(digest.digest()[:_TAG_BYTES]).decode("ascii")

"""Reading Telegram messages: who asked, in which language, and what the question is."""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Sequence

from telegram import Message, MessageEntity, Update, User
from telegram.constants import ChatType
from telegram.ext import filters

from bot.models import Lang
from bot.telegram.formatting import printable
from bot.telegram.ratelimit import RateKey


def user_lang(user: User | None) -> Lang:
    """English for users whose Telegram app is in English, Korean for everyone else."""
    code = (user.language_code or "") if user else ""
    return "en" if code.lower().startswith("en") else "ko"


# A lone surrogate (from a "\ud800" JSON escape) cannot be encoded, so it would fail every
# later step. U+FFFD is one UTF-16 unit like the surrogate, so entity offsets stay valid.
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def clean_text(text: str) -> str:
    """`text` with each lone surrogate replaced by U+FFFD."""
    return _LONE_SURROGATE.sub("\ufffd", text)


def message_text(message: Message) -> str:
    """The message's text (or caption), safe to encode."""
    return clean_text(message.text or "")


def _without_spans(text: str, spans: Sequence[tuple[int, int]]) -> str:
    """`text` minus the (offset, length) spans, which are in UTF-16 units like entities."""
    encoded = text.encode("utf-16-le")
    for offset, length in sorted(spans, reverse=True):
        encoded = encoded[: offset * 2] + encoded[(offset + length) * 2 :]
    # A span that splits a surrogate pair leaves half of it: dropped, never an error.
    return encoded.decode("utf-16-le", errors="ignore")


def _mentions_of(message: Message, bot_username: str, bot_id: int) -> list[tuple[int, int]]:
    """Where `message` mentions the bot: @username or a text mention of its user.

    Entity offsets count UTF-16 units; python-telegram-bot's `parse_entities` raises when a
    (malformed) offset splits a surrogate pair, so the spans are read here, leniently.
    """
    spans = []
    wanted = "@" + bot_username.lower()
    encoded = message_text(message).encode("utf-16-le")
    for entity in message.entities:
        if entity.type == MessageEntity.MENTION:
            start, end = entity.offset * 2, (entity.offset + entity.length) * 2
            text = encoded[start:end].decode("utf-16-le", errors="ignore")
            if text.lower() == wanted:
                spans.append((entity.offset, entity.length))
        elif (
            entity.type == MessageEntity.TEXT_MENTION
            and entity.user is not None
            and entity.user.id == bot_id
        ):
            spans.append((entity.offset, entity.length))
    return spans


def question_text(message: Message, bot_username: str, bot_id: int) -> str:
    """The message text without mentions of the bot."""
    text = message_text(message)
    return " ".join(_without_spans(text, _mentions_of(message, bot_username, bot_id)).split())


def is_reply_to(message: Message, bot_id: int) -> bool:
    """True when `message` replies to one of the bot's own messages."""
    replied = message.reply_to_message
    return replied is not None and replied.from_user is not None and replied.from_user.id == bot_id


def addressed_question(message: Message, bot_username: str, bot_id: int) -> str | None:
    """In a group: the question if the message is addressed to the bot, else None.

    Addressed means an @mention of the bot or a reply to one of the bot's own messages;
    commands are routed to their handlers before this is asked. Both still reach the bot
    with privacy mode on.
    """
    if not is_reply_to(message, bot_id) and not _mentions_of(message, bot_username, bot_id):
        return None
    return question_text(message, bot_username, bot_id)


def command_argument(message: Message) -> str:
    """What follows the leading /command (or /command@bot); "" if nothing printable does."""
    parts = message_text(message).split(maxsplit=1)
    argument = parts[1].strip() if len(parts) > 1 else ""
    return argument if printable(argument).strip() else ""


def rate_key(message: Message) -> RateKey:
    """Whose rate limit a message counts against.

    A message sent as a chat (an anonymous group admin, whose user is GroupAnonymousBot, or
    someone posting as a channel) carries a placeholder user shared by every such sender on
    Telegram, so it is keyed by the chat it was sent in and the chat it was sent as.
    """
    if message.sender_chat is not None:
        return (message.chat.id, message.sender_chat.id)
    return message.from_user.id if message.from_user is not None else message.chat.id


def is_admin_request(message: Message, admin_ids: frozenset[int]) -> bool:
    """True for a message from a user in ADMIN_IDS, in a private chat (groups would see it)."""
    sender = message.from_user
    return sender is not None and sender.id in admin_ids and message.chat.type == ChatType.PRIVATE


def describe(update: object) -> str:
    """A log-friendly summary of an update: its id, kind and chat type, no user text."""
    if not isinstance(update, Update):
        return repr(update)[:200]
    kind = next((k for k in Update.ALL_TYPES if getattr(update, k, None) is not None), "?")
    chat = update.effective_chat
    where = f" in a {chat.type} chat" if chat else ""
    return f"update {update.update_id} ({kind}{where})"


class SentViaThisBot(filters.MessageFilter):
    """Messages posted through the bot's own inline mode: they are answers, not questions."""

    def filter(self, message: Message) -> bool:
        return message.via_bot is not None and message.via_bot.id == message.get_bot().id


class AddressedToThisBot(filters.MessageFilter):
    """Group messages that @mention the bot or reply to one of its messages."""

    def filter(self, message: Message) -> bool:
        bot = message.get_bot()
        return addressed_question(message, bot.username, bot.id) is not None


SENT_VIA_THIS_BOT = SentViaThisBot(name="SentViaThisBot")
ADDRESSED_TO_THIS_BOT = AddressedToThisBot(name="AddressedToThisBot")


class RecentIds:
    """The last `capacity` update ids seen, to handle a re-sent webhook update only once.

    Telegram re-sends an update it thinks was not received; memory stays bounded because
    only the most recent ids are kept.
    """

    def __init__(self, capacity: int = 10_000) -> None:
        self.capacity = capacity
        self._ids: OrderedDict[int, None] = OrderedDict()

    def add(self, update_id: int) -> bool:
        """Remember `update_id`; False if it was already seen."""
        if update_id in self._ids:
            return False
        self._ids[update_id] = None
        if len(self._ids) > self.capacity:
            self._ids.popitem(last=False)
        return True

    def __len__(self) -> int:
        return len(self._ids)

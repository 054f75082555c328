"""Factories for Telegram Bot API update JSON, shaped exactly like what Telegram sends.

Every factory returns plain ``dict`` objects (the decoded JSON), ready for
``BotApiStandIn.push_update`` or ``telegram.Update.de_json``.  Message ids, update ids,
callback/inline query ids and file ids come from module-level counters, so they are unique
within a test run; the stand-in draws its own message ids from the same counter
(``next_message_id``) so bot and user messages never collide.

Offsets and lengths of entities are in UTF-16 code units, as Telegram counts them.
"""

from __future__ import annotations

import copy
import itertools
import re
import time
from typing import Any

JSON = dict[str, Any]

BOT_ID = 777000111
BOT_USERNAME = "article_qa_bot"
BOT_FIRST_NAME = "Article QA"

DEFAULT_USER_ID = 424242001
DEFAULT_GROUP_ID = -1001234567890
DEFAULT_BASIC_GROUP_ID = -987654321
DEFAULT_CHANNEL_ID = -1009876543210

_message_ids = itertools.count(1)
_update_ids = itertools.count(500_000_001)
_query_ids = itertools.count(4_382_100_000_000_000_001)
_file_ids = itertools.count(1)

# tdlib-like detection: a command is "/" + up to 64 word chars (+ "@botname"), starting the
# text or following whitespace, not glued to a following word char, "/" or "@".
_BOT_COMMAND_RE = re.compile(
    r"(?<![^\s])/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?(?![A-Za-z0-9_/@])"
)
_MENTION_RE = re.compile(r"(?<![A-Za-z0-9_/@])@[A-Za-z][A-Za-z0-9_]{3,31}(?![A-Za-z0-9_@])")


def next_message_id() -> int:
    """Return a fresh message id (shared by the factories and the stand-in)."""
    return next(_message_ids)


def next_update_id() -> int:
    """Return a fresh update id (``BotApiStandIn.push_update`` assigns its own anyway)."""
    return next(_update_ids)


def next_query_id() -> str:
    """Return a fresh callback/inline query id: a decimal string, as Telegram sends."""
    return str(next(_query_ids))


def now() -> int:
    """Unix time as Telegram puts it in ``date`` fields."""
    return int(time.time())


def utf16_len(text: str) -> int:
    """Length of ``text`` in UTF-16 code units (how Telegram measures text)."""
    return len(text.encode("utf-16-le")) // 2


# --------------------------------------------------------------------------- users & chats


def user(
    id: int = DEFAULT_USER_ID,
    first_name: str = "민준",
    *,
    language_code: str | None = "ko",
    username: str | None = None,
    last_name: str | None = None,
    is_bot: bool = False,
    is_premium: bool = False,
) -> JSON:
    """A ``User`` object (optional fields are omitted when empty, like Telegram does)."""
    result: JSON = {"id": id, "is_bot": is_bot, "first_name": first_name}
    if last_name:
        result["last_name"] = last_name
    if username:
        result["username"] = username
    if language_code:
        result["language_code"] = language_code
    if is_premium:
        result["is_premium"] = True
    return result


def bot_user() -> JSON:
    """The bot's own ``User`` object, as it appears in ``from`` of the bot's messages."""
    return {"id": BOT_ID, "is_bot": True, "first_name": BOT_FIRST_NAME, "username": BOT_USERNAME}


def private_chat(of_user: JSON | None = None) -> JSON:
    """The private ``Chat`` between the bot and ``of_user``."""
    of_user = of_user or user()
    chat: JSON = {"id": of_user["id"], "type": "private", "first_name": of_user["first_name"]}
    for key in ("last_name", "username"):
        if of_user.get(key):
            chat[key] = of_user[key]
    return chat


def group_chat(
    id: int | None = None,
    title: str = "기사 읽기 모임",
    *,
    type: str = "supergroup",
    username: str | None = None,
    is_forum: bool = False,
) -> JSON:
    """A group ``Chat``: ``type`` is "supergroup" (default, id -100…) or "group"."""
    if type not in ("supergroup", "group"):
        raise ValueError(f"group_chat type must be 'supergroup' or 'group', not {type!r}")
    if id is None:
        id = DEFAULT_GROUP_ID if type == "supergroup" else DEFAULT_BASIC_GROUP_ID
    chat: JSON = {"id": id, "title": title, "type": type}
    if username:
        chat["username"] = username
    if is_forum:
        chat["is_forum"] = True
    return chat


def channel_chat(
    id: int = DEFAULT_CHANNEL_ID, title: str = "기사 채널", *, username: str | None = None
) -> JSON:
    """A channel ``Chat``."""
    chat: JSON = {"id": id, "title": title, "type": "channel"}
    if username:
        chat["username"] = username
    return chat


# --------------------------------------------------------------------------- entities


def auto_entities(text: str) -> list[JSON]:
    """Entities Telegram computes for incoming text: ``bot_command`` and ``mention``."""
    found: list[tuple[int, int, str]] = []
    for match in _BOT_COMMAND_RE.finditer(text):
        found.append((match.start(), match.end(), "bot_command"))
    for match in _MENTION_RE.finditer(text):
        if not any(start <= match.start() < end for start, end, _ in found):
            found.append((match.start(), match.end(), "mention"))
    found.sort()
    return [
        {
            "offset": utf16_len(text[:start]),
            "length": utf16_len(text[start:end]),
            "type": kind,
        }
        for start, end, kind in found
    ]


def _strip_reply(message_dict: JSON) -> JSON:
    """A message as it appears in ``reply_to_message``: one level deep, no nested reply."""
    result = copy.deepcopy(message_dict)
    result.pop("reply_to_message", None)
    return result


# --------------------------------------------------------------------------- messages


def _message(
    sender: JSON,
    chat: JSON,
    content: JSON,
    *,
    reply_to: JSON | None = None,
    message_id: int | None = None,
    date: int | None = None,
) -> JSON:
    """A ``Message`` from `sender` in `chat` with `content` (text, sticker, photo …)."""
    result: JSON = {
        "message_id": message_id if message_id is not None else next_message_id(),
        "from": sender,
        "chat": chat,
        "date": date if date is not None else now(),
        **content,
    }
    if reply_to is not None:
        result["reply_to_message"] = _strip_reply(reply_to)
    return result


def message(
    text: str,
    *,
    chat: JSON | None = None,
    from_user: JSON | None = None,
    reply_to: JSON | None = None,
    entities: list[JSON] | None = None,
    message_id: int | None = None,
    date: int | None = None,
) -> JSON:
    """A text ``Message`` from a user; entities are auto-computed unless given."""
    from_user = from_user or user()
    content: JSON = {"text": text}
    if entities is None:
        entities = auto_entities(text)
    if entities:
        content["entities"] = entities
    return _message(
        from_user,
        chat or private_chat(from_user),
        content,
        reply_to=reply_to,
        message_id=message_id,
        date=date,
    )


def bot_message(
    text: str,
    *,
    chat: JSON | None = None,
    reply_markup: JSON | None = None,
    reply_to: JSON | None = None,
    entities: list[JSON] | None = None,
    message_id: int | None = None,
) -> JSON:
    """A ``Message`` sent by the bot (e.g. the one carrying an inline keyboard)."""
    content: JSON = {"text": text}
    if entities:
        content["entities"] = entities
    result = _message(
        bot_user(), chat or private_chat(), content, reply_to=reply_to, message_id=message_id
    )
    if reply_markup is not None:
        result["reply_markup"] = reply_markup
    return result


def inline_keyboard(*rows: list[tuple[str, str]]) -> JSON:
    """``InlineKeyboardMarkup`` from rows of ``(button text, callback_data)`` pairs."""
    return {
        "inline_keyboard": [
            [{"text": label, "callback_data": data} for label, data in row] for row in rows
        ]
    }


def bot_message_from_call(api_call: Any) -> JSON:
    """The bot's message (result of a recorded sendMessage/edit call) a user could reply to.

    ``api_call`` is a ``tests.support.standin.ApiCall``; it must have succeeded.
    """
    result = getattr(api_call, "result", None)
    if not isinstance(result, dict) or "message_id" not in result:
        method = getattr(api_call, "method", api_call)
        status = getattr(api_call, "status", None)
        error = getattr(api_call, "error", None)
        raise ValueError(f"{method!r} call has no Message result (status={status}, error={error})")
    return _strip_reply(result)


def _update(kind: str, payload: JSON) -> JSON:
    return {"update_id": next_update_id(), kind: payload}


def message_update(
    text: str,
    *,
    chat: JSON | None = None,
    from_user: JSON | None = None,
    reply_to: JSON | None = None,
    entities: list[JSON] | None = None,
    message_id: int | None = None,
) -> JSON:
    """An ``Update`` with a new text ``message``."""
    return _update(
        "message",
        message(
            text,
            chat=chat,
            from_user=from_user,
            reply_to=reply_to,
            entities=entities,
            message_id=message_id,
        ),
    )


def edited_message_update(
    text: str,
    *,
    original: JSON | None = None,
    chat: JSON | None = None,
    from_user: JSON | None = None,
    entities: list[JSON] | None = None,
) -> JSON:
    """An ``Update`` with ``edited_message``: ``original`` (a message dict) with new text."""
    if original is None:
        original = message("(before edit)", chat=chat, from_user=from_user)
    edited = copy.deepcopy(original)
    edited["text"] = text
    edited.pop("entities", None)
    entities = auto_entities(text) if entities is None else entities
    if entities:
        edited["entities"] = entities
    edited["edit_date"] = max(now(), int(edited.get("date", 0)) + 1)
    return _update("edited_message", edited)


def channel_post_update(
    text: str,
    *,
    chat: JSON | None = None,
    entities: list[JSON] | None = None,
    author_signature: str | None = None,
) -> JSON:
    """An ``Update`` with a ``channel_post`` (no ``from``; ``sender_chat`` is the channel)."""
    chat = chat or channel_chat()
    post: JSON = {
        "message_id": next_message_id(),
        "sender_chat": chat,
        "chat": chat,
        "date": now(),
        "text": text,
    }
    entities = auto_entities(text) if entities is None else entities
    if entities:
        post["entities"] = entities
    if author_signature:
        post["author_signature"] = author_signature
    return _update("channel_post", post)


def _chat_instance(chat: JSON | None) -> str:
    """A stable, Telegram-looking ``chat_instance`` (signed 64-bit decimal string)."""
    chat_id = int(chat["id"]) if chat else 0
    value = (chat_id * 6364136223846793005 + 1442695040888963407) % (1 << 64)
    return str(value - (1 << 63))


def callback_query_update(
    data: str,
    *,
    from_user: JSON | None = None,
    message: JSON | None = None,
    chat_instance: str | None = None,
    inline_message_id: str | None = None,
) -> JSON:
    """An ``Update`` with a ``callback_query`` for a button on ``message`` (the bot's message).

    Without ``message`` (and without ``inline_message_id``) a bot message with a single
    button carrying ``data`` is made up in the private chat with ``from_user``.
    """
    from_user = from_user or user()
    query: JSON = {"id": next_query_id(), "from": from_user}
    if inline_message_id is not None:
        query["inline_message_id"] = inline_message_id
    else:
        if message is None:
            message = bot_message(
                "…",
                chat=private_chat(from_user),
                reply_markup=inline_keyboard([("…", data)]),
            )
        query["message"] = copy.deepcopy(message)
    chat = message["chat"] if message is not None else None
    query["chat_instance"] = chat_instance if chat_instance is not None else _chat_instance(chat)
    query["data"] = data
    return _update("callback_query", query)


def inline_query_update(
    query: str,
    *,
    from_user: JSON | None = None,
    offset: str = "",
    chat_type: str | None = "sender",
) -> JSON:
    """An ``Update`` with an ``inline_query`` (``@article_qa_bot query`` typed somewhere)."""
    inline_query: JSON = {
        "id": next_query_id(),
        "from": from_user or user(),
        "query": query,
        "offset": offset,
    }
    if chat_type is not None:
        inline_query["chat_type"] = chat_type
    return _update("inline_query", inline_query)


def _file_ids_pair(prefix: str) -> tuple[str, str]:
    number = next(_file_ids)
    return (
        f"{prefix}AAQCAgADtest{number:08d}AAJkAAN7fakefileid",
        f"AgADtest{number:08d}",
    )


def sticker_message_update(
    *,
    chat: JSON | None = None,
    from_user: JSON | None = None,
    emoji: str = "👍",
    set_name: str = "HotCherry",
    reply_to: JSON | None = None,
) -> JSON:
    """An ``Update`` with a message carrying a regular static ``sticker`` (no text)."""
    from_user = from_user or user()
    file_id, unique_id = _file_ids_pair("CAACAgIAAxkBAAI")
    thumb_id, thumb_unique = _file_ids_pair("AAMCAgADGQEAAI")
    thumbnail = {
        "file_id": thumb_id,
        "file_unique_id": thumb_unique,
        "file_size": 5416,
        "width": 128,
        "height": 128,
    }
    sticker = {
        "width": 512,
        "height": 512,
        "emoji": emoji,
        "set_name": set_name,
        "is_animated": False,
        "is_video": False,
        "type": "regular",
        "thumbnail": thumbnail,
        "file_id": file_id,
        "file_unique_id": unique_id,
        "file_size": 28714,
    }
    chat = chat or private_chat(from_user)
    return _update("message", _message(from_user, chat, {"sticker": sticker}, reply_to=reply_to))


def photo_message_update(
    *,
    caption: str | None = None,
    chat: JSON | None = None,
    from_user: JSON | None = None,
    caption_entities: list[JSON] | None = None,
    reply_to: JSON | None = None,
) -> JSON:
    """An ``Update`` with a message carrying a ``photo`` (three sizes) and optional caption."""
    from_user = from_user or user()
    sizes = []
    for width, height, size in ((90, 67, 1310), (320, 240, 17830), (800, 600, 71255)):
        file_id, unique_id = _file_ids_pair("AgACAgUAAxkBAAI")
        sizes.append(
            {
                "file_id": file_id,
                "file_unique_id": unique_id,
                "file_size": size,
                "width": width,
                "height": height,
            }
        )
    content: JSON = {"photo": sizes}
    if caption is not None:
        content["caption"] = caption
        entities = auto_entities(caption) if caption_entities is None else caption_entities
        if entities:
            content["caption_entities"] = entities
    chat = chat or private_chat(from_user)
    return _update("message", _message(from_user, chat, content, reply_to=reply_to))

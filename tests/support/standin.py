"""A local stand-in for the Telegram Bot API, served over real HTTP by aiohttp.

Point python-telegram-bot at it with ``ApplicationBuilder().base_url(api.base_url)
.base_file_url(api.base_file_url)`` (or ``Bot(..., base_url=..., base_file_url=...)``); PTB
appends the token and the method: ``{base_url}{token}/{method}``.

How PTB 22 talks to it (``telegram/request/_httpxrequest.py``, ``_requestdata.py``):
every call is a POST; without file uploads the body is ``application/x-www-form-urlencoded``
built from ``RequestData.json_parameters``, with uploads it is ``multipart/form-data``.
String parameters are sent as they are, everything else JSON-encoded (ints as ``"5"``, bools as
``"true"``, ``reply_markup``/``reply_parameters``/``entities``/``allowed_updates``/``results``/
``commands`` as JSON text); ``None`` values are dropped.  The stand-in decodes all of that
back (and also takes query strings and JSON bodies) into ``ApiCall.params``.

Differences from the real API, on purpose:

* HTML is checked more strictly than Telegram's own parser: a ``&`` that does not start
  ``&lt;``/``&gt;``/``&amp;``/``&quot;``/``&#NN;``/``&#xNN;`` (with the ``;``) is rejected, where
  Telegram would keep it literally.  The Bot API docs require the escaping, so the bot must do it.
* ``Markdown``/``MarkdownV2`` text is not parsed, only length-checked.
* Unknown chats are made up (positive id: private, ``-100…``: supergroup, other negative:
  group) instead of failing with "chat not found".

Telegram behaviour it does copy: text is trimmed and measured in UTF-16 units after entity
parsing; only the bot's own messages can be edited, and an edit without ``reply_markup``
removes the inline keyboard; an identical edit is "message is not modified"; a second
concurrent getUpdates ends the first with 409; getUpdates while a webhook is set is a 409.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import json
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any, Self

from aiohttp import web

from tests.support.updates import (
    BOT_FIRST_NAME,
    BOT_ID,
    BOT_USERNAME,
    JSON,
    next_message_id,
    utf16_len,
)

MAX_MESSAGE_LENGTH = 4096
MAX_CALLBACK_DATA_BYTES = 64
MAX_INLINE_RESULTS = 50
MAX_CALLBACK_ANSWER_LENGTH = 200

NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are "
    "exactly the same as a current content and reply markup of the message"
)
QUERY_INVALID = "Bad Request: query is too old and response timeout expired or query ID is invalid"
POLL_CONFLICT = (
    "Conflict: terminated by other getUpdates request; make sure that only one bot instance "
    "is running"
)
WEBHOOK_CONFLICT = (
    "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to "
    "delete the webhook first"
)

PROXY_502_HTML = (
    "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    "<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx/1.18.0</center>\r\n"
    "</body>\r\n</html>\r\n"
)

# Update types delivered when allowed_updates is unset or empty (Telegram's default).
_NOT_BY_DEFAULT = frozenset({"chat_member", "message_reaction", "message_reaction_count"})

# Parameters that are free text / opaque ids: never JSON-decoded (``"123"`` must stay a str).
_TEXT_PARAMS = frozenset(
    {
        "text", "caption", "parse_mode", "callback_query_id", "inline_query_id",
        "inline_message_id", "next_offset", "url", "secret_token", "ip_address",
        "language_code", "description", "short_description", "name", "title", "action",
        "emoji", "business_connection_id", "message_effect_id", "custom_emoji_id",
        "switch_pm_text", "switch_pm_parameter", "question", "payload", "currency",
        "provider_token", "start_parameter", "phone_number", "first_name", "last_name",
        "address", "game_short_name", "result_id", "web_app_query_id", "sticker", "photo",
        "document", "audio", "video", "voice", "animation", "file_id", "explanation",
    }
)  # fmt: skip

_CHAT_ACTIONS = frozenset(
    {
        "typing", "upload_photo", "record_video", "upload_video", "record_voice",
        "upload_voice", "upload_document", "choose_sticker", "find_location",
        "record_video_note", "upload_video_note",
    }
)  # fmt: skip

_BUTTON_ACTIONS = (
    "url", "callback_data", "web_app", "login_url", "switch_inline_query",
    "switch_inline_query_current_chat", "switch_inline_query_chosen_chat", "copy_text",
    "callback_game", "pay",
)  # fmt: skip

_COMMAND_RE = re.compile(r"[a-z0-9_]{1,32}")


# =============================================================================== HTML parsing


class HtmlParseError(ValueError):
    """Raised by :func:`parse_telegram_html`; the message is Telegram's wording."""


_TAG_ENTITY = {
    "b": "bold", "strong": "bold", "i": "italic", "em": "italic", "u": "underline",
    "ins": "underline", "s": "strikethrough", "strike": "strikethrough",
    "del": "strikethrough", "span": "spoiler", "tg-spoiler": "spoiler", "a": "text_link",
    "code": "code", "pre": "pre", "blockquote": "blockquote", "tg-emoji": "custom_emoji",
}  # fmt: skip
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_ENTITY_RE = re.compile(r"&(?:#[xX]([0-9a-fA-F]+)|#([0-9]+)|([A-Za-z][A-Za-z0-9]*))(;?)")
_TRIM = " \t\n\r\v\f"


@dataclass
class _OpenTag:
    name: str
    attrs: dict[str, str]
    byte_offset: int
    start16: int
    language: str | None = None


def _decode_entity(text: str, pos: int, byte_offset: Callable[[int], int]) -> tuple[str, int]:
    """Decode the HTML entity starting at ``text[pos] == "&"``; return (char, next position)."""
    match = _ENTITY_RE.match(text, pos)
    if match is None:
        raise HtmlParseError(
            f'Unescaped "&" at byte offset {byte_offset(pos)}; write it as "&amp;"'
        )
    hex_digits, dec_digits, name, semicolon = match.groups()
    if not semicolon and name is not None and name not in _NAMED_ENTITIES:
        raise HtmlParseError(
            f'Unescaped "&" at byte offset {byte_offset(pos)}; write it as "&amp;"'
        )
    if not semicolon:
        raise HtmlParseError(
            f'HTML entity "{match.group(0)}" at byte offset {byte_offset(pos)} must end with ";"'
        )
    if name is not None:
        if name not in _NAMED_ENTITIES:
            raise HtmlParseError(
                f'Unsupported HTML entity "&{name};" at byte offset {byte_offset(pos)}'
            )
        return _NAMED_ENTITIES[name], match.end()
    code_point = int(hex_digits, 16) if hex_digits is not None else int(dec_digits)
    if code_point == 0 or code_point > 0x10FFFF or 0xD800 <= code_point <= 0xDFFF:
        raise HtmlParseError(
            "Text contains invalid Unicode characters after decoding HTML entities, check for "
            "unmatched surrogate code units"
        )
    return chr(code_point), match.end()


def parse_telegram_html(text: str) -> tuple[str, list[JSON]]:
    """Parse Telegram-flavoured HTML into (plain text, entities in UTF-16 units).

    Error messages follow tdlib's ``parse_html`` (byte offsets are UTF-8 offsets into the
    input); the caller prefixes them with ``"Bad Request: can't parse entities: "``.
    """

    def byte_offset(pos: int) -> int:
        return len(text[:pos].encode("utf-8", "surrogatepass"))

    out: list[str] = []
    out16 = 0
    entities: list[JSON] = []
    stack: list[_OpenTag] = []
    size = len(text)
    i = 0
    while i < size:
        char = text[i]
        if char == "&":
            decoded, i = _decode_entity(text, i, byte_offset)
            out.append(decoded)
            out16 += utf16_len(decoded)
            continue
        if char != "<":
            out.append(char)
            out16 += 2 if ord(char) > 0xFFFF else 1
            i += 1
            continue

        begin = i
        i += 1
        if i < size and text[i] == "/":  # ---------------------------------------- end tag
            if not stack:
                raise HtmlParseError(f"Unexpected end tag at byte offset {byte_offset(begin)}")
            i += 1
            name_start = i
            while i < size and not text[i].isspace() and text[i] != ">":
                i += 1
            end_name = text[name_start:i].lower()
            while i < size and text[i].isspace():
                i += 1
            if i >= size or text[i] != ">":
                raise HtmlParseError(f"Unclosed end tag at byte offset {byte_offset(begin)}")
            i += 1
            top = stack[-1]
            if end_name and end_name != top.name:
                raise HtmlParseError(
                    f"Unmatched end tag at byte offset {byte_offset(begin)}, "
                    f'expected "</{top.name}>", found "</{end_name}>"'
                )
            stack.pop()
            _close_tag(top, out16, stack, entities)
            continue

        # ----------------------------------------------------------------------- start tag
        name_start = i
        while i < size and not text[i].isspace() and text[i] != ">":
            i += 1
        if i >= size:
            raise HtmlParseError(f"Unclosed start tag at byte offset {byte_offset(begin)}")
        name = text[name_start:i].lower()
        if name not in _TAG_ENTITY:
            raise HtmlParseError(
                f'Unsupported start tag "{name}" at byte offset {byte_offset(begin)}'
            )
        attrs: dict[str, str] = {}
        while True:
            while i < size and text[i].isspace():
                i += 1
            if i >= size:
                raise HtmlParseError(
                    f'Unclosed start tag "{name}" at byte offset {byte_offset(begin)}'
                )
            if text[i] == ">":
                i += 1
                break
            attr_start = i
            while i < size and not text[i].isspace() and text[i] not in "=>":
                i += 1
            attr_name = text[attr_start:i].lower()
            if not attr_name:
                raise HtmlParseError(
                    f'Empty attribute name in the tag "{name}" at byte offset {byte_offset(begin)}'
                )
            while i < size and text[i].isspace():
                i += 1
            if i >= size:
                raise HtmlParseError(
                    f'Unclosed start tag "{name}" at byte offset {byte_offset(begin)}'
                )
            if text[i] != "=":
                if name == "blockquote" and attr_name == "expandable":
                    attrs[attr_name] = ""
                    continue
                raise HtmlParseError(
                    "Expected equal sign in declaration of an attribute of the tag "
                    f'"{name}" at byte offset {byte_offset(begin)}'
                )
            i += 1
            while i < size and text[i].isspace():
                i += 1
            if i >= size:
                raise HtmlParseError(
                    f'Unclosed start tag "{name}" at byte offset {byte_offset(begin)}'
                )
            if text[i] in "'\"":
                quote = text[i]
                i += 1
                value_chars: list[str] = []
                while i < size and text[i] != quote:
                    if text[i] == "&":
                        decoded, i = _decode_entity(text, i, byte_offset)
                        value_chars.append(decoded)
                        continue
                    value_chars.append(text[i])
                    i += 1
                if i >= size:
                    raise HtmlParseError(f"Unclosed start tag at byte offset {byte_offset(begin)}")
                i += 1
                value = "".join(value_chars)
            else:
                token_start = i
                while i < size and ((text[i].isascii() and text[i].isalnum()) or text[i] in ".-"):
                    i += 1
                value = text[token_start:i].lower()
                if i >= size:
                    raise HtmlParseError(
                        f'Unclosed start tag "{name}" at byte offset {byte_offset(begin)}'
                    )
                if not text[i].isspace() and text[i] != ">":
                    raise HtmlParseError(
                        f"Unexpected end of name token at byte offset {byte_offset(token_start)}"
                    )
            attrs[attr_name] = value

        if name == "span" and attrs.get("class") != "tg-spoiler":
            raise HtmlParseError(
                f'Tag "span" must have class "tg-spoiler" at byte offset {byte_offset(begin)}'
            )
        if name == "tg-emoji" and not attrs.get("emoji-id", "").isdigit():
            raise HtmlParseError(
                f'Tag "tg-emoji" must have a numeric attribute "emoji-id" at byte offset '
                f"{byte_offset(begin)}"
            )
        stack.append(_OpenTag(name, attrs, byte_offset(begin), out16))

    if stack:
        raise HtmlParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1].name}"')
    entities.sort(key=lambda entity: (entity["offset"], -entity["length"]))
    return "".join(out), entities


def _close_tag(tag: _OpenTag, out16: int, stack: list[_OpenTag], entities: list[JSON]) -> None:
    """Turn a closed tag into an entity (tags around empty text make none, like tdlib)."""
    length = out16 - tag.start16
    language = tag.attrs.get("class", "")
    if tag.name == "code" and language.startswith("language-") and stack:
        parent = stack[-1]
        if parent.name == "pre" and parent.start16 == tag.start16:
            parent.language = language.removeprefix("language-") or None
            return
    if length <= 0:
        return
    entity: JSON = {"offset": tag.start16, "length": length, "type": _TAG_ENTITY[tag.name]}
    if tag.name == "a":
        href = tag.attrs.get("href")
        if not href:
            return
        entity["url"] = href
    elif tag.name == "pre" and tag.language:
        entity["language"] = tag.language
    elif tag.name == "blockquote" and "expandable" in tag.attrs:
        entity["type"] = "expandable_blockquote"
    elif tag.name == "tg-emoji":
        entity["custom_emoji_id"] = tag.attrs["emoji-id"]
    entities.append(entity)


def _trim(text: str, entities: list[JSON]) -> tuple[str, list[JSON]]:
    """Strip leading/trailing whitespace like Telegram does, keeping entities aligned."""
    stripped = text.strip(_TRIM)
    if stripped == text:
        return text, entities
    lead16 = utf16_len(text[: len(text) - len(text.lstrip(_TRIM))])
    total16 = utf16_len(stripped)
    kept: list[JSON] = []
    for entity in entities:
        start = max(0, entity["offset"] - lead16)
        end = min(total16, entity["offset"] + entity["length"] - lead16)
        if end > start:
            kept.append({**entity, "offset": start, "length": end - start})
    return stripped, kept


# =============================================================================== recording


@dataclass
class ApiCall:
    """One HTTP request the stand-in received (recorded on arrival, completed on answer)."""

    method: str
    params: dict[str, Any]
    time: float
    token: str = ""
    http_method: str = "POST"
    raw_params: dict[str, Any] = field(default_factory=dict)
    files: dict[str, JSON] = field(default_factory=dict)
    status: int | None = None  # None while in flight; 0 = connection reset; 499 = client left
    result: Any = None
    error: str | None = None
    faulted: bool = False
    disconnected: bool = False

    @property
    def finished(self) -> bool:
        """Whether the stand-in has decided the answer."""
        return self.status is not None

    @property
    def ok(self) -> bool:
        """Whether the call was answered with ``{"ok": true}``."""
        return self.status == 200

    def short(self) -> str:
        """One line for failure dumps."""
        params = json.dumps(self.params, ensure_ascii=False, default=str)
        if len(params) > 300:
            params = params[:300] + "…"
        outcome = "in flight" if self.status is None else str(self.status)
        extra = f" error={self.error!r}" if self.error else ""
        flags = " faulted" if self.faulted else ""
        flags += " disconnected" if self.disconnected else ""
        return f"{self.method} [{outcome}{flags}]{extra} {params}"


@dataclass
class _Fault:
    status: int | None
    description: str | None
    retry_after: int | None
    remaining: int | None
    delay: float
    reset_connection: bool
    html_body: bool | None


class ApiError(Exception):
    """An error answer: ``{"ok": false, "error_code": status, "description": ...}``."""

    def __init__(self, status: int, description: str, parameters: JSON | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters


def _default_description(status: int) -> str:
    defaults = {
        400: "Bad Request",
        401: "Unauthorized",
        403: "Forbidden: bot was blocked by the user",
        404: "Not Found",
        409: POLL_CONFLICT,
        500: "Internal Server Error",
        502: "Bad Gateway",
    }
    if status in defaults:
        return defaults[status]
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return f"Error {status}"


def _decode_param(key: str, value: Any) -> Any:
    """Undo PTB's encoding of one parameter (see the module docstring)."""
    if not isinstance(value, str) or key in _TEXT_PARAMS:
        return value
    if key in ("chat_id", "from_chat_id", "user_id"):
        try:
            return int(value)
        except ValueError:
            return value
    try:
        return json.loads(value)
    except ValueError:
        return value


def _as_int(value: Any, name: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ApiError(400, f"Bad Request: invalid {name} specified") from None


def _strip_reply(message: JSON) -> JSON:
    result = copy.deepcopy(message)
    result.pop("reply_to_message", None)
    return result


# =============================================================================== the server


Handler = Callable[[ApiCall], Awaitable[Any]]


class BotApiStandIn:
    """The Bot API on 127.0.0.1 at a free port: records calls, feeds updates, injects faults.

    ``strict`` (default on) makes references behave like Telegram: replying to an unknown
    message, answering an unknown (or already answered) callback/inline query fail with
    Telegram's 400s.  Messages and queries become known when they pass through
    ``push_update`` (or ``register_message``) or are sent by the bot.
    """

    def __init__(self, *, strict: bool = True, latency: float = 0.0) -> None:
        self.strict = strict
        self.latency = latency
        self.calls: list[ApiCall] = []
        self.tokens: list[str] = []
        self.bot_user: JSON = {
            "id": BOT_ID,
            "is_bot": True,
            "first_name": BOT_FIRST_NAME,
            "username": BOT_USERNAME,
        }
        self.webhook_url = ""
        self.my_commands: dict[tuple[str, str], list[JSON]] = {}
        self.descriptions: dict[tuple[str, str], str] = {}
        self._pending: list[JSON] = []
        self._last_update_id = 700_000_000
        self._allowed_updates: frozenset[str] | None = None
        self._poll_generation = 0
        self._messages: dict[tuple[int, int], JSON] = {}
        self._chats: dict[int, JSON] = {}
        self._queries: dict[str, bool] = {}  # callback/inline query id -> answered
        self._faults: dict[str, list[_Fault]] = {}
        self._wakeup = asyncio.Event()
        self._tasks: set[asyncio.Task[tuple[int, bytes, str]]] = set()
        self._closing = False
        self._runner: web.AppRunner | None = None
        self._port: int | None = None
        self._handlers: dict[str, Handler] = {
            "getme": self._get_me,
            "logout": self._true,
            "close": self._true,
            "getupdates": self._get_updates,
            "setwebhook": self._set_webhook,
            "deletewebhook": self._delete_webhook,
            "getwebhookinfo": self._get_webhook_info,
            "sendmessage": self._send_message,
            "editmessagetext": self._edit_message_text,
            "editmessagereplymarkup": self._edit_message_reply_markup,
            "deletemessage": self._delete_message,
            "answercallbackquery": self._answer_callback_query,
            "answerinlinequery": self._answer_inline_query,
            "setmycommands": self._set_my_commands,
            "getmycommands": self._get_my_commands,
            "deletemycommands": self._delete_my_commands,
            "sendchataction": self._send_chat_action,
            "setmydescription": self._set_description("description"),
            "setmyshortdescription": self._set_description("short_description"),
            "getmydescription": self._get_description("description"),
            "getmyshortdescription": self._get_description("short_description"),
        }

    # ------------------------------------------------------------------------- lifecycle

    async def start(self) -> None:
        """Bind 127.0.0.1 on a free port and start serving."""
        if self._runner is not None:
            return
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_route("*", "/file/bot{token}/{path:.*}", self._file_not_found)
        runner = web.AppRunner(
            app, handler_cancellation=True, access_log=None, shutdown_timeout=1.0
        )
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        self._runner = runner
        self._port = int(runner.addresses[0][1])
        self._closing = False

    async def stop(self) -> None:
        """Answer pending long polls with ``[]``, drop in-flight work and close the server."""
        if self._runner is None:
            return
        self._closing = True
        self._notify()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self._runner.cleanup()
        self._runner = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    @property
    def port(self) -> int:
        """The TCP port the stand-in listens on."""
        if self._port is None:
            raise RuntimeError("BotApiStandIn is not started")
        return self._port

    @property
    def base_url(self) -> str:
        """Value for ``ApplicationBuilder().base_url()`` / ``Bot(base_url=...)``."""
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        """Value for ``ApplicationBuilder().base_file_url()`` (file downloads answer 404)."""
        return f"http://127.0.0.1:{self.port}/file/bot"

    @property
    def token(self) -> str | None:
        """The token used by the most recent call (any token is accepted)."""
        return self.tokens[-1] if self.tokens else None

    # ------------------------------------------------------------------------- updates

    def push_update(self, update: JSON) -> int:
        """Queue a copy of ``update`` with a fresh ``update_id``; wake long polls; return the id."""
        update = copy.deepcopy(update)
        self._last_update_id += 1
        update["update_id"] = self._last_update_id
        self._learn(update)
        self._pending.append(update)
        self._notify()
        return self._last_update_id

    @property
    def pending_updates(self) -> list[JSON]:
        """Updates not yet confirmed by a getUpdates ``offset``."""
        return list(self._pending)

    def register_message(self, message: JSON) -> None:
        """Make a message (and its chat) known without pushing it as an update."""
        self._learn_message(message)

    def get_message(self, chat_id: int, message_id: int) -> JSON | None:
        """The current state (after edits) of a known message."""
        found = self._messages.get((chat_id, message_id))
        return copy.deepcopy(found) if found is not None else None

    def _learn(self, update: JSON) -> None:
        for key, value in update.items():
            if not isinstance(value, dict):
                continue
            if key in ("callback_query", "inline_query"):
                self._queries.setdefault(str(value.get("id")), False)
                if isinstance(value.get("message"), dict):
                    self._learn_message(value["message"])
            elif "message_id" in value and "chat" in value:
                self._learn_message(value)

    def _learn_message(self, message: JSON) -> None:
        chat = message.get("chat")
        if not isinstance(chat, dict) or "id" not in chat:
            return
        self._chats.setdefault(int(chat["id"]), copy.deepcopy(chat))
        if isinstance(message.get("reply_to_message"), dict):
            self._learn_message(message["reply_to_message"])
        self._messages[(int(chat["id"]), int(message["message_id"]))] = copy.deepcopy(message)

    # ------------------------------------------------------------------------- recording

    def calls_to(self, method: str) -> list[ApiCall]:
        """All recorded calls to ``method`` (case-insensitive), oldest first."""
        wanted = method.lower()
        return [call for call in self.calls if call.method.lower() == wanted]

    def sent_messages(self, chat_id: int | None = None) -> list[JSON]:
        """Message objects returned by successful sendMessage calls, oldest first."""
        return [
            call.result
            for call in self.calls_to("sendMessage")
            if call.ok and (chat_id is None or call.result["chat"]["id"] == chat_id)
        ]

    def clear(self) -> None:
        """Forget recorded calls (state such as messages and updates is kept)."""
        self.calls.clear()

    async def wait_for(
        self,
        method: str,
        predicate: Callable[[ApiCall], bool] | None = None,
        *,
        count: int = 1,
        timeout: float = 5.0,
        finished: bool = True,
    ) -> list[ApiCall]:
        """Wait until ``count`` matching calls exist and return the first ``count`` of them.

        A call matches when it is to ``method``, has been answered (unless ``finished`` is
        false) and ``predicate`` returns true; a predicate raising KeyError/TypeError/
        IndexError/AttributeError counts as "no match".  On timeout an AssertionError lists
        every recorded call.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        wanted = method.lower()
        while True:
            event = self._wakeup
            matches = [
                call
                for call in self.calls
                if call.method.lower() == wanted
                and (call.finished or not finished)
                and _matches(predicate, call)
            ]
            if len(matches) >= count:
                return matches[:count]
            remaining = deadline - loop.time()
            if remaining <= 0:
                dump = "\n".join(f"  {call.short()}" for call in self.calls[-40:]) or "  (none)"
                raise AssertionError(
                    f"timed out after {timeout}s waiting for {count} {method} call(s)"
                    f"{' matching the predicate' if predicate else ''}; got {len(matches)}. "
                    f"Recorded calls ({len(self.calls)}):\n{dump}"
                )
            await _wait_event(event, remaining)

    # ------------------------------------------------------------------------- faults

    def inject_fault(
        self,
        method: str,
        *,
        status: int | None = 500,
        description: str | None = None,
        retry_after: int | None = None,
        times: int | None = 1,
        delay: float = 0.0,
        reset_connection: bool = False,
        html_body: bool | None = None,
    ) -> None:
        """Make the next ``times`` calls to ``method`` (``"*"``: any method) fail.

        * ``status=429`` answers "Too Many Requests: retry after N" with
          ``parameters.retry_after`` (``retry_after`` defaults to 1).
        * ``status=502/503/504`` answer an nginx HTML page unless ``html_body=False``.
        * other statuses answer ``{"ok": false, "error_code": status, "description": ...}``
          (``description`` defaults to a Telegram-like text for the status).
        * ``delay`` sleeps first (the call still runs server-side if the client gives up);
          ``status=None`` with a delay means "slow, then a normal answer".
        * ``reset_connection`` aborts the TCP connection instead of answering.
        * ``times=None`` keeps failing until :meth:`clear_faults`.
        """
        fault = _Fault(status, description, retry_after, times, delay, reset_connection, html_body)
        self._faults.setdefault(method.lower(), []).append(fault)

    def clear_faults(self) -> None:
        """Drop every injected fault that has not fired yet."""
        self._faults.clear()

    def _take_fault(self, method_key: str) -> _Fault | None:
        for key in (method_key, "*"):
            queue = self._faults.get(key)
            while queue:
                fault = queue[0]
                if fault.remaining is not None:
                    if fault.remaining <= 0:
                        queue.pop(0)
                        continue
                    fault.remaining -= 1
                    if fault.remaining == 0:
                        queue.pop(0)
                return fault
        return None

    # ------------------------------------------------------------------------- HTTP layer

    def _notify(self) -> None:
        """Wake everything waiting for news (long polls, ``wait_for``)."""
        self._wakeup.set()
        self._wakeup = asyncio.Event()

    async def _file_not_found(self, request: web.Request) -> web.Response:
        return _json_response(404, {"ok": False, "error_code": 404, "description": "Not Found"})

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        token = request.match_info["token"]
        method = request.match_info["method"]
        self.tokens.append(token)
        raw, files = await _read_params(request)
        call = ApiCall(
            method=method,
            params={key: _decode_param(key, value) for key, value in raw.items()},
            time=time.monotonic(),
            token=token,
            http_method=request.method,
            raw_params=raw,
            files=files,
        )
        self.calls.append(call)
        self._notify()
        key = method.lower()
        if key == "getupdates":
            # Not shielded: a client that gives up on a long poll cancels it, so the updates
            # are not lost (they were never confirmed).
            try:
                status, body, content_type = await self._process(request, call, key)
            except asyncio.CancelledError:
                call.disconnected = True
                self._finish(call, 499, error="client disconnected")
                raise
        else:
            # Shielded: like the real server, the work goes on when the client times out.
            task = asyncio.ensure_future(self._process(request, call, key))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
            try:
                status, body, content_type = await asyncio.shield(task)
            except asyncio.CancelledError:
                call.disconnected = True
                raise
        if status == 0:  # connection was reset on purpose
            raise ConnectionResetError("connection reset by BotApiStandIn (injected fault)")
        return web.Response(status=status, body=body, content_type=content_type)

    async def _process(
        self, request: web.Request, call: ApiCall, key: str
    ) -> tuple[int, bytes, str]:
        try:
            if self.latency > 0:
                await asyncio.sleep(self.latency)
            fault = self._take_fault(key)
            if fault is not None:
                call.faulted = True
                if fault.delay > 0:
                    await asyncio.sleep(fault.delay)
                if fault.reset_connection:
                    self._finish(call, 0, error="connection reset (injected)")
                    if request.transport is not None:
                        request.transport.abort()
                    return 0, b"", "text/plain"
                if fault.status is not None and fault.status != 200:
                    return self._fault_answer(call, fault)
            handler = self._handlers.get(key)
            if handler is None:
                raise ApiError(404, "Not Found: method not found")
            result = await handler(call)
        except ApiError as exc:
            payload: JSON = {"ok": False, "error_code": exc.status, "description": exc.description}
            if exc.parameters:
                payload["parameters"] = exc.parameters
            self._finish(call, exc.status, error=exc.description)
            return exc.status, _dumps(payload), "application/json"
        self._finish(call, 200, result=result)
        return 200, _dumps({"ok": True, "result": result}), "application/json"

    def _fault_answer(self, call: ApiCall, fault: _Fault) -> tuple[int, bytes, str]:
        status = fault.status or 500
        html = fault.html_body if fault.html_body is not None else status in (502, 503, 504)
        if status == 429:
            retry_after = fault.retry_after if fault.retry_after is not None else 1
            description = fault.description or f"Too Many Requests: retry after {retry_after}"
            payload: JSON = {
                "ok": False,
                "error_code": 429,
                "description": description,
                "parameters": {"retry_after": retry_after},
            }
        elif html:
            self._finish(call, status, error=f"injected HTML {status}")
            page = PROXY_502_HTML.replace("502 Bad Gateway", f"{status} {_phrase(status)}")
            return status, page.encode(), "text/html"
        else:
            description = fault.description or _default_description(status)
            payload = {"ok": False, "error_code": status, "description": description}
            if fault.retry_after is not None:
                payload["parameters"] = {"retry_after": fault.retry_after}
        self._finish(call, status, error=payload["description"])
        return status, _dumps(payload), "application/json"

    def _finish(
        self, call: ApiCall, status: int, *, result: Any = None, error: str | None = None
    ) -> None:
        call.status = status
        call.result = result
        call.error = error
        self._notify()

    # ------------------------------------------------------------------------- helpers

    def _chat(self, chat_id: Any) -> JSON:
        if chat_id is None or chat_id == "":
            raise ApiError(400, "Bad Request: chat_id is empty")
        if isinstance(chat_id, str) and chat_id.startswith("@"):
            for known in self._chats.values():
                if known.get("username", "").lower() == chat_id[1:].lower():
                    return copy.deepcopy(known)
            raise ApiError(400, "Bad Request: chat not found")
        number = _as_int(chat_id, "chat_id")
        if number in self._chats:
            return copy.deepcopy(self._chats[number])
        if number > 0:
            chat: JSON = {"id": number, "type": "private", "first_name": "User"}
        elif str(number).startswith("-100"):
            chat = {"id": number, "title": "Group", "type": "supergroup"}
        else:
            chat = {"id": number, "title": "Group", "type": "group"}
        self._chats[number] = chat
        return copy.deepcopy(chat)

    def _new_message_id(self, chat_id: int) -> int:
        message_id = next_message_id()
        while (chat_id, message_id) in self._messages:
            message_id = next_message_id()
        return message_id

    def _formatted_text(self, params: JSON, key: str = "text") -> tuple[str, list[JSON]]:
        """Validate text + parse_mode like Telegram; return (plain text, entities)."""
        text = params.get(key)
        if text is None or text == "":
            raise ApiError(400, "Bad Request: message text is empty")
        text = str(text)
        parse_mode = str(params.get("parse_mode") or "").lower()
        entities: list[JSON]
        if parse_mode == "html":
            try:
                text, entities = parse_telegram_html(text)
            except HtmlParseError as exc:
                raise ApiError(400, f"Bad Request: can't parse entities: {exc}") from None
        elif parse_mode in ("", "markdown", "markdownv2"):
            given = params.get("entities")
            entities = list(given) if isinstance(given, list) else []
        else:
            raise ApiError(400, "Bad Request: unsupported parse_mode")
        text, entities = _trim(text, entities)
        if not text:
            raise ApiError(400, "Bad Request: message text is empty")
        if utf16_len(text) > MAX_MESSAGE_LENGTH:
            raise ApiError(400, "Bad Request: message is too long")
        return text, entities

    def _reply_markup(self, markup: Any) -> JSON | None:
        """Validate a decoded reply_markup; return it if it is an inline keyboard."""
        if markup is None:
            return None
        if not isinstance(markup, dict):
            raise ApiError(400, "Bad Request: can't parse reply keyboard markup JSON object")
        rows = markup.get("inline_keyboard")
        if rows is None:
            return None
        if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
            raise ApiError(
                400,
                'Bad Request: field "inline_keyboard" of the InlineKeyboardMarkup must be an '
                "Array of Arrays",
            )
        for row in rows:
            for button in row:
                if not isinstance(button, dict) or not isinstance(button.get("text"), str):
                    raise ApiError(400, "Bad Request: can't parse inline keyboard button")
                if not any(action in button for action in _BUTTON_ACTIONS):
                    raise ApiError(
                        400,
                        "Bad Request: can't parse inline keyboard button: Text buttons are "
                        "unallowed in the inline keyboard",
                    )
                if "callback_data" in button:
                    data = button["callback_data"]
                    size = len(data.encode("utf-8")) if isinstance(data, str) else -1
                    if not 1 <= size <= MAX_CALLBACK_DATA_BYTES:
                        raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
        return markup

    def _reply_target(self, chat: JSON, params: JSON) -> JSON | None:
        reply = params.get("reply_parameters")
        allow_without = bool(params.get("allow_sending_without_reply"))
        message_id: Any = None
        if isinstance(reply, dict):
            message_id = reply.get("message_id")
            allow_without = bool(reply.get("allow_sending_without_reply", allow_without))
        elif params.get("reply_to_message_id") is not None:
            message_id = params["reply_to_message_id"]
        if message_id is None:
            return None
        message_id = _as_int(message_id, "reply message id")
        found = self._messages.get((chat["id"], message_id))
        if found is not None:
            return _strip_reply(found)
        if allow_without:
            return None
        if self.strict:
            raise ApiError(400, "Bad Request: message to be replied not found")
        return {"message_id": message_id, "chat": chat, "date": 0}

    def _editable(self, params: JSON) -> JSON:
        chat = self._chat(params.get("chat_id"))
        message_id = _as_int(params.get("message_id"), "message_id")
        message = self._messages.get((chat["id"], message_id))
        if message is None:
            raise ApiError(400, "Bad Request: message to edit not found")
        sender = message.get("from")
        if isinstance(sender, dict) and sender.get("id") != self.bot_user["id"]:
            raise ApiError(400, "Bad Request: message can't be edited")
        return message

    def _take_query(self, query_id: Any) -> None:
        key = str(query_id)
        if self.strict and self._queries.get(key, True):
            raise ApiError(400, QUERY_INVALID)
        self._queries[key] = True

    # ------------------------------------------------------------------------- methods

    async def _true(self, call: ApiCall) -> bool:
        return True

    async def _get_me(self, call: ApiCall) -> JSON:
        return {
            **self.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": True,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def _get_updates(self, call: ApiCall) -> list[JSON]:
        params = call.params
        if self.webhook_url:
            raise ApiError(409, WEBHOOK_CONFLICT)
        offset = _as_int(params.get("offset", 0) or 0, "offset")
        limit = min(max(_as_int(params.get("limit", 100), "limit"), 1), 100)
        try:
            timeout = max(float(params.get("timeout", 0) or 0), 0.0)
        except (TypeError, ValueError):
            raise ApiError(400, "Bad Request: invalid timeout specified") from None
        allowed = params.get("allowed_updates")
        if isinstance(allowed, list):
            self._allowed_updates = frozenset(str(kind) for kind in allowed) or None
        self._poll_generation += 1
        generation = self._poll_generation
        self._notify()  # an older long poll answers 409, as on Telegram

        if offset > 0:
            self._pending = [u for u in self._pending if u["update_id"] >= offset]
        elif offset < 0:
            self._pending = self._pending[offset:]

        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            event = self._wakeup
            if self._poll_generation != generation:
                raise ApiError(409, POLL_CONFLICT)
            self._pending = [u for u in self._pending if self._is_allowed(u)]
            if self._pending or self._closing:
                return copy.deepcopy(self._pending[:limit])
            remaining = deadline - loop.time()
            if remaining <= 0:
                return []
            await _wait_event(event, remaining)

    def _is_allowed(self, update: JSON) -> bool:
        kinds = set(update) - {"update_id"}
        if self._allowed_updates is None:
            return not kinds <= _NOT_BY_DEFAULT
        return bool(kinds & self._allowed_updates)

    async def _set_webhook(self, call: ApiCall) -> bool:
        url = str(call.params.get("url") or "")
        if url and not url.startswith("https://"):
            raise ApiError(
                400, "Bad Request: bad webhook: An HTTPS URL must be provided for webhook"
            )
        self.webhook_url = url
        if call.params.get("drop_pending_updates"):
            self._pending.clear()
        self._notify()
        return True

    async def _delete_webhook(self, call: ApiCall) -> bool:
        self.webhook_url = ""
        if call.params.get("drop_pending_updates"):
            self._pending.clear()
        return True

    async def _get_webhook_info(self, call: ApiCall) -> JSON:
        info: JSON = {
            "url": self.webhook_url,
            "has_custom_certificate": False,
            "pending_update_count": len(self._pending),
        }
        if self.webhook_url:
            info["max_connections"] = 40
        if self._allowed_updates is not None:
            info["allowed_updates"] = sorted(self._allowed_updates)
        return info

    async def _send_message(self, call: ApiCall) -> JSON:
        params = call.params
        chat = self._chat(params.get("chat_id"))
        text, entities = self._formatted_text(params)
        markup = self._reply_markup(params.get("reply_markup"))
        reply_to = self._reply_target(chat, params)
        message: JSON = {"message_id": self._new_message_id(chat["id"])}
        if chat["type"] == "channel":
            message["sender_chat"] = chat
        else:
            message["from"] = copy.deepcopy(self.bot_user)
        message.update({"chat": chat, "date": int(time.time())})
        if params.get("message_thread_id") is not None:
            message["message_thread_id"] = params["message_thread_id"]
        if reply_to is not None:
            message["reply_to_message"] = reply_to
        message["text"] = text
        if entities:
            message["entities"] = entities
        if isinstance(params.get("link_preview_options"), dict):
            message["link_preview_options"] = params["link_preview_options"]
        if markup is not None:
            message["reply_markup"] = markup
        self._messages[(chat["id"], message["message_id"])] = message
        return copy.deepcopy(message)

    async def _edit_message_text(self, call: ApiCall) -> JSON | bool:
        params = call.params
        text, entities = self._formatted_text(params)
        markup = self._reply_markup(params.get("reply_markup"))
        if params.get("inline_message_id"):
            return True
        message = self._editable(params)
        if "text" not in message:
            raise ApiError(400, "Bad Request: there is no text in the message to edit")
        if (
            text == message["text"]
            and entities == message.get("entities", [])
            and markup == message.get("reply_markup")
        ):
            raise ApiError(400, NOT_MODIFIED)
        message["text"] = text
        _set_or_pop(message, "entities", entities or None)
        _set_or_pop(message, "reply_markup", markup)
        message["edit_date"] = int(time.time())
        return copy.deepcopy(message)

    async def _edit_message_reply_markup(self, call: ApiCall) -> JSON | bool:
        params = call.params
        markup = self._reply_markup(params.get("reply_markup"))
        if params.get("inline_message_id"):
            return True
        message = self._editable(params)
        if markup == message.get("reply_markup"):
            raise ApiError(400, NOT_MODIFIED)
        _set_or_pop(message, "reply_markup", markup)
        message["edit_date"] = int(time.time())
        return copy.deepcopy(message)

    async def _delete_message(self, call: ApiCall) -> bool:
        chat = self._chat(call.params.get("chat_id"))
        message_id = _as_int(call.params.get("message_id"), "message_id")
        if self._messages.pop((chat["id"], message_id), None) is None:
            raise ApiError(400, "Bad Request: message to delete not found")
        return True

    async def _answer_callback_query(self, call: ApiCall) -> bool:
        text = call.params.get("text")
        if isinstance(text, str) and len(text) > MAX_CALLBACK_ANSWER_LENGTH:
            raise ApiError(400, "Bad Request: MESSAGE_TOO_LONG")
        self._take_query(call.params.get("callback_query_id"))
        return True

    async def _answer_inline_query(self, call: ApiCall) -> bool:
        results = call.params.get("results")
        if not isinstance(results, list):
            raise ApiError(400, "Bad Request: can't parse inline query results JSON object")
        if len(results) > MAX_INLINE_RESULTS:
            raise ApiError(400, "Bad Request: RESULTS_TOO_MUCH")
        seen: set[str] = set()
        for result in results:
            if not isinstance(result, dict):
                raise ApiError(400, "Bad Request: can't parse inline query result")
            result_id = result.get("id")
            if not isinstance(result_id, str) or not 1 <= len(result_id.encode()) <= 64:
                raise ApiError(400, "Bad Request: RESULT_ID_INVALID")
            if result_id in seen:
                raise ApiError(400, "Bad Request: RESULT_ID_DUPLICATE")
            seen.add(result_id)
            content = result.get("input_message_content")
            if isinstance(content, dict) and "message_text" in content:
                self._formatted_text(content, "message_text")
            self._reply_markup(result.get("reply_markup"))
        self._take_query(call.params.get("inline_query_id"))
        return True

    def _commands_key(self, params: JSON) -> tuple[str, str]:
        scope = params.get("scope") or {"type": "default"}
        return json.dumps(scope, sort_keys=True), str(params.get("language_code") or "")

    async def _set_my_commands(self, call: ApiCall) -> bool:
        commands = call.params.get("commands")
        if not isinstance(commands, list):
            raise ApiError(400, "Bad Request: can't parse commands JSON object")
        if len(commands) > 100:
            raise ApiError(400, "Bad Request: BOT_COMMANDS_TOO_MUCH")
        for command in commands:
            name = command.get("command") if isinstance(command, dict) else None
            if not isinstance(name, str) or not _COMMAND_RE.fullmatch(name):
                raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
            description = command.get("description")
            if not isinstance(description, str) or not 1 <= len(description) <= 256:
                raise ApiError(400, "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID")
        self.my_commands[self._commands_key(call.params)] = copy.deepcopy(commands)
        return True

    async def _get_my_commands(self, call: ApiCall) -> list[JSON]:
        return copy.deepcopy(self.my_commands.get(self._commands_key(call.params), []))

    async def _delete_my_commands(self, call: ApiCall) -> bool:
        self.my_commands.pop(self._commands_key(call.params), None)
        return True

    async def _send_chat_action(self, call: ApiCall) -> bool:
        self._chat(call.params.get("chat_id"))
        if call.params.get("action") not in _CHAT_ACTIONS:
            raise ApiError(400, "Bad Request: wrong parameter action in request")
        return True

    def _set_description(self, kind: str) -> Handler:
        async def handler(call: ApiCall) -> bool:
            language = str(call.params.get("language_code") or "")
            self.descriptions[(kind, language)] = str(call.params.get(kind) or "")
            return True

        return handler

    def _get_description(self, kind: str) -> Handler:
        async def handler(call: ApiCall) -> JSON:
            language = str(call.params.get("language_code") or "")
            return {kind: self.descriptions.get((kind, language), "")}

        return handler


# =============================================================================== utilities


def _matches(predicate: Callable[[ApiCall], bool] | None, call: ApiCall) -> bool:
    if predicate is None:
        return True
    try:
        return bool(predicate(call))
    except (KeyError, TypeError, IndexError, AttributeError):
        return False


async def _wait_event(event: asyncio.Event, timeout: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(event.wait(), timeout)


async def _read_params(request: web.Request) -> tuple[dict[str, Any], dict[str, JSON]]:
    """Collect parameters from the query string and a JSON, urlencoded or multipart body."""
    raw: dict[str, Any] = dict(request.query)
    files: dict[str, JSON] = {}
    if not request.body_exists:
        return raw, files
    content_type = request.content_type
    if content_type == "application/json":
        try:
            body = await request.json()
        except ValueError:
            body = None
        if isinstance(body, dict):
            raw.update(body)
    elif content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        form = await request.post()
        for key, value in form.items():
            if isinstance(value, web.FileField):
                content = value.file.read()
                files[key] = {
                    "filename": value.filename,
                    "content_type": value.content_type,
                    "size": len(content),
                }
            else:
                raw[key] = value if isinstance(value, str) else bytes(value).decode()
    return raw, files


def _set_or_pop(target: JSON, key: str, value: Any) -> None:
    if value is None:
        target.pop(key, None)
    else:
        target[key] = value


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def _dumps(payload: Any) -> bytes:
    return json.dumps(payload, ensure_ascii=False).encode("utf-8")


def _json_response(status: int, payload: Any) -> web.Response:
    return web.Response(status=status, body=_dumps(payload), content_type="application/json")
